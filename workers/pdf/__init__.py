"""DOCX -> PDF conversion through LibreOffice (warm per-worker instance and cold baseline)."""

from workers.pdf.converter import (
    ConversionError,
    ConversionTimeout,
    ConverterPool,
    PdfConverter,
    convert_cold,
    get_converter,
)

__all__ = [
    "ConversionError",
    "ConversionTimeout",
    "ConverterPool",
    "PdfConverter",
    "convert_cold",
    "get_converter",
]
