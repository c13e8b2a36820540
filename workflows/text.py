"""Text as the system stores and prints it: NFC, without characters XML cannot carry."""

from __future__ import annotations

import re
import unicodedata

# C0 controls other than tab/newline/carriage return, the non-characters U+FFFE/U+FFFF and lone
# surrogates: XML 1.0 cannot carry them, a single one makes Word refuse the file, and
# PostgreSQL refuses NUL in text.
ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def clean_text(value: str) -> str:
    """NFC text without XML-illegal characters; CR line ends become LF."""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", ILLEGAL_XML.sub("", text))
