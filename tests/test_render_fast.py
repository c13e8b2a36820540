"""The renderer that touches only the parts holding template code: stable bytes, the same
document as plain docxtpl renders, and every other part's compressed bytes kept as they are."""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from datetime import datetime
from typing import Any

import pytest
from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph
from docxtpl import DocxTemplate

from service.documents.contract import SAMPLE_CONTEXTS
from service.documents.render import _prepared, forget_prepared, render_docx, render_docx_whole
from service.documents.store import committed_template
from workflows.documents import KINDS
from workflows.docx_package import stored_members
from workflows.docx_properties import DocxProperties, with_properties

# Data that exercises docxtpl's passes: escaping, line breaks and tabs become runs.
HOSTILE = "Sở LĐ-TB&XH <b>đậm</b> {{ 7 * 7 }}\ndòng 2\tcột 2"


def _docxtpl(template: bytes, context: dict[str, Any]) -> bytes:
    """What plain docxtpl renders and saves: the old path without the service around it."""
    document = DocxTemplate(io.BytesIO(template))
    document.render(context, autoescape=True)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _paragraphs(paragraphs: list[Paragraph]) -> list[Any]:
    return [
        (
            p.style.name if p.style is not None else None,
            p.alignment,
            p.text,
            [(r.text, r.bold, r.italic, r.underline, r.font.size) for r in p.runs],
        )
        for p in paragraphs
    ]


def _tables(tables: list[Table]) -> list[Any]:
    return [
        [[(cell.text, _paragraphs(cell.paragraphs)) for cell in row.cells] for row in table.rows]
        for table in tables
    ]


def _layout(data: bytes) -> dict[str, Any]:
    """Text and formatting as a reader sees them: paragraphs with style, alignment and runs;
    tables' cells; each section's headers and footers."""
    document = Document(io.BytesIO(data))
    sections = [
        _paragraphs(part.paragraphs)
        for section in document.sections
        for part in (section.header, section.first_page_header, section.footer)
    ]
    return {
        "body": _paragraphs(document.paragraphs),
        "tables": _tables(document.tables),
        "sections": sections,
    }


def _contexts(kind: str) -> list[dict[str, Any]]:
    sample = SAMPLE_CONTEXTS[kind]
    return [{**sample, "is_draft": True}, {**sample, "is_draft": False}]


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_renders_byte_identical_run_to_run(kind: str) -> None:
    template = committed_template(kind)
    assert _prepared(template) is not None  # the shipped templates take the fast path
    for context in _contexts(kind):
        forget_prepared()  # the first render prepares the template, the second reuses it
        first, second = render_docx(template, context), render_docx(template, context)
        assert hashlib.sha256(first).digest() == hashlib.sha256(second).digest()
        with zipfile.ZipFile(io.BytesIO(first)) as package:
            assert package.testzip() is None
            assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


@pytest.mark.parametrize("kind", list(KINDS))
def test_each_kind_matches_plain_docxtpl_in_text_and_formatting(kind: str) -> None:
    template = committed_template(kind)
    for context in _contexts(kind):
        fast = render_docx(template, context)
        assert _layout(fast) == _layout(_docxtpl(template, context))
        assert _layout(fast) == _layout(render_docx_whole(template, context))


@pytest.mark.parametrize("kind", list(KINDS))
def test_parts_without_template_code_keep_their_compressed_bytes(kind: str) -> None:
    template = committed_template(kind)
    rendered = {m.name: m for m in stored_members(render_docx(template, SAMPLE_CONTEXTS[kind]))}
    original = {m.name: m for m in stored_members(template)}
    assert rendered.keys() == original.keys()
    changed = {name for name, member in rendered.items() if member != original[name]}
    assert changed <= {"word/document.xml", "docProps/core.xml"}
    assert "word/document.xml" in changed


def test_properties_recompress_only_the_property_parts() -> None:
    properties = DocxProperties(
        title="Kế hoạch kiểm tra",
        subject="Phòng, chống mại dâm",
        creator="Sở Lao động - Thương binh và Xã hội",
        company="Sở Lao động - Thương binh và Xã hội",
        identifier="05/KH-SLĐTBXH",
        category="Kế hoạch",
        status="Đã ban hành",
        created=datetime(2023, 4, 5),
    )
    rendered = render_docx(committed_template("KH"), SAMPLE_CONTEXTS["KH"])
    filed = with_properties(rendered, properties)
    assert with_properties(rendered, properties) == filed
    before = {m.name: m for m in stored_members(rendered)}
    after = {m.name: m for m in stored_members(filed)}
    assert list(after) == list(before)
    changed = {name for name, member in after.items() if member != before[name]}
    assert changed == {"docProps/core.xml", "docProps/app.xml"}


def test_template_code_in_headers_and_footers_is_rendered_like_docxtpl() -> None:
    document = Document()
    document.add_paragraph("{{ title }}")
    section = document.sections[0]
    section.header.paragraphs[0].text = "Đầu trang {{ title }}"
    section.footer.paragraphs[0].text = "Chân trang {{ title|upper }}"
    out = io.BytesIO()
    document.save(out)
    template = out.getvalue()
    context = {"title": HOSTILE}
    fast = render_docx(template, context)
    assert _layout(fast) == _layout(_docxtpl(template, context))
    header = Document(io.BytesIO(fast)).sections[0].header.paragraphs[0].text
    assert header == "Đầu trang " + HOSTILE
    assert render_docx(template, context) == fast


def test_a_package_without_core_properties_renders_through_the_whole_path() -> None:
    document = Document()
    document.add_paragraph("{{ title }}")
    out = io.BytesIO()
    document.save(out)
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as source:
        stripped = io.BytesIO()
        with zipfile.ZipFile(stripped, "w", zipfile.ZIP_DEFLATED) as target:
            for info in source.infolist():
                if info.filename != "docProps/core.xml":
                    blob = source.read(info)
                    if info.filename == "_rels/.rels":
                        blob = re.sub(rb"<Relationship [^>]*docProps/core\.xml\"/>", b"", blob)
                    target.writestr(info, blob)
    template = stripped.getvalue()
    assert _prepared(template) is None
    rendered = render_docx(template, {"title": HOSTILE})
    assert Document(io.BytesIO(rendered)).paragraphs[0].text == HOSTILE
