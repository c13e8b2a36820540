"""The safe renderer: hostile data prints literally, unsafe code is refused, bytes are stable."""

from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from datetime import datetime
from typing import Any

import pytest
from docx import Document
from docx.oxml.ns import qn

from service.documents.render import (
    TemplateError,
    check_template,
    render_docx,
    template_variables,
)


def _template(*paragraphs: str) -> bytes:
    """A DOCX whose body is one paragraph per given text."""
    doc = Document()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


SIMPLE = _template(
    "{{ title }}",
    "{%p for person in people %}",
    "{{ person.name }}",
    "{%p endfor %}",
)
PROVIDED = {"title", "people"}


def _texts(data: bytes) -> list[str]:
    """Paragraph texts of a rendered DOCX, reopened with python-docx."""
    return [p.text for p in Document(io.BytesIO(data)).paragraphs]


def _render(title: str, *names: str) -> list[str]:
    context = {"title": title, "people": [{"name": name} for name in names]}
    return _texts(render_docx(SIMPLE, context))


def test_markup_characters_print_literally() -> None:
    text = "Sở LĐ-TB&XH <b>in đậm</b> \"trích\" 'dẫn' &amp; &lt;"
    assert _render(text, "A & B <c>") == [text, "A & B <c>"]


def test_template_syntax_in_data_is_not_evaluated() -> None:
    data = ["{{ x }}", "{% if %}", "{{ 7 * 7 }}", "{%p endfor %}", "{{ cycler.__init__ }}"]
    assert _render(data[0], *data[1:]) == data


def test_nfd_input_is_stored_nfc() -> None:
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Giang")
    assert nfd != "Nguyễn Văn Giang"
    texts = _render(nfd, unicodedata.normalize("NFD", "Lạng Sơn"))
    assert texts == ["Nguyễn Văn Giang", "Lạng Sơn"]
    assert all(unicodedata.is_normalized("NFC", text) for text in texts)


def test_characters_xml_cannot_hold_are_removed() -> None:
    texts = _render("a\x00b\x07c\x1bd\x0ce\ufffef\uffffg\ud800h", "x\x01y")
    assert texts == ["abcdefgh", "xy"]


def test_tabs_and_newlines_survive_as_tabs_and_line_breaks() -> None:
    data = render_docx(SIMPLE, {"title": "dòng 1\ndòng 2\r\ndòng 3\rcột\t2", "people": []})
    paragraph = Document(io.BytesIO(data)).paragraphs[0]
    assert paragraph.text == "dòng 1\ndòng 2\ndòng 3\ncột\t2"
    assert len(paragraph._p.findall(".//" + qn("w:br"))) == 3


def test_a_ten_thousand_character_field_renders_whole() -> None:
    long = ("Phòng, chống mại dâm & <tệ nạn> xã hội. " * 300)[:10_000]
    assert len(long) == 10_000
    assert _render(long) == [long]


def test_two_renders_are_byte_identical() -> None:
    context = {"title": "Kế hoạch", "people": [{"name": "Nguyễn Văn Giang"}]}
    first = render_docx(SIMPLE, context)
    second = render_docx(SIMPLE, context)
    assert hashlib.sha256(first).hexdigest() == hashlib.sha256(second).hexdigest()
    with zipfile.ZipFile(io.BytesIO(first)) as package:
        assert {info.date_time for info in package.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_core_properties_come_from_the_issue_date_not_the_clock() -> None:
    template = _template("{{ title }} {{ issue_date_iso }}")
    dated = render_docx(template, {"title": "x", "issue_date_iso": "2023-04-05"})
    props = Document(io.BytesIO(dated)).core_properties
    stamps = {
        stamp.replace(tzinfo=None) for stamp in (props.created, props.modified, props.last_printed)
    }
    assert stamps == {datetime(2023, 4, 5)}
    assert props.revision == 1
    draft = Document(io.BytesIO(render_docx(template, {"title": "x", "issue_date_iso": ""})))
    assert draft.core_properties.created.replace(tzinfo=None) == datetime(1980, 1, 1)
    with pytest.raises(TemplateError, match="issue_date_iso"):
        render_docx(template, {"title": "x", "issue_date_iso": "05/4/2023"})


def test_each_render_starts_from_the_template_bytes() -> None:
    first = _render("Một", "A")
    assert _render("Hai") == ["Hai"]
    assert _render("Một", "A") == first


@pytest.mark.parametrize(
    "code",
    [
        "{{ cycler.__init__.__globals__ }}",
        "{{ ''.__class__.__mro__ }}",
        "{{ title.__class__ }}",
        "{{ lipsum.__globals__ }}",
        "{% for c in ''.__class__.__mro__[1].__subclasses__() %}{{ c }}{% endfor %}",
    ],
)
def test_unsafe_templates_are_refused(code: str) -> None:
    template = _template(code)
    with pytest.raises(TemplateError, match=r"^unsafe template code: "):
        check_template(template, PROVIDED, {"title": "x", "people": []})
    with pytest.raises(TemplateError, match=r"^unsafe template code: "):
        render_docx(template, {"title": "x", "people": []})


def test_a_mutating_template_is_refused() -> None:
    template = _template("{{ people.append(1) }}")
    with pytest.raises(TemplateError, match=r"^unsafe template code: "):
        check_template(template, PROVIDED, {"title": "x", "people": []})


def test_unknown_names_are_reported_sorted_by_name() -> None:
    template = _template("{{ title }} {{ zeta }}", "{% if alpha %}{{ beta.name }}{% endif %}")
    with pytest.raises(TemplateError, match=r"^unknown variables: alpha, beta, zeta$"):
        check_template(template, PROVIDED, {"title": "x", "people": []})


def test_template_variables_lists_top_level_names_only() -> None:
    assert template_variables(SIMPLE) == PROVIDED
    assert template_variables(_template("{{ cycler }} {{ range(3)|list }}")) == set()


def test_names_in_page_headers_count() -> None:
    doc = Document()
    doc.add_paragraph("{{ title }}")
    doc.sections[0].header.paragraphs[0].text = "{{ running_head }}"
    out = io.BytesIO()
    doc.save(out)
    assert template_variables(out.getvalue()) == {"title", "running_head"}


def test_syntax_errors_name_the_line() -> None:
    template = _template("Đầu", "{% for x in people %}{{ x }}")
    with pytest.raises(TemplateError, match=r"^template syntax error: .* line \d+"):
        check_template(template, PROVIDED, {"title": "x", "people": []})


def test_a_misspelt_field_fails_the_trial_render() -> None:
    template = _template("{%p for person in people %}", "{{ person.nmae }}", "{%p endfor %}")
    with pytest.raises(TemplateError, match="undefined"):
        check_template(template, PROVIDED, {"title": "x", "people": [{"name": "A"}]})


def _zip_without_document() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        package.writestr("hello.txt", "xin chào")
    return out.getvalue()


@pytest.mark.parametrize(
    "garbage", [b"", b"not a docx at all", b"PK\x03\x04junk", _zip_without_document()]
)
def test_garbage_bytes_are_refused(garbage: bytes) -> None:
    context: dict[str, Any] = {"title": "x", "people": []}
    with pytest.raises(TemplateError, match=r"^not a valid DOCX file$"):
        template_variables(garbage)
    with pytest.raises(TemplateError, match=r"^not a valid DOCX file$"):
        render_docx(garbage, context)
    with pytest.raises(TemplateError, match=r"^not a valid DOCX file$"):
        check_template(garbage, PROVIDED, context)


def test_a_sound_template_passes_the_check() -> None:
    check_template(SIMPLE, PROVIDED, {"title": "x", "people": [{"name": "A"}]})
