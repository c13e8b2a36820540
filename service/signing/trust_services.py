"""The demo CA's online services: an RFC 3161 timestamp authority and the CRL, over HTTP.

Stand-ins for a real TSA and CA so that B-T and B-LT signatures work offline.
"""

from __future__ import annotations

from asn1crypto import tsp
from werkzeug.exceptions import BadRequest, HTTPException, NotFound
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.wrappers import Request, Response

from service.signing.pdf import demo_timestamper
from service.signing.pki import CRL_NAME, DemoPki


class TrustServices:
    """WSGI app: `POST /tsa` (timestamp requests) and `GET /crl/<name>.crl`."""

    def __init__(self, pki: DemoPki) -> None:
        self.pki = pki
        self.timestamper = demo_timestamper(pki)
        self.urls = Map(
            [
                Rule("/tsa", endpoint="tsa", methods=["POST"]),
                Rule("/crl/<name>.crl", endpoint="crl", methods=["GET"]),
            ]
        )

    def tsa(self, request: Request) -> Response:
        try:
            query = tsp.TimeStampReq.load(request.get_data())
            query.native  # noqa: B018 (parses it all: a bad request fails here, not later)
        except ValueError as exc:
            raise BadRequest("not a timestamp request") from exc
        reply = self.timestamper.request_tsa_response(query)
        return Response(reply.dump(), content_type="application/timestamp-reply")

    def crl(self, request: Request, name: str) -> Response:
        if name != CRL_NAME:
            raise NotFound()
        return Response(self.pki.refresh_crl(), content_type="application/pkix-crl")

    def __call__(self, environ: dict, start_response):  # type: ignore[no-untyped-def]
        request = Request(environ)
        adapter = self.urls.bind_to_environ(environ)
        try:
            endpoint, args = adapter.match()
            response = getattr(self, endpoint)(request, **args)
        except HTTPException as exc:
            response = exc.get_response(environ)
        return response(environ, start_response)


def serve(pki: DemoPki, host: str, port: int) -> BaseWSGIServer:
    """A threaded HTTP server for the trust services: call `serve_forever()` (in a thread or
    as the whole process) and `shutdown()` to stop it."""
    return make_server(host, port, TrustServices(pki), threaded=True)
