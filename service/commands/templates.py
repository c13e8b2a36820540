"""Replace a document kind's template, after checking it; the old one stays as a version."""

from __future__ import annotations

from sqlalchemy.orm import Session

from service.commands.caller import Caller
from service.documents import contract
from service.documents.render import TemplateError, check_template
from service.documents.store import committed_template, next_template_version, sha256
from service.errors import Invalid
from service.models import Template
from workflows.documents import KINDS


def check(kind: str, content: bytes) -> None:
    """Refuse a template that is not a DOCX, uses unknown names or unsafe code."""
    try:
        check_template(content, contract.PROVIDED[kind], contract.SAMPLE_CONTEXTS[kind])
    except TemplateError as error:
        raise Invalid({"file": str(error)}) from error


def replace(db: Session, caller: Caller, kind: str, content: bytes) -> Template:
    caller.require("template.replace")
    if kind not in KINDS:
        raise Invalid({"kind": f"Loại văn bản phải là một trong: {', '.join(KINDS)}"})
    check(kind, content)
    version = next_template_version(db, kind)
    if version == 1:
        shipped = committed_template(kind)
        db.add(
            Template(
                kind=kind, version=1, content=shipped, sha256=sha256(shipped), uploaded_by="bản gốc"
            )
        )
        version = 2
    template = Template(
        kind=kind, version=version, content=content, sha256=sha256(content), uploaded_by=caller.name
    )
    db.add(template)
    db.flush()
    return template
