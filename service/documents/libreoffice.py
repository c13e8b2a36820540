"""Whether LibreOffice is installed, and the shape of a DOCX -> PDF converter.

Kept in the service, not in `workers.pdf`, so that the readiness check and the job work can ask
without importing the worker package; the worker's warm converter is one such `Converter`.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable

Converter = Callable[[bytes], bytes]


def libreoffice_available(soffice: str = "soffice") -> str | None:
    """Resolve soffice so callers can fall back to DOCX-only ("LibreOffice không khả dụng")."""
    return shutil.which(soffice)
