"""The agency CA's public files for whoever checks a signature: its revocation list and its root
certificate, served from the signing folder (`vanthu run` names these URLs in the demo
certificates, so a signing worker fetches the revocation data a B-LT signature embeds)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import current_app, send_from_directory
from werkzeug.wrappers import Response

pki = APIBlueprint("pki", __name__, url_prefix="/pki", enable_openapi=False)


def _send(relative: str, mimetype: str) -> Response:
    """A file of the signing folder, or 404 (never a path outside it)."""
    folder = current_app.config["VANTHU"].signing_dir
    return send_from_directory(folder, relative, mimetype=mimetype, max_age=60)


@pki.get("/crl/<name>.crl")
def crl(name: str) -> Response:
    return _send(f"crl/{name}.crl", "application/pkix-crl")


@pki.get("/root.pem")
def root() -> Response:
    return _send("root.pem", "application/x-pem-file")
