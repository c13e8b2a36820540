"""Every document's title from the campaign's title, so that no phrase is printed twice.

Documents put fixed words before the subject of the inspection ("Kế hoạch kiểm tra …", "Đoàn
kiểm tra …", "Kết quả kiểm tra …"). Staff may type the title with those words or without them,
so the subject is the title with any such lead stripped, whatever its case or Unicode form.
"""

from __future__ import annotations

import re
import unicodedata

# Words a title may open with that a document already prints before the subject, longest first.
_LEADS = (
    "kế hoạch kiểm tra",
    "kết quả kiểm tra",
    "lịch kiểm tra",
    "đoàn kiểm tra",
    "kế hoạch",
    "kiểm tra",
)
# A lead is a whole phrase: "Kế hoạch hóa gia đình", "Kiểm tra viên" are words of the subject.
_LEAD = re.compile(
    r"^(?:" + "|".join(re.escape(lead) for lead in _LEADS) + r")(?=$|[\s,.:;–-])"
    r"(?!\s+(?:hóa|hoá|viên)\b)",
    re.IGNORECASE,
)
_SEPARATORS = " \t,.:;–-"


def _clean(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).split())


def _lower_first(text: str) -> str:
    """Lower the first letter, unless the first word is an abbreviation ("UBND", "HIV")."""
    first = text.split(" ", 1)[0]
    if len(first) > 1 and first.isupper():
        return text
    return text[:1].lower() + text[1:]


def subject(title: str) -> str:
    """What is inspected, to follow "kiểm tra": the title without a leading "Kế hoạch kiểm tra",
    "Kế hoạch", "Kiểm tra" (…), repeatedly, lower-first, without its final full stop; empty
    when the title is nothing but such words."""
    text = _clean(title)
    while True:
        stripped = _LEAD.sub("", text, count=1).lstrip(_SEPARATORS)
        if stripped == text:
            break
        text = stripped
    return _lower_first(text.rstrip(" ."))


def _titled(lead: str, title: str) -> str:
    return f"{lead} {subject(title)}".strip()


def plan_title(title: str) -> str:
    """The plan as cited before it has a number: "Kế hoạch kiểm tra <subject>"."""
    return _titled("Kế hoạch kiểm tra", title)


def plan_reference(title: str, reference: str, date: str, issuer: str) -> str:
    """The issued plan as cited: "Kế hoạch số 05/KH-X ngày 05/4/2023 của <issuer> về kiểm tra …"."""
    return _titled(f"Kế hoạch số {reference} ngày {date} của {issuer} về kiểm tra", title)


def team_name(title: str) -> str:
    return _titled("Đoàn kiểm tra", title)


def decision_subject(title: str) -> str:
    return f"Về việc thành lập {team_name(title)}"


def notice_subject(title: str) -> str:
    return _titled("Lịch kiểm tra", title)


def minutes_subject(title: str) -> str:
    return _titled("Kiểm tra", title)


def report_subject(title: str) -> str:
    return _titled("Kết quả kiểm tra", title)


def visit_summary(title: str, office: str) -> str:
    """The calendar event of a visit: "Kiểm tra <subject> tại <office>"."""
    return f"{minutes_subject(title)} tại {_clean(office)}"
