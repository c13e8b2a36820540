"""Safe DOCX rendering: sandboxed Jinja over a fresh docxtpl template, cleaned data, stable bytes.

Templates are edited by clerks, so they are checked before use (`check_template`) and always run
in an immutable sandbox; data comes from users, so it is normalised and stripped of what XML
cannot hold; output is byte-stable so its SHA-256 can be filed as the document's checksum.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Collection, Mapping, MutableMapping
from datetime import date, datetime
from functools import lru_cache
from types import CodeType
from typing import Any

from docx import Document
from docxtpl import DocxTemplate
from jinja2 import StrictUndefined, Template, meta, nodes
from jinja2 import TemplateError as JinjaTemplateError
from jinja2.exceptions import SecurityError, TemplateSyntaxError, UndefinedError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from workflows.text import clean_text

__all__ = ["TemplateError", "check_template", "render_docx", "template_variables"]

# A constant stamp keeps output independent of the clock; 1980-01-01 is the earliest ZIP date.
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_UNDATED = datetime(*_ZIP_DATE_TIME)

_FOOTNOTES_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.footnotes+xml"
# The core properties docxtpl renders as templates (see DocxTemplate.render_properties).
_TEMPLATED_PROPERTIES = ("author", "comments", "identifier", "language", "subject", "title")


class TemplateError(ValueError):
    """A template or rendering the service must refuse; the message names the problem."""


def render_docx(template_bytes: bytes, context: Mapping[str, Any]) -> bytes:
    """Render `context` into the template; same template and context give the same bytes."""
    clean: dict[str, Any] = _clean(context)
    template = _open(template_bytes)
    try:
        template.render(clean, jinja_env=_SANDBOX, autoescape=True)
    except SecurityError as exc:
        raise TemplateError(f"unsafe template code: {exc}") from exc
    except TemplateSyntaxError as exc:
        raise TemplateError(f"template syntax error: {exc.message} line {exc.lineno}") from exc
    except UndefinedError as exc:
        raise TemplateError(f"undefined value in template: {exc}") from exc
    except JinjaTemplateError as exc:
        raise TemplateError(f"template error: {exc}") from exc
    except Exception as exc:  # whatever a malformed template makes lxml or python-docx raise
        raise TemplateError(f"template rendering failed: {type(exc).__name__}: {exc}") from exc

    stamp = _document_time(clean.get("issue_date_iso"))
    properties = template.docx.core_properties
    properties.created = stamp
    properties.modified = stamp
    properties.last_printed = stamp
    properties.revision = 1

    out = io.BytesIO()
    template.save(out)
    return _stable_zip(out.getvalue())


def template_variables(template_bytes: bytes) -> set[str]:
    """Top-level names the template reads from the context (Jinja's own globals excluded)."""
    template = _open(template_bytes)
    env = _SANDBOX
    names: set[str] = set()
    for label, source in _sources(template):
        try:
            ast = env.parse(source)
        except TemplateSyntaxError as exc:
            raise TemplateError(_syntax_message(exc, label, source)) from exc
        names |= meta.find_undeclared_variables(ast)
    return names - set(env.globals)


def check_template(
    template_bytes: bytes, provided: Collection[str], sample_context: Mapping[str, Any]
) -> None:
    """Refuse a template before it is stored: broken file, unknown names, or a failing trial."""
    unknown = template_variables(template_bytes) - set(provided)
    if unknown:
        raise TemplateError("unknown variables: " + ", ".join(sorted(unknown)))
    rendered = render_docx(template_bytes, sample_context)
    try:
        Document(io.BytesIO(rendered))
    except Exception as exc:
        raise TemplateError(f"template renders an invalid DOCX file: {exc}") from exc


# The same template bytes give docxtpl the same XML, the same clean-up of it and the same Jinja
# source every render: both are done once per process and remembered. Cleaning and compiling
# were about half of a render's time. The shipped templates take about 10 pieces (bodies,
# headers, footers, properties) and 2.5 MB; 64 keep several versions of each.
CACHED_PIECES = 64


class _Template(DocxTemplate):
    """docxtpl's template whose XML clean-up for Jinja is remembered (it depends on the XML
    alone); everything else is per render, as before."""

    def patch_xml(self, src_xml: str) -> str:
        return _patched(src_xml)


@lru_cache(maxsize=CACHED_PIECES)
def _patched(src_xml: str) -> str:
    return str(DocxTemplate.patch_xml(None, src_xml))  # docxtpl's clean-up reads nothing of self


class _Sandbox(ImmutableSandboxedEnvironment):
    """Compiles each piece of template source once per process. Each render still gets a new
    Template object; only the immutable code object is shared."""

    def from_string(
        self,
        source: str | nodes.Template,
        globals: MutableMapping[str, Any] | None = None,
        template_class: type[Template] | None = None,
    ) -> Template:
        if not isinstance(source, str):
            return super().from_string(source, globals, template_class)
        cls = template_class or self.template_class
        return cls.from_code(self, _compiled(self, source), self.make_globals(globals), None)


@lru_cache(maxsize=CACHED_PIECES)
def _compiled(env: _Sandbox, source: str) -> CodeType:
    return env.compile(source)


# Immutable, so one serves every render; strict so a misspelt field fails the trial render.
_SANDBOX = _Sandbox(autoescape=True, undefined=StrictUndefined)


def _open(template_bytes: bytes) -> Any:
    """A new DocxTemplate per call: docxtpl objects keep state and must not be shared."""
    template = _Template(io.BytesIO(template_bytes))
    try:
        template.init_docx()
    except Exception as exc:  # python-docx raises many kinds on foreign bytes
        raise TemplateError("not a valid DOCX file") from exc
    return template


def _clean(value: Any) -> Any:
    """NFC text without XML-illegal characters, recursively; CR line ends become LF."""
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, Mapping):
        return {_clean(key): _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _sources(template: Any) -> list[tuple[str, str]]:
    """Each piece docxtpl renders, patched and split into lines exactly as it renders it."""
    parts: list[tuple[str, str]] = [("document body", template.get_xml())]
    for uri, label in ((template.HEADER_URI, "header"), (template.FOOTER_URI, "footer")):
        parts += [(label, template.get_part_xml(p)) for _, p in template.get_headers_footers(uri)]
    package = template.docx.part.package
    parts += [
        ("footnotes", p.blob.decode("utf-8"))
        for p in package.parts
        if p.content_type == _FOOTNOTES_TYPE
    ]
    sources = [
        (label, re.sub(r"<w:p([ >])", r"\n<w:p\1", template.patch_xml(xml))) for label, xml in parts
    ]
    properties = template.docx.core_properties
    sources += [
        (f"document property {name}", getattr(properties, name) or "")
        for name in _TEMPLATED_PROPERTIES
    ]
    return sources


def _syntax_message(exc: TemplateSyntaxError, label: str, source: str) -> str:
    """Name the line and the visible text around it: XML line numbers alone mean nothing."""
    lines = source.splitlines()
    lineno = exc.lineno or 0
    near = re.sub(r"<[^>]+>", "", lines[lineno - 1]).strip() if 0 < lineno <= len(lines) else ""
    message = f"template syntax error: {exc.message} in {label} line {lineno}"
    return f"{message} (near {near[:80]!r})" if near else message


def _document_time(issue_date_iso: Any) -> datetime:
    """Midnight of the issue date, or a constant for drafts: never the clock."""
    if not issue_date_iso:
        return _UNDATED
    try:
        return datetime.combine(date.fromisoformat(str(issue_date_iso)), datetime.min.time())
    except ValueError as exc:
        raise TemplateError(f"issue_date_iso is not an ISO date: {issue_date_iso!r}") from exc


def _stable_zip(data: bytes) -> bytes:
    """Rewrite the package with constant timestamps and attributes, members in the same order."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            info = zipfile.ZipInfo(member.filename, date_time=_ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, source.read(member.filename))
    return out.getvalue()
