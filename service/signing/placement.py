"""Where the visible signatures go: between the authority line and the signer's printed name.

Nghị định 30/2020: the signature sits between the position line and the name; the seal covers
about the left third of the signature.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont
from pypdf import PdfReader

from service.signing.appearance import FONTS, SEAL_MM, SIGNATURE_ASPECT

MM = 72 / 25.4
_MAX_SIGNATURE_HEIGHT = 22 * MM
STAMP_TEXT_BAND = 20.0
"""Height (pt) under a stamp's image for two lines of stamp text."""


@dataclass(frozen=True)
class Box:
    """A rectangle on a page (0-based), in PDF points, y upwards; x1 < x2, y1 < y2."""

    page: int
    x1: float
    y1: float
    x2: float
    y2: float

    @property
    def width(self) -> float:
        return self.x2 - self.x1

    @property
    def height(self) -> float:
        return self.y2 - self.y1


@dataclass(frozen=True)
class _Line:
    text: str
    x1: float
    x2: float
    baseline: float
    size: float


def _normal(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@cache
def _font(base_font: str) -> ImageFont.FreeTypeFont:
    """The Liberation font LibreOffice used, to measure text widths (1 unit = 1/10 pt)."""
    name = base_font.split("+")[-1].lstrip("/")
    path = FONTS / f"{name}.ttf"
    if "-" not in name:
        path = FONTS / f"{name}-Regular.ttf"
    if not path.is_file():
        path = FONTS / "LiberationSerif-Regular.ttf"
    return ImageFont.truetype(str(Path(path)), 100)


def _lines(reader: PdfReader, page_no: int) -> list[_Line]:
    lines: list[_Line] = []

    def visit(text: str, cm: list[float], tm: list[float], font: object, size: float) -> None:
        if not text.strip():
            return
        x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
        y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
        scale = abs(tm[3] * cm[3]) or 1.0
        points = size * scale
        base = str(font.get("/BaseFont", "")) if isinstance(font, dict) else ""
        width = _font(base).getlength(text.strip()) * points / 100
        lead = _font(base).getlength(text[: len(text) - len(text.lstrip())]) * points / 100
        lines.append(_Line(_normal(text), x + lead, x + lead + width, y, points))

    reader.pages[page_no].extract_text(visitor_text=visit)
    return lines


def _overlap(a: _Line, b: _Line) -> bool:
    return a.x1 < b.x2 and b.x1 < a.x2


def find_block(pdf: bytes, name: str, above: str) -> Box | None:
    """The space between `above` (authority/position line) and the printed `name` below it,
    centred on the name, on the last page that has such a pair; None when there is none."""
    reader = PdfReader(io.BytesIO(pdf), strict=False)
    wanted, authority = _normal(name), _normal(above)
    for page_no in reversed(range(len(reader.pages))):
        lines = _lines(reader, page_no)
        for line in lines:
            if line.text != wanted:
                continue
            heads = [
                other
                for other in lines
                if other.text.startswith(authority)
                and other.baseline > line.baseline
                and _overlap(other, line)
            ]
            if not heads:
                continue
            head = min(heads, key=lambda other: other.baseline)
            between = [
                other
                for other in lines
                if line.baseline < other.baseline <= head.baseline and _overlap(other, line)
            ]
            lowest = min(between, key=lambda other: other.baseline)
            centre = (line.x1 + line.x2) / 2
            half = max(line.x2 - line.x1, head.x2 - head.x1) / 2
            return Box(
                page_no,
                centre - half,
                line.baseline + 0.8 * line.size,
                centre + half,
                lowest.baseline - 0.3 * lowest.size,
            )
    return None


def signature_box(block: Box) -> Box:
    """The signer's image: centred in the block, as large as fits (at most 22 mm high)."""
    height = min(block.height * 0.92, _MAX_SIGNATURE_HEIGHT, block.width / SIGNATURE_ASPECT)
    width = height * SIGNATURE_ASPECT
    cx, cy = (block.x1 + block.x2) / 2, (block.y1 + block.y2) / 2
    return Box(block.page, cx - width / 2, cy - height / 2, cx + width / 2, cy + height / 2)


def seal_box(signer_box: Box) -> Box:
    """The seal at true size (36 mm), its right edge over the left third of the signature,
    with the band for the agency name and signing time under it."""
    diameter = SEAL_MM * MM
    right = signer_box.x1 + signer_box.width / 3
    # The band ends level with the foot of the signer's image, above the printed name, so the
    # agency's name and time stay legible; the seal reaches up over the position line, as the
    # seal does on paper.
    bottom = signer_box.y1
    return Box(
        signer_box.page, right - diameter, bottom, right, bottom + STAMP_TEXT_BAND + diameter
    )
