"""Demo images for visible signatures: a blue handwritten-looking signature and a red round seal.

Stand-ins for the scanned signature and the agency seal; real ones are configured PNGs.
"""

from __future__ import annotations

import io
import math
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONTS = Path("/usr/share/fonts/truetype/liberation2")
"""Liberation 2 covers Vietnamese fully (Liberation 1.07 lacks ầ, ị, ở)."""

SEAL_MM = 36.0
"""True diameter of the agency seal."""

SIGNATURE_ASPECT = 2.5
"""Width / height of `signature_image`."""

_BLUE = (22, 48, 160, 255)
_RED = (205, 25, 30, 255)
_SEAL_PX = 720


def font_path(style: str = "Regular", family: str = "Serif") -> Path:
    return FONTS / f"Liberation{family}-{style}.ttf"


def _png(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(508, 508))
    return buffer.getvalue()


def signature_image(name: str) -> bytes:
    """A slanted italic rendering of the given name with a flourish, blue on transparent."""
    words = unicodedata.normalize("NFC", " ".join(name.split())).split(" ")
    text = words[-1] if words else "?"
    initials = "".join(word[0] for word in words[:-1])
    height = 300
    width = int(height * SIGNATURE_ASPECT)
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    label = f"{initials}. {text}" if initials else text
    size = 150
    font = ImageFont.truetype(str(font_path("BoldItalic")), size)
    while font.getlength(label) > width * 0.72 and size > 40:
        size -= 6
        font = ImageFont.truetype(str(font_path("BoldItalic")), size)
    text_width = font.getlength(label)
    x0 = (width - text_width) / 2
    draw.text((x0, height * 0.6), label, font=font, fill=_BLUE, anchor="ls")
    # a flourish under the name: one sine swash, thick in the middle
    points = [
        (x0 - 30 + t * (text_width + 80), height * 0.74 + 22 * math.sin(t * math.pi * 2.2))
        for t in (i / 60 for i in range(61))
    ]
    draw.line(points, fill=_BLUE, width=7, joint="curve")
    # slant everything a little further for a handwritten look
    sheared = canvas.transform(
        canvas.size,
        Image.Transform.AFFINE,
        (1, 0.25, -height * 0.12, 0, 1, 0),
        Image.Resampling.BICUBIC,
    )
    return _png(_fit_aspect(sheared.crop(sheared.getbbox()), SIGNATURE_ASPECT))


def _fit_aspect(image: Image.Image, aspect: float) -> Image.Image:
    """Pad a cropped image to `aspect` (centred), so placing it never distorts it."""
    width = max(image.width, round(image.height * aspect))
    height = max(image.height, round(width / aspect))
    canvas = Image.new("RGBA", (width, height), (0, 0, 0, 0))
    canvas.alpha_composite(image, ((width - image.width) // 2, (height - image.height) // 2))
    return canvas


def _arc_text(
    canvas: Image.Image,
    text: str,
    font: ImageFont.FreeTypeFont,
    radius: float,
    *,
    bottom: bool,
) -> None:
    """Write `text` along a circle centred in `canvas`: over the top (reading clockwise)
    or under the bottom (reading counter-clockwise, upright)."""
    centre = canvas.width / 2
    direction = 1 if bottom else -1
    angle = direction * font.getlength(text) / radius / 2
    ascent, descent = font.getmetrics()
    for char in text:
        half = font.getlength(char) / 2 / radius
        mid = angle - direction * half
        angle -= direction * 2 * half
        if not char.strip():
            continue
        glyph = Image.new("RGBA", (int(2 * half * radius) + 8, ascent + descent + 8), (0, 0, 0, 0))
        ImageDraw.Draw(glyph).text((4, 4), char, font=font, fill=_RED)
        rotated = glyph.rotate(-math.degrees(mid), resample=Image.Resampling.BICUBIC, expand=True)
        x = centre - direction * radius * math.sin(mid)
        y = centre + direction * radius * math.cos(mid)
        canvas.alpha_composite(rotated, (int(x - rotated.width / 2), int(y - rotated.height / 2)))


def _star(draw: ImageDraw.ImageDraw, centre: float, radius: float) -> None:
    points = []
    for i in range(10):
        r = radius if i % 2 == 0 else radius * 0.382
        a = math.pi / 2 + i * math.pi / 5
        points.append((centre + r * math.cos(a), centre - r * math.sin(a)))
    draw.polygon(points, fill=_RED)


def _fitting_font(text: str, radius: float, max_angle: float, size: int) -> ImageFont.FreeTypeFont:
    font = ImageFont.truetype(str(font_path("Bold", "Sans")), size)
    while font.getlength(text) / radius > max_angle and size > 12:
        size -= 2
        font = ImageFont.truetype(str(font_path("Bold", "Sans")), size)
    return font


def seal_image(agency: str, place: str = "") -> bytes:
    """A red round seal, transparent: agency name around the rim, the place under it, a star.

    Drawn at 720 px for a 36 mm diameter (508 dpi); place it at `SEAL_MM`."""
    size = _SEAL_PX
    centre = size / 2
    canvas = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(canvas)
    outer = size / 2 - 6
    draw.ellipse(
        (centre - outer, centre - outer, centre + outer, centre + outer), outline=_RED, width=14
    )
    inner = outer * 0.66
    draw.ellipse(
        (centre - inner, centre - inner, centre + inner, centre + inner), outline=_RED, width=6
    )
    text_radius = (outer + inner) / 2
    name = unicodedata.normalize("NFC", " ".join(agency.split())).upper()
    lower = unicodedata.normalize("NFC", " ".join(place.split())).upper()
    top_angle = math.radians(250 if lower else 320)
    font = _fitting_font(name, text_radius, top_angle, 58)
    _arc_text(canvas, name, font, text_radius - font.size * 0.1, bottom=False)
    if lower:
        small = _fitting_font(lower, text_radius, math.radians(90), int(font.size))
        _arc_text(canvas, lower, small, text_radius + small.size * 0.05, bottom=True)
    _star(draw, centre, inner * 0.62)
    return _png(canvas)
