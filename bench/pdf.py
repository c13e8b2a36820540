"""PDF: a cold `soffice --convert-to pdf` per document against the warm converter the workers use,
and two warm instances converting at once against one.

The documents are the shipped templates rendered with their sample contexts (real DOCX of every
kind). The warm converter's first conversion starts LibreOffice and is reported apart. One and
two instances take turns, a batch each, on the same pool (`ConverterPool`, as a worker holds
it): one thread converts on the warmest instance, two threads on both.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from service.documents.contract import SAMPLE_CONTEXTS
from service.documents.render import render_docx
from service.documents.store import committed_template
from workers.pdf import ConverterPool, convert_cold
from workflows.documents import KINDS

# Documents a turn, each kind twice: the two instances end a turn together within one document
# (with turns of 4 that idle tail cost about a quarter of their rate).
BATCH = 2 * len(KINDS)


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
    pool = ConverterPool(2)
    try:
        with ThreadPoolExecutor(2) as threads:
            started = time.perf_counter()
            pdf = pool.convert(documents[0])  # starts the first instance
            first = time.perf_counter() - started
            list(threads.map(pool.convert, documents[:2]))  # both busy at once: the second starts
            seconds = {1: 0.0, 2: 0.0}
            for done in range(0, warm_docs, BATCH):
                turn = range(done, min(done + BATCH, warm_docs))
                batch = [documents[i % len(documents)] for i in turn]
                for instances in seconds:
                    started = time.perf_counter()
                    if instances == 1:
                        for docx in batch:
                            pool.convert(docx)
                    else:
                        list(threads.map(pool.convert, batch))
                    seconds[instances] += time.perf_counter() - started
    finally:
        pool.close()
    warm = seconds[1] / warm_docs
    one, two = warm_docs / seconds[1], warm_docs / seconds[2]
    return {
        "cold_documents": cold_docs,
        "warm_documents": warm_docs,
        "cold_s_per_doc": round(cold, 3),
        "warm_first_s": round(first, 3),
        "warm_s_per_doc": round(warm, 3),
        "ratio_warm_to_cold": round(cold / warm, 2),
        "one_instance_docs_per_s": round(one, 2),
        "two_instances_docs_per_s": round(two, 2),
        "ratio_two_to_one": round(two / one, 2),
    }, pdf
