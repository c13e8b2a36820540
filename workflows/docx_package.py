"""What an uploaded DOCX package may hold, decided before any of it is rendered or converted.

A template is rendered by every draft and converted by LibreOffice, which follows whatever the
package links to: remote or local images, attached templates, OLE objects, frames, INCLUDE
fields. Such parts are refused here, and so is a package too big, too fragmented or too
compressed to be opened safely; the reading itself is bounded, whatever the ZIP claims.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from xml.etree import ElementTree

MAX_PARTS = 500
MAX_PART_BYTES = 10 * 1024 * 1024
MAX_PACKAGE_BYTES = 50 * 1024 * 1024
# Text compresses up to about 30:1 in the shipped templates; far more is a bomb.
MAX_RATIO = 100
RATIO_FLOOR_BYTES = 1024 * 1024

_MB = 1024 * 1024
_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PACKAGE_RELS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"
# External relationships of this type are never fetched: a hyperlink only becomes a link.
_HYPERLINK = f"{_R}/hyperlink"
_LINK_ELEMENTS = frozenset({"hyperlink", "hlinkClick", "hlinkHover", "hlinkMouseOver"})
# Relationship types that load or run something besides the document's own text and images.
_REFUSED_TYPES = frozenset(
    {
        "oleObject",
        "package",
        "control",
        "activeXControlBinary",
        "aFChunk",
        "attachedTemplate",
        "frame",
        "subDocument",
        "vbaProject",
        "wordVbaData",
        "externalLink",
        "externalLinkPath",
    }
)
_REFUSED_FOLDERS = ("word/embeddings/", "word/activeX/")
# Field codes that pull a file or URL into the document when it is opened.
_LOADING_FIELDS = re.compile(
    r"\b(INCLUDEPICTURE|INCLUDETEXT|INCLUDE|LINK|DDEAUTO|DDE|IMPORT)\b", re.IGNORECASE
)
_URL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:|\\\\)", re.IGNORECASE)

EMBEDDED = (
    "Thành phần {part} nhúng nội dung không được phép ({what}): mẫu không được chứa đối tượng "
    "OLE, ActiveX, macro, khung, mẫu đính kèm hay văn bản ghép"
)
EXTERNAL = (
    "Thành phần {part} liên kết ra ngoài tới {target}: mẫu không được chứa ảnh, tệp hay mẫu "
    "liên kết; hãy chèn trực tiếp vào văn bản"
)
LINKED_IMAGE = "Thành phần {part} có ảnh liên kết (r:link) thay vì ảnh chèn vào văn bản"
LOADING_FIELD = "Thành phần {part} có trường {field} nạp nội dung từ bên ngoài"
DOCTYPE = "Thành phần {part} khai báo DOCTYPE hoặc ENTITY, không được phép"
TOO_MANY_PARTS = "Tệp DOCX có {count} thành phần, vượt giới hạn {limit}"
PART_TOO_BIG = "Thành phần {part} lớn hơn {limit} MB khi giải nén"
PACKAGE_TOO_BIG = "Tệp DOCX lớn hơn {limit} MB khi giải nén"
BOMB = "Thành phần {part} nén bất thường (tỉ lệ {ratio}:1): tệp có thể là bom nén"


class PackageRefused(ValueError):
    """The package holds something a template must not; the message names the part."""


def check_package(data: bytes) -> None:
    """Refuse a package that is unsafe to open or links outside itself; bytes that are not a
    ZIP at all are left to the DOCX reader, which names them as not a DOCX file."""
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        return
    with package:
        parts = dict(_read_all(package))
    relationships = {name: _relationships(name, blob) for name, blob in parts.items()}
    for name, blob in parts.items():
        if name.startswith(_REFUSED_FOLDERS) or name.endswith("vbaProject.bin"):
            raise PackageRefused(EMBEDDED.format(part=name, what=name.rsplit("/", 1)[-1]))
        if name.endswith(".xml") and not name.endswith(".rels"):
            _check_xml(name, blob, relationships.get(_rels_name(name), {}))


def _read_all(package: zipfile.ZipFile) -> Iterator[tuple[str, bytes]]:
    """Every member, read no further than the limits allow (declared sizes may lie)."""
    members = package.infolist()
    if len(members) > MAX_PARTS:
        raise PackageRefused(TOO_MANY_PARTS.format(count=len(members), limit=MAX_PARTS))
    total = 0
    for member in members:
        if member.is_dir():
            continue
        name = member.filename
        if member.file_size > MAX_PART_BYTES:
            raise PackageRefused(PART_TOO_BIG.format(part=name, limit=MAX_PART_BYTES // _MB))
        if member.file_size > RATIO_FLOOR_BYTES:
            ratio = member.file_size // max(1, member.compress_size)
            if ratio > MAX_RATIO:
                raise PackageRefused(BOMB.format(part=name, ratio=ratio))
        try:
            with package.open(member) as stream:
                blob = stream.read(MAX_PART_BYTES + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, EOFError):
            return  # a broken member: the DOCX reader refuses the file as a whole
        if len(blob) > MAX_PART_BYTES:
            raise PackageRefused(PART_TOO_BIG.format(part=name, limit=MAX_PART_BYTES // _MB))
        total += len(blob)
        if total > MAX_PACKAGE_BYTES:
            raise PackageRefused(PACKAGE_TOO_BIG.format(limit=MAX_PACKAGE_BYTES // _MB))
        yield name, blob


def _rels_name(part: str) -> str:
    folder, _, file = part.rpartition("/")
    return f"{folder}/_rels/{file}.rels" if folder else f"_rels/{file}.rels"


def _relationships(name: str, blob: bytes) -> dict[str, bool]:
    """For a .rels part: each relationship id and whether it points outside the package;
    an external or refused relationship (other than a hyperlink) is refused here."""
    if not name.endswith(".rels"):
        return {}
    external: dict[str, bool] = {}
    for element in _elements(name, blob):
        if element.tag != _PACKAGE_RELS:
            continue
        kind = element.get("Type", "")
        target = element.get("Target", "")
        is_external = element.get("TargetMode", "") == "External"
        if kind.rsplit("/", 1)[-1] in _REFUSED_TYPES:
            raise PackageRefused(EMBEDDED.format(part=name, what=kind.rsplit("/", 1)[-1]))
        if is_external and kind != _HYPERLINK:
            raise PackageRefused(EXTERNAL.format(part=name, target=target[:200]))
        external[element.get("Id", "")] = is_external
    return external


def _check_xml(name: str, blob: bytes, external: dict[str, bool]) -> None:
    """No linked images, no references to external targets outside hyperlinks, no loading
    fields, no URLs in VML sources."""
    instructions: list[str] = []
    for element in _elements(name, blob):
        local = element.tag.rsplit("}", 1)[-1]
        for attribute, value in element.attrib.items():
            namespace, _, attr = attribute[1:].rpartition("}")
            if namespace == _R and attr == "link":
                raise PackageRefused(LINKED_IMAGE.format(part=name))
            if namespace == _R and external.get(value) and local not in _LINK_ELEMENTS:
                raise PackageRefused(EXTERNAL.format(part=name, target=value))
            if attr in ("src", "href") and _URL.match(value):
                raise PackageRefused(EXTERNAL.format(part=name, target=value[:200]))
            if attr == "instr":
                instructions.append(value)
        if local == "instrText" and element.text:
            instructions.append(element.text)
    field = _LOADING_FIELDS.search("".join(instructions))
    if field:
        raise PackageRefused(LOADING_FIELD.format(part=name, field=field.group(1).upper()))


def _elements(name: str, blob: bytes) -> Iterator[ElementTree.Element]:
    """The part's elements, streamed and released as they are read."""
    if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
        raise PackageRefused(DOCTYPE.format(part=name))
    try:
        for _, element in ElementTree.iterparse(io.BytesIO(blob), events=("end",)):
            yield element
            element.clear()
    except ElementTree.ParseError:
        return  # malformed XML: the DOCX reader refuses it with its own message


# Writing a package whose untouched members keep their compressed bytes: zipfile can only
# recompress what it writes, so the headers are written here (no ZIP64: a DOCX within the limits
# above never needs it). Every member gets the same time stamp and attributes as
# `docx_properties.write_package` gives, so the same members give the same bytes.
_LOCAL = struct.Struct("<4s2B4HL2L2H")  # zipfile's structFileHeader
_CENTRAL = struct.Struct("<4s4B4HL2L5H2L")  # zipfile's structCentralDir
_END = struct.Struct("<4s4H2LH")  # zipfile's structEndArchive
_DOS_DATE = (1 << 5) | 1  # 1980-01-01, as `docx_properties.ZIP_DATE_TIME`
_UTF8_NAME = 0x800
_ZIP32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Member:
    """One ZIP member as stored: its name, compression method, CRC-32, sizes and the data as
    compressed, ready to be written again without decompressing it."""

    name: str
    method: int
    crc: int
    size: int
    data: bytes


def stored_members(data: bytes) -> list[Member]:
    """The package's members in order, each with its compressed bytes as they are; a member
    compressed otherwise than by deflate is deflated afresh (Word reads only these two). The
    members are read whole once, so a corrupt one fails here (`zipfile.BadZipFile`)."""
    members: list[Member] = []
    with zipfile.ZipFile(io.BytesIO(data)) as package:
        if package.testzip() is not None:
            raise zipfile.BadZipFile("a member's CRC-32 does not match")
        for info in package.infolist():
            if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
                members.append(deflated(info.filename, package.read(info)))
                continue
            header = _LOCAL.unpack_from(data, info.header_offset)
            start = info.header_offset + _LOCAL.size + header[10] + header[11]
            raw = data[start : start + info.compress_size]
            members.append(Member(info.filename, info.compress_type, info.CRC, info.file_size, raw))
    return members


def inflated(member: Member) -> bytes:
    """The member's content, decompressed: for the few parts a writer reads before it edits."""
    return (
        zlib.decompress(member.data, -15) if member.method == zipfile.ZIP_DEFLATED else member.data
    )


def deflated(name: str, blob: bytes) -> Member:
    """`blob` as a deflated member, compressed once, as zipfile compresses by default."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    data = compressor.compress(blob) + compressor.flush()
    return Member(name, zipfile.ZIP_DEFLATED, zlib.crc32(blob), len(blob), data)


def write_members(members: Iterable[Member]) -> bytes:
    """A ZIP of `members` in the order given, their data copied as it is compressed."""
    out = bytearray()
    directory = bytearray()
    count = 0
    for member in members:
        name = member.name.encode("utf-8")
        flags = 0 if member.name.isascii() else _UTF8_NAME
        version = 20 if member.method == zipfile.ZIP_DEFLATED else 10
        fields = (member.method, 0, _DOS_DATE, member.crc, len(member.data), member.size)
        offset = len(out)
        out += _LOCAL.pack(b"PK\003\004", version, 0, flags, *fields, len(name), 0)
        out += name
        out += member.data
        directory += _CENTRAL.pack(
            b"PK\001\002", 20, 3, version, 0, flags, *fields, len(name), 0, 0, 0, 0,
            0o644 << 16, offset,
        )  # fmt: skip
        directory += name
        count += 1
    if len(out) + len(directory) > _ZIP32 or count > 0xFFFF:
        raise ValueError("the package is too large for a DOCX")
    end = _END.pack(b"PK\005\006", 0, 0, count, count, len(directory), len(out), 0)
    return bytes(out + directory + end)
