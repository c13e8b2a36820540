"""One vocabulary: every state has an enum with its Vietnamese label, and no code spells one out."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.api.schemas import CampaignFields
from service.models import Campaign
from workflows import vocabulary
from workflows.vocabulary import (
    ENUMS,
    PLAN_FIELDS,
    ArchiveState,
    DispatchPurpose,
    DispatchState,
    DocumentStatus,
    JobKind,
    JobState,
    Labelled,
    OrganisationKind,
    Role,
    TeamRole,
    VisitStatus,
)

ROOT = Path(__file__).resolve().parent.parent
# The values that must only ever be written as members. JobKind is left out: "archive" is also
# the name of a lifecycle transition.
CHECKED = (
    DocumentStatus,
    JobState,
    DispatchState,
    DispatchPurpose,
    ArchiveState,
    VisitStatus,
    Role,
    TeamRole,
    OrganisationKind,
)
STATE_VALUES = frozenset(member.value for enum in CHECKED for member in enum)
# Where states are defined or frozen in history.
ALLOWED = (ROOT / "workflows" / "vocabulary.py", ROOT / "service" / "migrations")
STATE_KEYS = frozenset({"state", "status", "role"})


@pytest.mark.parametrize("enum", ENUMS, ids=lambda e: e.__name__)
def test_every_member_has_a_vietnamese_label(enum: type[Labelled]) -> None:
    for member in enum:
        assert member.label.strip() and member.label != member.value, member
        assert enum.label_of(member.value) == member.label


def test_every_labelled_enum_is_listed() -> None:
    defined = {
        value
        for value in vars(vocabulary).values()
        if isinstance(value, type) and issubclass(value, Labelled) and value is not Labelled
    }
    assert defined == set(ENUMS)


def test_running_job_labels_and_unknown_values() -> None:
    assert all(kind.running.startswith("Đang") for kind in JobKind)
    assert DocumentStatus.label_of("archived") == "archived"
    assert DocumentStatus.label_of(None) == ""


def test_plan_fields_are_campaign_columns_and_api_fields() -> None:
    names = [field.name for field in PLAN_FIELDS]
    assert len(names) == len(set(names))
    assert all(hasattr(Campaign, name) for name in names)
    assert set(names) <= set(CampaignFields().fields)
    assert all(field.label for field in PLAN_FIELDS)


def _source_files(suffix: str, *folders: str) -> Iterator[Path]:
    for folder in folders:
        for path in sorted((ROOT / folder).rglob(f"*{suffix}")):
            if not any(path == allowed or allowed in path.parents for allowed in ALLOWED):
                yield path


def _is_state(node: ast.AST | None) -> bool:
    """A bare state string, or a literal collection holding one."""
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str) and node.value in STATE_VALUES
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return any(_is_state(item) for item in node.elts)
    if isinstance(node, ast.IfExp):
        return _is_state(node.body) or _is_state(node.orelse)
    return False


def _is_enum_body(node: ast.ClassDef) -> bool:
    names = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}
    return any(name.endswith("Enum") or name == "Labelled" for name in names)


def _python_offences(tree: ast.AST) -> Iterator[tuple[int, str]]:
    enum_bodies = {
        id(statement)
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef) and _is_enum_body(node)
        for statement in node.body
    }
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and any(map(_is_state, [node.left, *node.comparators])):
            yield node.lineno, "compared"
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and _is_state(node.value):
            if id(node) not in enum_bodies:
                yield node.lineno, "assigned"
        elif (
            isinstance(node, ast.keyword) and node.arg != "back_populates" and _is_state(node.value)
        ):
            yield node.value.lineno, f"passed as {node.arg}="
        elif isinstance(node, ast.Call) and getattr(node.func, "attr", "") in ("in_", "not_in"):
            if any(map(_is_state, node.args)):
                yield node.lineno, "queried"
        elif isinstance(node, ast.Dict):
            for key, value in zip(node.keys, node.values, strict=True):
                if isinstance(key, ast.Constant) and key.value in STATE_KEYS and _is_state(value):
                    yield value.lineno, f"stored as {key.value!r}"
                elif _is_state(key) and isinstance(value, ast.Constant):
                    yield value.lineno, "labelled outside the vocabulary"


_VALUE = "|".join(sorted(map(re.escape, STATE_VALUES)))
_QUOTED = rf"""(['"])(?:{_VALUE})\1"""
_TEMPLATE_PATTERNS = (
    re.compile(rf"(?:==|!=)\s*{_QUOTED}"),  # x == 'draft'
    re.compile(rf"{_QUOTED}\s*(?:==|!=|\bin\b|\bnot\s+in\b)"),  # 'draft' == x, 'draft' in x
    re.compile(rf"\bin\s*[(\[][^)\]]*{_QUOTED}"),  # x in ('queued', 'running')
    re.compile(rf"(?<![=!<>])=\s*{_QUOTED}"),  # {% set x = 'draft' %}, macro(state='draft')
)
_JINJA = re.compile(r"{%.*?%}|{{.*?}}", re.S)


def _template_offences(text: str) -> Iterator[tuple[int, str]]:
    for tag in _JINJA.finditer(text):
        if any(p.search(tag.group()) for p in _TEMPLATE_PATTERNS):
            yield text.count("\n", 0, tag.start()) + 1, tag.group()


def test_no_bare_state_strings_in_code() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: state string {how}"
        for path in _source_files(".py", "service", "workers", "workflows")
        for line, how in _python_offences(ast.parse(path.read_text(encoding="utf-8")))
    ]
    assert not offences, "\n".join(offences)


def test_no_bare_state_strings_in_page_templates() -> None:
    offences = [
        f"{path.relative_to(ROOT)}:{line}: {tag}"
        for path in _source_files(".html", "service/web/templates")
        for line, tag in _template_offences(path.read_text(encoding="utf-8"))
    ]
    assert not offences, "\n".join(offences)


@pytest.mark.parametrize(
    "code",
    [
        'doc.status == "draft"',
        'x = "queued"',
        'Job(state="running")',
        'select(Document).where(Document.status.in_(("issued", "superseded")))',
        '{"role": "thanh_vien"}',
        '{"sent": "Đã gửi"}',
        'PENDING = ("queued", "retrying")',
    ],
)
def test_the_code_check_catches(code: str) -> None:
    assert list(_python_offences(ast.parse(code)))


@pytest.mark.parametrize(
    "code",
    [
        'class Outcome(StrEnum):\n    DONE = "done"',
        'log_read("document.download", "document", 1, "")',
        '{"held": held}',
        'return "failed", "Lỗi"',
    ],
)
def test_the_code_check_leaves_alone(code: str) -> None:
    assert not list(_python_offences(ast.parse(code)))


@pytest.mark.parametrize(
    ("template", "caught"),
    [
        ("{% if doc.status == 'draft' %}", True),
        ("{% if 'held' == visit.status %}", True),
        ("{% if d.state in ('queued', 'sending') %}", True),
        ('{{ activity(state="failed") }}', True),
        ("{% if doc.status == DocumentStatus.DRAFT %}", False),
        ("{{ 'failed' if broken else 'ready' }}", False),
        ('<details class="cancel">', False),
    ],
)
def test_the_template_check(template: str, caught: bool) -> None:
    assert bool(list(_template_offences(template))) is caught
