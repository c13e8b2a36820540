"""DOCX -> PDF through LibreOffice: warm instances (shared by a worker's pool processes) and
the cold baseline."""

from workers.pdf.converter import (
    ConversionError,
    ConversionTimeout,
    ConverterPool,
    PdfConverter,
    convert_cold,
)
from workers.pdf.shared import SharedConverter, get_converter

__all__ = [
    "ConversionError",
    "ConversionTimeout",
    "ConverterPool",
    "PdfConverter",
    "SharedConverter",
    "convert_cold",
    "get_converter",
]
