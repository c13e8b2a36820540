"""PAdES signing: create every signature field first, then sign them one by one, incrementally."""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives import serialization
from PIL import Image
from pkcs11 import PKCS11Error
from pyhanko.pdf_utils import generic, layout
from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
from pyhanko.pdf_utils.images import PdfImage
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.pdf_utils.writer import BasePdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko.sign.general import SigningError as PyHankoSigningError
from pyhanko.sign.signers.pdf_signer import PdfSigningSession
from pyhanko.sign.timestamps import (
    DummyTimeStamper,
    HTTPTimeStamper,
    TimeStamper,
    TimestampRequestError,
)
from pyhanko.stamp import BaseStampStyle, StaticStampStyle, TextStampStyle
from pyhanko_certvalidator import ValidationContext
from pyhanko_certvalidator.registry import SimpleCertificateStore

from service.signing import SigningError
from service.signing.appearance import font_path
from service.signing.pki import DemoPki
from service.signing.placement import STAMP_TEXT_BAND, Box
from service.signing.validation import signature_level

STAMP_FONT_SIZE = 7
"""Stamp text size; it must match the glyph accumulator's, or multi-line text drifts."""


@dataclass(frozen=True)
class FieldSpec:
    """An empty signature field to create: its name and where its appearance goes (None: an
    invisible signature, for a block not found on the page)."""

    name: str
    box: Box | None


@dataclass(frozen=True)
class Signed:
    """The signed PDF and the PAdES level it actually reached: "B-B", "B-T" or "B-LT"."""

    pdf: bytes
    level: str


def prepare(pdf: bytes, fields_to_add: Sequence[FieldSpec]) -> bytes:
    """Add every empty signature field in one incremental update, so that later signatures only
    fill fields in and never invalidate earlier ones. The input stays a byte-identical prefix."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    for spec in fields_to_add:
        box = spec.box
        fields.append_signature_field(
            writer,
            fields.SigFieldSpec(
                sig_field_name=spec.name,
                on_page=box.page if box else 0,
                box=(round(box.x1), round(box.y1), round(box.x2), round(box.y2)) if box else None,
            ),
        )
    # SignaturesExist | AppendOnly now, as signing would set it: then a signer's revision only
    # fills its field in (a diff against this revision shows nothing else)
    form = writer.root["/AcroForm"]
    form[generic.pdf_name("/SigFlags")] = generic.NumberObject(3)
    writer.update_container(form)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


class _ThousandUnitGlyphs(GlyphAccumulator):
    """pyHanko writes a font's glyph widths in its own units (2048 per em for Liberation) where
    PDF expects 1000 per em, which spreads the glyphs of a stamp apart; measure in 1000ths."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._scale = 1000 / self.units_per_em
        self.hb_font.scale = (1000, 1000)
        self.units_per_em = 1000

    def _get_cid_and_width(self, glyph_id: int) -> tuple[int, int]:
        # the parent caches in self._glyphs, which also feeds the /W array: cache scaled widths
        if glyph_id in self._glyphs:
            return self._glyphs[glyph_id]
        cid, width = super()._get_cid_and_width(glyph_id)
        self._glyphs[glyph_id] = scaled = (cid, round(width * self._scale))
        return scaled


@dataclass(frozen=True)
class _StampFont(GlyphAccumulatorFactory):
    def create_font_engine(
        self, writer: BasePdfFileWriter, obj_stream: object = None
    ) -> GlyphAccumulator:
        if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
            obj_stream = writer.prepare_object_stream()
        return _ThousandUnitGlyphs(
            writer=writer,
            font_handle=open(self.font_file, "rb"),  # pyHanko reads the font lazily
            font_size=self.font_size,
            obj_stream=obj_stream,
        )


def _style(image: bytes, stamp_text: str, signing_time: datetime) -> BaseStampStyle:
    background = PdfImage(Image.open(io.BytesIO(image)))
    fill = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MID,
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )
    if not stamp_text.strip():
        return StaticStampStyle(background=background, border_width=0, background_layout=fill)
    above_text = layout.SimpleBoxLayoutRule(
        x_align=layout.AxisAlignment.ALIGN_MID,
        y_align=layout.AxisAlignment.ALIGN_MAX,
        margins=layout.Margins(bottom=round(STAMP_TEXT_BAND)),
        inner_content_scaling=layout.InnerScaling.STRETCH_TO_FIT,
    )
    font = _StampFont(str(font_path("Regular")), font_size=STAMP_FONT_SIZE)
    return TextStampStyle(
        stamp_text=stamp_text,
        # pyHanko renders %(ts)s with strftime, which has no "+07:00" form in Python 3.11
        timestamp_format="%Y-%m-%dT%H:%M:%S" + signing_time.isoformat()[-6:],
        text_box_style=TextBoxStyle(
            font=font, font_size=STAMP_FONT_SIZE, text_color=(0.1, 0.1, 0.1)
        ),
        inner_content_layout=layout.SimpleBoxLayoutRule(
            x_align=layout.AxisAlignment.ALIGN_MID,
            y_align=layout.AxisAlignment.ALIGN_MIN,
            margins=layout.Margins(bottom=1),
        ),
        background=background,
        background_layout=above_text,
        background_opacity=1.0,
        border_width=0,
    )


class _TimedSigner(signers.PdfSigner):
    """PdfSigner that records the given signing time instead of the clock's."""

    def __init__(self, *args: object, signing_time: datetime, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.signing_time = signing_time

    def init_signing_session(
        self, pdf_out: BasePdfFileWriter, existing_fields_only: bool = False
    ) -> PdfSigningSession:
        session = super().init_signing_session(pdf_out, existing_fields_only)
        session.system_time = self.signing_time
        return session


def _sign_once(
    pdf: bytes,
    meta: signers.PdfSignatureMetadata,
    signer: signers.Signer,
    style: BaseStampStyle,
    timestamper: TimeStamper | None,
    signing_time: datetime,
) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    pdf_signer = _TimedSigner(
        meta, signer, timestamper=timestamper, stamp_style=style, signing_time=signing_time
    )
    out = pdf_signer.sign_pdf(writer, existing_fields_only=True)
    return bytes(out.getbuffer())


def sign(
    pdf: bytes,
    field: str,
    signer: signers.Signer,
    image: bytes,
    stamp_text: str,
    *,
    timestamper: TimeStamper | None,
    validation: ValidationContext | None,
    signing_time: datetime,
    reason: str = "",
    location: str = "",
) -> Signed:
    """Sign the existing empty field `field` (PAdES, incremental), its appearance the image
    with `stamp_text` in a band under it (`%(ts)s` there is the ISO 8601 signing time, with its
    offset). B-T with a timestamper, B-LT when revocation data could also be embedded."""
    if signing_time.tzinfo is None:
        raise ValueError("signing_time must be timezone-aware")
    style = _style(image, stamp_text, signing_time)

    def meta(embed: bool) -> signers.PdfSignatureMetadata:
        return signers.PdfSignatureMetadata(
            field_name=field,
            md_algorithm="sha256",
            subfilter=fields.SigSeedSubFilter.PADES,
            reason=reason or None,
            location=location or None,
            embed_validation_info=embed,
            validation_context=validation if embed else None,
        )

    embed = timestamper is not None and validation is not None
    try:
        try:
            signed = _sign_once(pdf, meta(embed), signer, style, timestamper, signing_time)
        except PyHankoSigningError:
            if not embed:
                raise
            # revocation data unreachable (or the chain does not validate): sign without it
            signed = _sign_once(pdf, meta(False), signer, style, timestamper, signing_time)
    except (PyHankoSigningError, TimestampRequestError, PKCS11Error, OSError) as exc:
        raise SigningError(f"Không ký được văn bản: {exc}") from exc
    return Signed(signed, signature_level(signed, field))


def timestamper_for(url: str | None, demo: DemoPki | None) -> TimeStamper | None:
    """An RFC 3161 client for the configured TSA; without one, the demo TSA in-process."""
    if url:
        return HTTPTimeStamper(url)
    if demo is None:
        return None
    return demo_timestamper(demo)


def demo_timestamper(demo: DemoPki) -> DummyTimeStamper:
    """pyHanko's own TSA machinery, signing with the demo TSA key."""

    def asn1(cert: object) -> asn1_x509.Certificate:
        return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))  # type: ignore[attr-defined]

    return DummyTimeStamper(
        tsa_cert=asn1(demo.tsa_cert),
        tsa_key=asn1_keys.PrivateKeyInfo.load(demo.tsa_key_der()),
        certs_to_embed=SimpleCertificateStore.from_certs([asn1(demo.root_cert)]),
    )
