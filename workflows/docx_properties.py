"""A rendered DOCX's document properties: what Word's File > Info, a records system and the PDF
converted from it (LibreOffice copies them into the PDF's Info and XMP) say the file is.

Templates are authored in Word, so their `docProps` name Word as the application and carry an
empty title and author; the render pipeline replaces both parts with the document's own data.
The same input gives the same bytes, so a document's SHA-256 stays the checksum of its content.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from xml.etree import ElementTree
from xml.sax.saxutils import escape, quoteattr

from workflows.docx_package import deflated, inflated, stored_members, write_members
from workflows.text import clean_text

APPLICATION = "Vanthu"
# 1980-01-01, the earliest date a ZIP entry can carry: every entry has it, whatever the clock.
ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)

_CORE_TYPE = "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
_APP_TYPE = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties"
)
_CORE_CONTENT = "application/vnd.openxmlformats-package.core-properties+xml"
_APP_CONTENT = "application/vnd.openxmlformats-officedocument.extended-properties+xml"
_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
_OVERRIDE = "{http://schemas.openxmlformats.org/package/2006/content-types}Override"
_PACKAGE_RELS = "_rels/.rels"
_CONTENT_TYPES = "[Content_Types].xml"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


@dataclass(frozen=True)
class DocxProperties:
    """What the document is, as its issuer files it."""

    title: str  # "Kế hoạch kiểm tra công tác phòng, chống mại dâm năm 2023"
    subject: str  # the programme the document belongs to
    creator: str  # the issuing body (the inspection team, for what it issues in its own name)
    company: str  # the agency: the issuer, or the one the team belongs to
    # Number and code, "05/KH-SLĐTBXH" (the code alone for a draft): the identifier and the
    # keywords, which LibreOffice splits at spaces and commas on their way into the PDF.
    identifier: str
    category: str  # the document type: "Kế hoạch"
    status: str  # "Dự thảo" or "Đã ban hành"
    created: datetime  # the issue date (or, for a draft, when it was drafted), UTC
    language: str = "vi-VN"


def with_properties(docx: bytes, properties: DocxProperties) -> bytes:
    """`docx` with its core (`docProps/core.xml`) and extended (`docProps/app.xml`) properties
    replaced by `properties`; parts missing from the package are added and registered. Only
    the parts written here are compressed again: every other member keeps its bytes."""
    members = {member.name: member for member in stored_members(docx)}
    read = {
        name: inflated(members[name]) for name in (_PACKAGE_RELS, _CONTENT_TYPES) if name in members
    }
    parts = dict(read)
    core = _part_of(parts, _CORE_TYPE, "docProps/core.xml", _CORE_CONTENT)
    app = _part_of(parts, _APP_TYPE, "docProps/app.xml", _APP_CONTENT)
    parts[core] = _core_xml(properties).encode("utf-8")
    parts[app] = _app_xml(properties).encode("utf-8")
    for name, blob in parts.items():  # in place, or appended as the members they add
        if read.get(name) != blob:
            members[name] = deflated(name, blob)
    return write_members(members.values())


def write_package(members: Iterable[tuple[str, bytes]]) -> bytes:
    """A ZIP of `members` in the order given, each with the same time stamp and attributes:
    byte for byte the same for the same content."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for name, blob in members:
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = 0o644 << 16
            target.writestr(info, blob)
    return out.getvalue()


def _part_of(parts: dict[str, bytes], relationship: str, default: str, content_type: str) -> str:
    """The package part the root relationship of `relationship` type points to; `default`,
    registered in the package's relationships and content types, when there is none."""
    rels = parts.get(_PACKAGE_RELS, b"")
    for element in _elements(rels):
        if element.tag == _RELS and element.get("Type") == relationship:
            return element.get("Target", default).lstrip("/")
    rel_id = "rIdVanthu" + default.rsplit("/", 1)[-1].split(".")[0]  # rIdVanthucore, …app
    entry = f"<Relationship Id={quoteattr(rel_id)} Type={quoteattr(relationship)} "
    entry += f"Target={quoteattr(default)}/>"
    parts[_PACKAGE_RELS] = _append(rels, "Relationships", entry)
    types = parts.get(_CONTENT_TYPES, b"")
    if not any(e.get("PartName") == f"/{default}" for e in _elements(types) if e.tag == _OVERRIDE):
        entry = f"<Override PartName={quoteattr('/' + default)} "
        entry += f"ContentType={quoteattr(content_type)}/>"
        parts[_CONTENT_TYPES] = _append(types, "Types", entry)
    return default


def _elements(blob: bytes) -> list[ElementTree.Element]:
    if not blob:
        return []
    try:
        return list(ElementTree.fromstring(blob).iter())
    except ElementTree.ParseError:
        return []  # a broken part: the DOCX reader names the file as broken


def _append(blob: bytes, root: str, entry: str) -> bytes:
    """`entry` added as the last child of the part's root element `root`."""
    text = blob.decode("utf-8")
    closing = text.rfind(f"</{root}>")
    if closing < 0:  # no such part yet, or one with an empty root
        raise ValueError(f"the DOCX package has no {root} part to register its properties in")
    return (text[:closing] + entry + text[closing:]).encode("utf-8")


def _text(value: str) -> str:
    return escape(clean_text(value))


def _core_xml(p: DocxProperties) -> str:
    moment = p.created.replace(microsecond=0, tzinfo=None).isoformat() + "Z"
    stamp = f'xsi:type="dcterms:W3CDTF">{moment}'
    return (
        _XML_DECLARATION
        + '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{_text(p.title)}</dc:title>"
        f"<dc:subject>{_text(p.subject)}</dc:subject>"
        f"<dc:creator>{_text(p.creator)}</dc:creator>"
        f"<cp:keywords>{_text(p.identifier)}</cp:keywords>"
        f"<cp:lastModifiedBy>{_text(p.creator)}</cp:lastModifiedBy>"
        "<cp:revision>1</cp:revision>"
        f"<dc:identifier>{_text(p.identifier)}</dc:identifier>"
        f"<cp:category>{_text(p.category)}</cp:category>"
        f"<dc:language>{_text(p.language)}</dc:language>"
        f"<cp:contentStatus>{_text(p.status)}</cp:contentStatus>"
        f"<dcterms:created {stamp}</dcterms:created>"
        f"<dcterms:modified {stamp}</dcterms:modified>"
        "</cp:coreProperties>"
    )


def _app_xml(p: DocxProperties) -> str:
    return (
        _XML_DECLARATION
        + '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        'extended-properties" xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/'
        'docPropsVTypes">'
        f"<Application>{APPLICATION}</Application>"
        "<DocSecurity>0</DocSecurity>"
        "<ScaleCrop>false</ScaleCrop>"
        f"<Company>{_text(p.company)}</Company>"
        "<LinksUpToDate>false</LinksUpToDate>"
        "<SharedDoc>false</SharedDoc>"
        "<HyperlinksChanged>false</HyperlinksChanged>"
        "</Properties>"
    )
