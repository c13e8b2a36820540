"""Digital signatures in the UI: the "Chờ ký" list, a document's "Chữ ký số" section, asking a
server-side signing (a job applies it: the web never signs), the one-time link pair for a
signer's own tool, and the fully signed PDF."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, render_template, request, url_for
from sqlalchemy.orm import Session
from werkzeug.wrappers import Response

from service import downloads
from service.commands import documents, signing
from service.database import session as db_session
from service.documents.naming import download_name
from service.documents.store import read_verified
from service.errors import NotFound
from service.identity import caller, current_user, require
from service.models import Document, Signature
from service.queries.signing import count_waiting, waiting_for
from service.signing import pin
from service.web.blueprint import web
from service.web.errors import back
from service.web.forms import Form
from service.web.submit import run_form_or_refuse
from workflows.signing import Party
from workflows.vocabulary import SignatureState

LEVELS = {
    "B-B": "B-B (chữ ký cơ bản)",
    "B-T": "B-T (có dấu thời gian)",
    "B-LT": "B-LT (có dấu thời gian và dữ liệu kiểm tra chứng thư)",
}
METHODS = {"server": "Máy chủ (khóa do cơ quan quản lý)", "upload": "Công cụ ký của người ký"}


@dataclass(frozen=True)
class Line:
    """One signature of the document page, with what the signed-in user may do about it."""

    row: Signature
    offer: signing.Offer

    @property
    def report(self) -> dict[str, Any]:
        return self.row.report or {}


@dataclass(frozen=True)
class Section:
    """The document page's "Chữ ký số": every signature in order, and the signed PDF when done."""

    lines: list[Line]
    ready: bool  # the PDF has its signature fields: the first step may be applied
    signed_url: str | None


def section(db: Session, doc: Document) -> Section:
    rows = signing.signatures_of(db, doc.id)
    ready = signing.ready(doc)
    first = next((r for r in rows if r.state != SignatureState.SIGNED), None)
    none = signing.Offer(False, False)
    lines = [Line(r, signing.offer(caller(), r) if r is first and ready else none) for r in rows]
    done = bool(rows) and first is None
    signed_url = url_for("web.signed_pdf", doc_id=doc.id) if done else None
    return Section(lines, ready, signed_url)


def waiting_count() -> int:
    """The menu's "Chờ ký" figure for the signed-in user."""
    return count_waiting(db_session(), current_user())


@web.context_processor
def signing_labels() -> dict[str, Any]:
    return {
        "waiting_count": waiting_count,
        "Party": Party,
        "SignatureState": SignatureState,
        "signature_levels": LEVELS,
        "signature_methods": METHODS,
        "signing_pin_asked": _pin_asked(),
    }


def _pin_asked() -> bool:
    """Whether the sign buttons ask for the signer's PIN: keys in a token that has none set."""
    config = current_app.config["VANTHU"]
    return bool(config.pkcs11_module) and not config.pkcs11_pin


@web.get("/signing")
def signing_waiting() -> str:
    """The documents waiting for the signed-in user's signature (or, for the inspected unit's,
    for the link pair they hand to it)."""
    waiting = waiting_for(db_session(), current_user())
    offers = {w.signature.id: signing.offer(caller(), w.signature) for w in waiting}
    return render_template("signing.html", waiting=waiting, offers=offers)


@web.post("/documents/<int:doc_id>/signatures/<int:step>/sign")
def signature_sign(doc_id: int, step: int) -> Response:
    """Ask the server-side signing of `step`: a sign job applies it; the page shows "Đang ký"."""
    sealed = pin.seal(request.form.get("pin", "")[:64], current_app.config["VANTHU"].secret_key)
    row = run_form_or_refuse(Form(request.form), signing.request, doc_id, step, sealed)
    flash(f"Đã xếp lịch ký số ({Party.label_of(row.party)}); kết quả hiện khi ký xong", "success")
    return back(url_for("web.document_page", doc_id=doc_id))


@web.post("/documents/<int:doc_id>/signatures/<int:step>/links")
def signature_links(doc_id: int, step: int) -> str:
    """A new one-time link pair, shown once: the tokens are not kept, only their hashes."""
    links = run_form_or_refuse(Form(request.form), signing.create_links, doc_id, step)
    doc = documents.get_document(db_session(), doc_id)
    return render_template(
        "signing_links.html",
        doc=doc,
        row=links.signature,
        expires_at=links.expires_at,
        download_url=url_for("signing_tool.download", token=links.download_token, _external=True),
        upload_url=url_for("signing_tool.upload", token=links.upload_token, _external=True),
    )


@web.get("/documents/<int:doc_id>/signed.pdf")
def signed_pdf(doc_id: int) -> Response:
    """The PDF with every signature applied: what was sent, and what the case file keeps."""
    db = db_session()
    doc = documents.get_document(db, doc_id)
    require("document.view", doc)
    stored = signing.fully_signed(db, doc)
    if stored is None:
        raise NotFound("bản PDF đã ký đủ của văn bản", doc.id)
    name = download_name(doc, "pdf").removesuffix(".pdf") + " (đã ký số).pdf"
    response = Response(read_verified(stored), mimetype="application/pdf")
    response.headers["Content-Disposition"] = downloads.content_disposition(name)
    response.headers["Cache-Control"] = "private, no-cache"
    downloads.log_read("document.download", "document", doc.id, f"{name} sha256={stored.sha256}")
    return response
