"""Whether LibreOffice is installed, and the shape of a DOCX -> PDF converter.

Kept in the service, not in `workers.pdf`, so that the readiness check and the job work can ask
without importing the worker package; the worker's warm converter is one such `Converter`.
"""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Callable

Converter = Callable[[bytes], bytes]

# The templates set every run in Times New Roman. Where it is not installed LibreOffice asks
# fontconfig for a substitute, which gives Liberation Serif: the same widths, so the same lines
# and pages, with Vietnamese coverage.
PREFERRED_FONT = "Times New Roman"
SUBSTITUTE_FONT = "Liberation Serif"


def libreoffice_available(soffice: str = "soffice") -> str | None:
    """Resolve soffice so callers can fall back to DOCX-only ("LibreOffice không khả dụng")."""
    return shutil.which(soffice)


def pdf_font(timeout: float = 3.0) -> str:
    """The family the PDFs are set in on this machine: what fontconfig, as LibreOffice does,
    finds for Times New Roman ("Times New Roman", "Liberation Serif" or another font); "" when
    fontconfig cannot be asked."""
    fc_match = shutil.which("fc-match")
    if fc_match is None:
        return ""
    try:
        found = subprocess.run(
            [fc_match, "--format=%{family}", PREFERRED_FONT],
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    # A font may list several family names ("Times New Roman,Times"): the first is its own.
    return found.stdout.split(",")[0].strip()
