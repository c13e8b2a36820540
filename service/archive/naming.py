"""Member names of the case file: Vietnamese with diacritics, yet never able to leave the root.

Every component is built from data (codes, titles, district names), so each is sanitised here
and the joined path is checked again before it is written; `verify` uses the same check.
"""

from __future__ import annotations

import re
import unicodedata

DOCUMENTS_DIR = "Văn bản"
SUPERSEDED_DIR = "Văn bản đã thay thế"
INDEX_STEM = "Mục lục văn bản"
METADATA_STEM = "Siêu dữ liệu"
SIGNATURES_STEM = "Kết quả xác thực chữ ký số"  # JSON, beside the metadata
REGISTER_NAME = "Sổ gửi văn bản.csv"
FIGURES_NAME = "Sổ số liệu kiểm tra.csv"
CLOSING_NAME = "Chứng từ kết thúc hồ sơ.txt"
CHECKSUMS_NAME = "SHA256SUMS"

MAX_CHARS = 120
MAX_BYTES = 240  # below the 255-byte limit of common file systems, with room for an extension
ROOT_CHARS = 60  # the root appears twice in an extracted path (folder of the ZIP, then root)

_RESERVED = {"CON", "PRN", "AUX", "NUL"} | {f"{p}{i}" for p in ("COM", "LPT") for i in range(10)}
_REPLACE = str.maketrans({"/": "-", "\\": "-", ":": "-", "<": "_", ">": "_", '"': "_"})
_REPLACE_MORE = str.maketrans({"|": "_", "?": "_", "*": "_"})


def safe_component(text: str, max_chars: int = MAX_CHARS, fallback: str = "_") -> str:
    """One path component: NFC, no separators, controls, `..` or Windows-reserved names."""
    text = unicodedata.normalize("NFC", text).translate(_REPLACE).translate(_REPLACE_MORE)
    text = "".join(" " if unicodedata.category(ch).startswith(("C", "Z")) else ch for ch in text)
    text = re.sub(r"\.{2,}", ".", re.sub(r"\s+", " ", text))
    text = _cut(text.strip(" ."), max_chars).strip(" .")
    if not text:
        return fallback
    if text.split(".")[0].upper() in _RESERVED:
        text = f"_{text}"
    return text


def _cut(text: str, max_chars: int) -> str:
    """At most `max_chars` characters and MAX_BYTES of UTF-8, at a word end where one is near."""
    if len(text) <= max_chars and len(text.encode()) <= MAX_BYTES:
        return text
    cut = text[:max_chars]
    while len(cut.encode()) > MAX_BYTES:
        cut = cut[:-1]
    space = cut.rfind(" ")
    return cut[:space] if space > len(cut) // 2 else cut


def file_name(stem: str, extension: str) -> str:
    """`stem.extension` with the stem sanitised (the extension is ours, never data)."""
    return f"{safe_component(stem)}.{extension}"


def edition_label(edition: int) -> str:
    """`lần 2` for a case file filed again after its campaign was reopened; none for the first."""
    return f"lần {edition}" if edition > 1 else ""


def root_name(file_code: str, title: str, edition: int = 1) -> str:
    """The single top folder, also the download name: `SLĐTBXH.2023.01.PCTNXH - <title>`, and
    ` (lần 2)` after it (never cut off) for a later edition."""
    label = edition_label(edition)
    suffix = f" ({label})" if label else ""
    return safe_component(f"{file_code} - {title}", ROOT_CHARS - len(suffix)) + suffix


def document_stem(order: int, width: int, reference: str, label: str, district: str) -> str:
    """`03 05-TB-SLĐTBXH Thông báo lịch kiểm tra - huyện Cao Lộc`: sorts in filing order."""
    stem = f"{order:0{width}d} {reference.replace('/', '-')} {label}"
    return f"{stem} - {district}" if district else stem


def join(*components: str) -> str:
    """A member path; refuses (ValueError) anything `unsafe_reason` would flag."""
    path = "/".join(components)
    reason = unsafe_reason(path)
    if reason:
        raise ValueError(f"{reason}: {path!r}")
    return path


def unsafe_reason(name: str) -> str:
    """Why a member name could escape or confuse an extraction, or '' if it is safe."""
    if not name or name.startswith("/") or re.match(r"^[A-Za-z]:", name):
        return "Đường dẫn tuyệt đối"
    if "\\" in name:
        return "Dấu \\ trong tên tệp"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "Ký tự điều khiển trong tên tệp"
    if any(part in ("", ".", "..") for part in name.rstrip("/").split("/")):
        return "Thành phần đường dẫn rỗng, «.» hoặc «..»"
    return ""
