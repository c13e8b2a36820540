"""Digital signatures: a document's signatures, asking a server-side signing, the one-time link
pair for a signer's own tool; and that pair's two public endpoints, where the token in the URL
is the credential (no session, no bearer token, no CSRF)."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint
from flask import Response, current_app, request, url_for

from service import audit
from service.api import api
from service.api.access import as_caller, permitted
from service.api.schemas import SignatureOut, SignatureReportOut, SignIn, SigningLinksOut
from service.api.spec import LINK_PREFIX, file_responses
from service.commands import documents, signing
from service.database import session, transaction
from service.documents.naming import download_name
from service.downloads import content_disposition
from service.models import Signature
from service.signing import pin
from service.signing.toolkit import Toolkit

tool = APIBlueprint("signing_tool", __name__, url_prefix=LINK_PREFIX.rstrip("/"), tag="Ký số")
TOOL_ACTOR = "công cụ ký"  # who the audit log names for what a one-time link does


def toolkit() -> Toolkit:
    """This process's trust roots and keys, built once from the configuration."""
    found: Toolkit | None = current_app.extensions.get("vanthu.toolkit")
    if found is None:
        found = Toolkit.from_config(current_app.config["VANTHU"])
        current_app.extensions["vanthu.toolkit"] = found
    return found


@api.get("/documents/<int:doc_id>/signatures")
@api.output(SignatureOut(many=True))
def list_signatures(doc_id: int) -> list[Signature]:
    db = session()
    doc = permitted("document.view", documents.get_document(db, doc_id))
    return signing.signatures_of(db, doc.id)


@api.post("/documents/<int:doc_id>/signatures/<int:step>/sign")
@api.input(SignIn, arg_name="data")
@api.output(SignatureOut, status_code=202)
@api.doc(responses={202: "Đã xếp lịch ký bằng khóa trên máy chủ (trạng thái queued)"})
def sign_document(doc_id: int, step: int, data: dict[str, Any]) -> Signature:
    sealed = pin.seal(data.get("pin", ""), current_app.config["VANTHU"].secret_key)
    return as_caller(signing.request, doc_id, step, sealed)


@api.post("/documents/<int:doc_id>/signatures/<int:step>/links")
@api.output(SigningLinksOut, status_code=201)
@api.doc(responses={201: "Cặp liên kết dùng một lần cho công cụ ký của người ký"})
def signing_links(doc_id: int, step: int) -> dict[str, Any]:
    links = as_caller(signing.create_links, doc_id, step)
    return {
        "signature": links.signature,
        "download_url": url_for(
            "signing_tool.download", token=links.download_token, _external=True
        ),
        "upload_url": url_for("signing_tool.upload", token=links.upload_token, _external=True),
        "expires_at": links.expires_at,
    }


@tool.before_request
def name_the_tool() -> None:
    audit.set_actor(session(), TOOL_ACTOR)


@tool.get("/<token>/pdf")
@tool.doc(responses=file_responses("Bản PDF để ký (một lần)", "application/pdf"))  # type: ignore[arg-type]
def download(token: str) -> Response:
    """The PDF as it stands before this step, once; the link is spent by this answer."""
    with transaction() as db:
        row, content = signing.download_for_signing(db, token)
        name = download_name(row.document, "pdf")
    response = Response(content, mimetype="application/pdf")
    response.headers["Content-Disposition"] = content_disposition(name)
    response.headers["Cache-Control"] = "no-store"
    return response


@tool.route("/<token>/pdf", methods=["PUT", "POST"])
@tool.output(SignatureReportOut)
@tool.doc(responses={409: "Bị từ chối: `problems` nói lý do; văn bản không thay đổi"})
def upload(token: str) -> dict[str, Any]:
    """The PDF signed by the signer's tool (the body, application/pdf): kept only if valid."""
    content = request.get_data(cache=False)
    with transaction() as db:
        row = signing.accept_upload(db, token, content, toolkit())
        return dict(row.report)
