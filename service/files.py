"""Writing a file so that no reader ever sees it empty or cut short, even when the disk fills."""

from __future__ import annotations

import os
import tempfile
from contextlib import suppress
from pathlib import Path


def write_atomically(target: Path, data: bytes) -> None:
    """Write `data` to a hidden temporary file beside `target`, flush it to disk, then rename it
    into place: `target` appears whole or not at all, and a failed write leaves nothing behind."""
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temporary)
        raise
