"""DOCX packages that point outside themselves, as a hostile template would (issue 12 item 4)."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn


def png(width: int = 64, height: int = 64) -> bytes:
    """A solid red PNG, made by hand so the tests need no image library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    rows = b"".join(b"\x00" + b"\xff\x00\x00" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def linked_image_docx(*urls: str, text: str = "Kế hoạch kiểm tra") -> bytes:
    """A DOCX whose pictures are not embedded but linked (`r:link`) to each of `urls`."""
    document = Document()
    document.add_paragraph(text)
    for url in urls:
        document.add_picture(io.BytesIO(png()))
        blip = document.element.body.findall(".//" + qn("a:blip"))[-1]
        embedded = blip.get(qn("r:embed"))
        del blip.attrib[qn("r:embed")]
        document.part.drop_rel(embedded)
        blip.set(qn("r:link"), document.part.relate_to(url, RT.IMAGE, is_external=True))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def with_part(docx: bytes, name: str, content: bytes) -> bytes:
    """`docx` with one more member (or a member replaced), compressed."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(docx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for member in source.infolist():
            if member.filename != name:
                target.writestr(member, source.read(member.filename))
        target.writestr(name, content)
    return out.getvalue()
