"""Text as the system stores and prints it: NFC, without characters XML cannot carry; and
Vietnamese alphabetical order, for every list sorted by name."""

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


# Characters that print nothing yet change what is shown: bidirectional embeddings, overrides
# and isolates (U+202E turns "fdp.exe" round) and zero-width spaces, joiners and marks. A name
# holding one reads differently in the DOCX, the PDF, an e-mail header and the register, so
# names and titles refuse them, saying which, rather than dropping them unseen.
INVISIBLE: dict[str, str] = {
    "\u200b": "khoảng trắng độ rộng 0",
    "\u200c": "ký tự không nối độ rộng 0",
    "\u200d": "ký tự nối độ rộng 0",
    "\u200e": "dấu chiều trái sang phải",
    "\u200f": "dấu chiều phải sang trái",
    "\u202a": "bắt đầu nhúng trái sang phải",
    "\u202b": "bắt đầu nhúng phải sang trái",
    "\u202c": "kết thúc nhúng, đảo chiều",
    "\u202d": "đảo chiều trái sang phải",
    "\u202e": "đảo chiều phải sang trái",
    "\u2060": "ký tự nối từ vô hình",
    "\u2066": "cô lập trái sang phải",
    "\u2067": "cô lập phải sang trái",
    "\u2068": "cô lập theo nội dung",
    "\u2069": "kết thúc cô lập",
    "\ufeff": "dấu thứ tự byte BOM",
}
_INVISIBLE = re.compile(f"[{''.join(INVISIBLE)}]")


def invisible_problem(value: str) -> str | None:
    """Why `value` cannot be a name or a title: the first invisible character it holds, or None."""
    found = _INVISIBLE.search(value)
    if found is None:
        return None
    char = found.group()
    return (
        f"Không được chứa ký tự ẩn U+{ord(char):04X} ({INVISIBLE[char]}) ở vị trí "
        f"{found.start() + 1}"
    )


# Emoji and pictographs: the fonts documents are printed in (Times New Roman) have none of them,
# so the PDF shows empty boxes where the DOCX showed a picture; with them the variation
# selectors, keycaps and tags that build emoji sequences.
_EMOJI = re.compile(
    "[\u2600-\u27bf\u2b00-\u2bff\u20e3\ufe0e\ufe0f\U0001f000-\U0001faff\U000e0000-\U000e007f]"
)


def printing_problem(value: str) -> str | None:
    """Why `value` cannot be printed in a document as typed: an invisible character, or an emoji
    the document's fonts cannot show; None when it can."""
    problem = invisible_problem(value)
    if problem:
        return problem
    found = _EMOJI.search(value)
    if found is None:
        return None
    return (
        f"Không được chứa biểu tượng cảm xúc (emoji) «{found.group()}» ở vị trí "
        f"{found.start() + 1}: phông chữ của văn bản không in được ký tự này"
    )


# Vietnamese alphabetical order: letters with breve, circumflex, horn and đ are letters of
# their own; tones (ngang, huyền, hỏi, ngã, sắc, nặng) only break ties.
_ALPHABET = "aăâbcdđeêfghijklmnoôơpqrstuưvwxyz"
_COMPOSED = {
    ("a", "\u0306"): "ă",
    ("a", "\u0302"): "â",
    ("e", "\u0302"): "ê",
    ("o", "\u0302"): "ô",
    ("o", "\u031b"): "ơ",
    ("u", "\u031b"): "ư",
}
_TONES = {"\u0300": 1, "\u0309": 2, "\u0303": 3, "\u0301": 4, "\u0323": 5}


def vietnamese_key(text: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """A sort key following Vietnamese collation (a ă â b c d đ e ê …), case-insensitive."""
    letters: list[int] = []
    tones: list[int] = []
    for char in unicodedata.normalize("NFC", text.lower()):
        decomposed = unicodedata.normalize("NFD", char)
        base, marks = decomposed[0], decomposed[1:]
        tone = 0
        for mark in marks:
            if mark in _TONES:
                tone = _TONES[mark]
            else:
                base = _COMPOSED.get((base, mark), base)
        position = _ALPHABET.find(base)
        # Spaces, digits and punctuation come before every letter.
        letters.append(position if position >= 0 else ord(base) - 0x110000)
        tones.append(tone)
    return tuple(letters), tuple(tones)
