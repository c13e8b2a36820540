"""Every document's title from the campaign's title, so that no phrase is printed twice.

Documents put fixed words before the subject of the inspection ("Kế hoạch kiểm tra …", "Đoàn
kiểm tra …", "Kết quả kiểm tra …"). Staff may type the title with those words or without them,
so the subject is the title with any such lead stripped, whatever its case or Unicode form.
"""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

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


# Names whose second word is written lower-case ("Ủy ban nhân dân tỉnh", "Chính phủ").
_LOWER_TAILED_NAMES = ("ủy ban", "uỷ ban", "chính phủ", "quốc hội", "nhà nước", "đảng")


def run_in(value: str) -> str:
    """A value run into a sentence after "label: " ("Thời gian kiểm tra: trong quý III…"):
    lower-first, unless it opens with a name: an abbreviation or a number, two capitalised
    words ("Nguyễn Văn", "Sở Lao động"), or a name such as "Ủy ban nhân dân"."""
    text = _clean(value)
    words = text.split(" ")
    first, second = words[0], words[1] if len(words) > 1 else ""
    named = second[:1].isupper() and not second.isupper()
    lower_tailed = any(f"{text.casefold()} ".startswith(f"{name} ") for name in _LOWER_TAILED_NAMES)
    if named or lower_tailed or any(ch.isdigit() for ch in first):
        return text
    return _lower_first(text)


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


# "Kế hoạch" opening a plan's subject line repeats the type name printed above it ("KẾ HOẠCH");
# "Kế hoạch hóa gia đình" is a subject.
_PLAN_TYPE = re.compile(r"^kế hoạch(?=$|[\s,.:;–-])(?!\s+(?:hóa|hoá)\b)", re.IGNORECASE)


def plan_subject_lines(typed: list[str], title: str) -> list[str]:
    """The plan's subject under "KẾ HOẠCH": the lines staff typed, without a leading "Kế hoạch"
    ("Kế hoạch kiểm tra công tác …" prints "Kiểm tra công tác …"), or, when none are typed,
    "Kiểm tra <subject>" from the title in even lines."""
    lines = [_clean(line) for line in typed if line.strip()]
    if lines:
        first = _PLAN_TYPE.sub("", lines[0], count=1).lstrip(_SEPARATORS)
        if first != lines[0]:
            lines = [first, *lines[1:]] if first else lines[1:]
            lines[:1] = [line[:1].upper() + line[1:] for line in lines[:1]]
    if lines:
        return lines
    return title_lines(minutes_subject(title)) if subject(title) else []


# Words a programme's name may open with that say nothing of it ("công tác", "Chương trình"):
# "…về Chương trình phòng, chống mại dâm năm 2023" names "công tác phòng, chống mại dâm năm 2023".
_PROGRAMME_HEADS = re.compile(r"^(?:(?:công tác|chương trình|việc)\s+)+", re.IGNORECASE)


def names_programme(text: str, programme: str) -> bool:
    """Whether `text` already names the programme, whatever its case or Unicode form."""
    core = _PROGRAMME_HEADS.sub("", _clean(programme).rstrip(" .")).casefold()
    return bool(core) and core in _clean(text).casefold()


def programme_citation(programme: str, *texts: str) -> str:
    """The programme as a sentence cites it after what is inspected, or "" when it is empty or
    one of `texts` (the same sentence's other words) names it already: a document names it once."""
    name = _clean(programme).rstrip(" .")
    if not name or any(names_programme(text, name) for text in texts):
        return ""
    return name


def plan_introduction(issuer: str, title: str, programme: str) -> str:
    """The plan's opening after its legal bases, when staff wrote none: "<issuer> xây dựng Kế
    hoạch kiểm tra <subject>, cụ thể như sau:", led by the programme unless the title names it."""
    built = f"{_clean(issuer)} xây dựng {plan_title(title)}"
    cited = programme_citation(programme, built)
    lead = f"Để đánh giá kết quả thực hiện {cited}, " if cited else ""
    return f"{lead}{built}, cụ thể như sau:"


def notice_introduction(issuer: str, programme: str, plan_reference: str) -> str:
    """What follows "Thực hiện <plan_reference>, " in a notice: the issuer announces the schedule
    of the programme's inspection (named here unless the plan's reference names it)."""
    cited = programme_citation(programme, plan_reference)
    return f"{_clean(issuer)} thông báo lịch kiểm tra{f' {cited}' if cited else ''} cụ thể như sau:"


def report_inspected(programme: str, plan_reference: str) -> str:
    """ "kiểm tra" and what the report's opening says was inspected: the programme unless the
    plan's reference before it names it."""
    cited = programme_citation(programme, plan_reference)
    return f"kiểm tra {cited}" if cited else "kiểm tra"


# About what one line of a title holds: 14 pt bold across the 16.5 cm between the margins.
LINE_CHARS = 64
# "năm 2023" and the word before it: a title never breaks inside them ("…mại dâm / năm 2023").
_YEAR = re.compile(r"\S+ năm \d{4}\b")


def title_lines(text: str, width: int = LINE_CHARS) -> list[str]:
    """A title in as few lines of about `width` characters as it needs, as even as they can be,
    never breaking before "năm 2023"; joined with spaces they give the title back."""
    text = _clean(text)
    tokens = _YEAR.sub(lambda m: m.group().replace(" ", "\0"), text).split(" ")
    words = [token.replace("\0", " ") for token in tokens]
    for count in range(1, len(words) + 1):
        lines = _even_split(words, count)
        if max(map(len, lines)) <= width or count == len(words):
            return lines
    return [text]


# Where a title line reads best when it starts: before a preposition or a conjunction.
_GOOD_STARTS = ("về", "của", "tại", "và", "cho", "trên")
_GOOD_BREAK = 16  # characters of evenness a line gives up to start at such a word


def _even_split(words: list[str], count: int) -> list[str]:
    """`words` in `count` lines, the longest as short as it can be, less a bonus for each line
    that starts at a preposition or follows a comma."""
    return min(_splits(words, count), key=_cost)


def _splits(words: list[str], count: int) -> list[list[str]]:
    if count == 1:
        return [[" ".join(words)]]
    return [
        [" ".join(words[:cut]), *rest]
        for cut in range(1, len(words) - count + 2)
        for rest in _splits(words[cut:], count - 1)
    ]


def _cost(lines: list[str]) -> int:
    good = sum(
        line.split(" ", 1)[0] in _GOOD_STARTS or before.endswith(",")
        for before, line in pairwise(lines)
    )
    return max(map(len, lines)) - _GOOD_BREAK * good


def sentence_case(title: str) -> str:
    """ "Giám đốc" of "GIÁM ĐỐC": a position as running text writes it."""
    text = _clean(title)
    return text[:1].upper() + text[1:].lower()


def competence_basis(issuer: str) -> str:
    """The decision's first basis: the issuer's own functions and duties."""
    return f"Căn cứ chức năng, nhiệm vụ, quyền hạn và cơ cấu tổ chức của {_clean(issuer)}"


def competence_bases(recorded: str, issuer: str) -> list[str]:
    """The decision's first bases: the legal basis of the issuer's competence as recorded, one
    a line ("Căn cứ Quyết định số …/QĐ-UBND … quy định chức năng, nhiệm vụ…"), or the generic
    line when none is recorded."""
    lines = [cited(line) for line in recorded.splitlines() if line.strip()]
    return lines or [competence_basis(issuer)]


def position_at(position: str, unit: str) -> str:
    """A position held in a unit as running text writes it, never a word twice: "Trưởng phòng"
    of "Phòng Phòng, chống tệ nạn xã hội" is "Trưởng phòng Phòng, chống tệ nạn xã hội", "Phó
    Trưởng ban" of "Ban Chỉ đạo 138 phường X" is "Phó Trưởng ban Chỉ đạo 138 phường X"; a
    position naming the whole unit already stands alone."""
    position, unit = _clean(position), _clean(unit)
    if not unit or unit.casefold() in position.casefold():
        return position
    held, named = position.split(" ") if position else [], unit.split(" ")
    return " ".join([*held, *named[_overlap(held, named) :]])


def _overlap(before: list[str], after: list[str]) -> int:
    """How many last words of `before` are the first words of `after`, whatever their case."""
    for count in range(min(len(before), len(after)), 0, -1):
        if [w.casefold() for w in before[-count:]] == [w.casefold() for w in after[:count]]:
            return count
    return 0


def cited(basis: str) -> str:
    """A legal basis as a decision writes it: "Căn cứ Kế hoạch số …", whatever staff typed."""
    text = _clean(basis)
    if text.casefold().startswith("căn cứ"):
        return "Căn cứ" + text[len("căn cứ") :]
    return f"Căn cứ {text}"
