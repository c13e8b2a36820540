"""PDF: a cold `soffice --convert-to pdf` per document against the warm converter the workers use.

The documents are the shipped templates rendered with their sample contexts (real DOCX of every
kind). The warm converter's first conversion starts LibreOffice and is reported apart.
"""

from __future__ import annotations

import time
from typing import Any

from service.documents.contract import SAMPLE_CONTEXTS
from service.documents.render import render_docx
from service.documents.store import committed_template
from workers.pdf import PdfConverter, convert_cold
from workflows.documents import KINDS


def sample_documents() -> list[bytes]:
    """One DOCX of each kind, rendered from the shipped template and its sample context."""
    return [render_docx(committed_template(kind), SAMPLE_CONTEXTS[kind]) for kind in KINDS]


def sample() -> bytes:
    """One real PDF (of the first kind), for a run that measures the archive without the PDF."""
    return convert_cold(sample_documents()[0])


def measure(cold_docs: int, warm_docs: int) -> tuple[dict[str, Any], bytes]:
    """The figures, and one PDF made (real bytes for the archive measurement)."""
    documents = sample_documents()
    started = time.perf_counter()
    for i in range(cold_docs):
        convert_cold(documents[i % len(documents)])
    cold = (time.perf_counter() - started) / cold_docs
    with PdfConverter() as converter:
        started = time.perf_counter()
        pdf = converter.convert(documents[0])
        first = time.perf_counter() - started
        started = time.perf_counter()
        for i in range(warm_docs):
            converter.convert(documents[i % len(documents)])
        warm = (time.perf_counter() - started) / warm_docs
    return {
        "cold_documents": cold_docs,
        "warm_documents": warm_docs,
        "cold_s_per_doc": round(cold, 3),
        "warm_first_s": round(first, 3),
        "warm_s_per_doc": round(warm, 3),
        "ratio_warm_to_cold": round(cold / warm, 2),
    }, pdf
