"""The shape and size of a campaign's plan data, wherever it comes from (API, UI, CLI, an import,
a preset, a copy): one set of bounds, a message per field path ("contents.2.title")."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from workflows import indicators, limits
from workflows.vocabulary import PLAN_FIELDS, PlanShape

MAX_LINE = 1000  # the plan's title
MAX_NAME = 500  # the programme's name and the sub-unit's, as printed in a sentence
MAX_TEXT = 20000  # a paragraph
MAX_LINES = 200  # items of a list of lines
MAX_CONTENTS = 50
MAX_CONTENT_TITLE = 500
SECTIONS = ("results", "shortcomings", "causes", "recommendations")

# The inspection's own fields (not printed by the plan itself), edited beside the plan's.
INSPECTION_FIELDS: dict[str, PlanShape] = {
    "programme": "line",
    "preparation": "lines",
    "sub_unit_label": "line",
    "report_recipients": "lines",
}
SHAPES: dict[str, PlanShape] = {
    **{f.name: f.shape for f in PLAN_FIELDS if f.name != "contact_phone"},
    **INSPECTION_FIELDS,
}
TEXT_REQUIRED = "Phải là văn bản"
LINES_REQUIRED = "Phải là danh sách các dòng văn bản"


def problems(data: Mapping[str, Any]) -> dict[str, str]:
    """Per-field messages about the plan fields in `data` (others are left to their checks)."""
    errors: dict[str, str] = {}
    for name, value in data.items():
        if name == "indicators":
            errors.update(indicators.problems(value))
        elif name in SHAPES:
            errors.update(_shape_problems(name, SHAPES[name], value))
    return errors


def _shape_problems(name: str, shape: PlanShape, value: Any) -> dict[str, str]:
    if shape == "line":
        limit = MAX_NAME if name in INSPECTION_FIELDS else MAX_LINE
        problem = _text_problem(value, limit)
        return {name: problem} if problem else {}
    if shape == "text":
        problem = _text_problem(value, MAX_TEXT)
        return {name: problem} if problem else {}
    if shape == "lines":
        return _lines_problems(name, value)
    if shape == "areas":
        return contents_problems(value)
    if shape == "sections":
        return _sections_problems(value)
    return _year_problems(name, value)


def _year_problems(name: str, value: Any) -> dict[str, str]:
    """A year the registers can number (None: not given, for the caller to require)."""
    if value is None:
        return {}
    if not isinstance(value, int) or isinstance(value, bool):
        return {name: "Năm phải là một số nguyên"}
    problem = limits.year_problem(value)
    return {name: problem} if problem else {}


def _text_problem(value: Any, limit: int) -> str | None:
    if not isinstance(value, str):
        return TEXT_REQUIRED
    return f"Tối đa {limit} ký tự" if len(value) > limit else None


def _lines_problems(name: str, value: Any) -> dict[str, str]:
    if not isinstance(value, list):
        return {name: LINES_REQUIRED}
    if len(value) > MAX_LINES:
        return {name: f"Tối đa {MAX_LINES} dòng"}
    return {
        f"{name}.{i}": problem
        for i, line in enumerate(value)
        if (problem := _text_problem(line, MAX_TEXT))
    }


def contents_problems(value: Any) -> dict[str, str]:
    """The inspection contents (section II): each a title, its paragraphs, a number 1-99."""
    errors, items = limits.objects(
        value, "contents", MAX_CONTENTS, "nội dung kiểm tra", "title, paragraphs"
    )
    for at, item in items:
        title = limits.name_problem(
            item.get("title"), MAX_CONTENT_TITLE, "Cần nhập tên nội dung kiểm tra"
        )
        if title:
            errors[f"{at}.title"] = title
        number = item.get("number")
        if not isinstance(number, int) or isinstance(number, bool) or not 1 <= number <= 99:
            errors[f"{at}.number"] = "Số thứ tự phải từ 1 đến 99"
        if not isinstance(item.get("run_in", False), bool):
            errors[f"{at}.run_in"] = "Phải là true hoặc false"
        errors.update(_lines_problems(f"{at}.paragraphs", item.get("paragraphs", [])))
    return errors


def _sections_problems(value: Any) -> dict[str, str]:
    if not isinstance(value, Mapping):
        return {"report_sections": "Phải là một đối tượng"}
    errors: dict[str, str] = {}
    for key, lines in value.items():
        if key not in SECTIONS:
            errors[f"report_sections.{key}"] = f"Mục phải là một trong: {', '.join(SECTIONS)}"
        else:
            errors.update(_lines_problems(f"report_sections.{key}", lines))
    return errors


def content_text(content: Mapping[str, Any]) -> str:
    """A content's paragraphs as one text, one paragraph a line (the export's `text`)."""
    return "\n".join(content.get("paragraphs") or [])


def content_paragraphs(text: str) -> list[str]:
    """The paragraphs of a content's text: its non-empty lines."""
    return [line.strip() for line in text.split("\n") if line.strip()]
