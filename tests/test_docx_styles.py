"""The templates carry only the styles they use, and a clerk can still give a paragraph a
built-in style the trimming removed."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml.ns import qn
from lxml import etree

from service.documents.contract import PROVIDED, SAMPLE_CONTEXTS
from service.documents.render import check_template, render_docx
from workflows.docx_styles import trim_styles

TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
KINDS = ("KH", "QD", "TB", "BB", "BC")
STYLES = "word/styles.xml"
REFERENCES = (
    "pStyle",
    "rStyle",
    "tblStyle",
    "numStyleLink",
    "styleLink",
    "basedOn",
    "next",
    "link",
)
HOUSE_STYLES = {
    "VbBody",
    "VbHeading",
    "VbLegalBasis",
    "VbTitle",
    "VbAddressee",
    "VbRecipientsHeading",
    "VbRecipients",
    "VbSignature",
    "VbSignatureText",
}


def _template(kind: str) -> bytes:
    return (TEMPLATES / f"{kind}.docx").read_bytes()


def _parts(data: bytes) -> dict[str, etree._Element]:
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        return {
            name: etree.fromstring(package.read(name))
            for name in package.namelist()
            if name.endswith((".xml", ".rels"))
        }


def _referenced(root: etree._Element) -> set[str]:
    return {e.get(qn("w:val")) for e in root.iter(*(qn(f"w:{r}") for r in REFERENCES))}


def _defined(styles: etree._Element) -> dict[str, etree._Element]:
    return {s.get(qn("w:styleId")): s for s in styles.iter(qn("w:style"))}


@pytest.mark.parametrize("kind", KINDS)
def test_every_shipped_template_is_trimmed(kind: str) -> None:
    data = _template(kind)
    assert trim_styles(data) == data
    assert len(_defined(_parts(data)[STYLES])) < 30


@pytest.mark.parametrize("kind", KINDS)
def test_a_trimmed_template_defines_every_style_its_parts_reference(kind: str) -> None:
    parts = _parts(_template(kind))
    styles = parts[STYLES]
    defined = _defined(styles)
    used = set().union(*(_referenced(root) for root in parts.values()))
    assert used <= set(defined)
    assert {"VbBody", "Header", "ListBullet"} <= used
    assert set(defined) >= HOUSE_STYLES  # kept for the clerk even where this kind uses none
    defaults = {s.get(qn("w:type")) for s in defined.values() if s.get(qn("w:default")) == "1"}
    assert defaults == {"paragraph", "character", "table", "numbering"}
    assert styles.find(qn("w:docDefaults")) is not None
    assert styles.find(qn("w:latentStyles")) is not None
    assert not any("stylesWithEffects" in etree.tostring(root).decode() for root in parts.values())


def test_trimming_keeps_what_is_used_and_what_it_depends_on() -> None:
    """On python-docx's default document, the one the templates began as."""
    document = Document()
    document.add_paragraph("Mục đích ", style="Heading 1").add_run("rõ", style="Strong")
    document.add_table(rows=1, cols=1).style = "Table Grid"
    out = io.BytesIO()
    document.save(out)
    assert "word/stylesWithEffects.xml" in zipfile.ZipFile(out).namelist()

    trimmed = trim_styles(out.getvalue())

    parts = _parts(trimmed)
    assert "word/stylesWithEffects.xml" not in parts
    assert not any("stylesWithEffects" in etree.tostring(root).decode() for root in parts.values())
    kept = set(_defined(parts[STYLES]))
    assert {"Heading1", "Heading1Char", "Normal", "Strong", "TableGrid"} <= kept
    assert {"Title", "Heading2", "Quote", "LightShading"}.isdisjoint(kept)
    reread = Document(io.BytesIO(trimmed))
    assert [(p.text, p.style and p.style.name) for p in reread.paragraphs] == [
        ("Mục đích rõ", "Heading 1")
    ]
    assert reread.paragraphs[0].runs[1].style.name == "Strong"
    assert trim_styles(trimmed) == trimmed


@pytest.mark.parametrize("style", ["Heading 2", "Title"])
def test_a_clerk_can_apply_a_built_in_style_the_trimming_removed(style: str) -> None:
    """As python-docx does it: the style is added to the template, then applied."""
    document = Document(io.BytesIO(_template("KH")))
    assert style not in {s.name for s in document.styles}
    document.styles.add_style(style, WD_STYLE_TYPE.PARAGRAPH, builtin=True)
    document.add_paragraph("Ghi chú của văn thư", style=style)
    out = io.BytesIO()
    document.save(out)
    edited = out.getvalue()

    check_template(edited, PROVIDED["KH"], SAMPLE_CONTEXTS["KH"])
    rendered = Document(io.BytesIO(render_docx(edited, SAMPLE_CONTEXTS["KH"])))
    last = rendered.paragraphs[-1]
    assert (last.text, last.style and last.style.name) == ("Ghi chú của văn thư", style)
