"""Issue 12 items 4, 5 and 13: what a hostile template can no longer do, and a replaced template
taking effect on the next draft."""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from docx import Document as Docx
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from service.database import transaction
from service.documents import render
from service.documents.render import TemplateError, check_template, render_docx
from service.documents.store import committed_template
from service.models import Job
from service.runner import Outcome
from service.seed.load import load_demo
from service.timeutil import utcnow
from tests.docx_links import linked_image_docx, with_part
from tests.jobs_helper import run_due_jobs
from workflows import docx_package
from workflows.vocabulary import JobKind, JobState

CONTEXT: dict[str, Any] = {"title": "x", "people": [], "is_draft": True}
PROVIDED = {"title", "people", "is_draft"}
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _template(*paragraphs: str) -> bytes:
    doc = Docx()
    for text in paragraphs:
        doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def _with_relationship(kind: str, target: str, external: bool) -> bytes:
    """A template whose document part has one more relationship of `kind`."""
    source = _template("{{ title }}")
    name = "word/_rels/document.xml.rels"
    with zipfile.ZipFile(io.BytesIO(source)) as package:
        rels = package.read(name).decode()
    mode = ' TargetMode="External"' if external else ""
    extra = f'<Relationship Id="rIdX" Type="{_REL_NS}/{kind}" Target="{target}"{mode}/>'
    return with_part(
        source, name, rels.replace("</Relationships>", extra + "</Relationships>").encode()
    )


# --------------------------------------------------------------------------- item 4: the package


def test_item4_linked_images_are_refused_naming_the_part() -> None:
    for url in ("http://127.0.0.1:8765/x.png", "file:///etc/vanthu/secret.png"):
        with pytest.raises(TemplateError, match=r"word/_rels/document\.xml\.rels.*liên kết"):
            check_template(linked_image_docx(url), PROVIDED, CONTEXT)


@pytest.mark.parametrize(
    "kind", ["oleObject", "aFChunk", "attachedTemplate", "frame", "control", "subDocument"]
)
def test_item4_embedded_objects_and_attached_templates_are_refused(kind: str) -> None:
    with pytest.raises(TemplateError, match=rf"word/_rels/document\.xml\.rels.*\({kind}\)"):
        check_template(_with_relationship(kind, "embeddings/x.bin", False), PROVIDED, CONTEXT)


def test_item4_external_targets_are_refused_but_hyperlinks_kept() -> None:
    with pytest.raises(TemplateError, match=r"liên kết ra ngoài tới http://evil\.example/a"):
        check_template(
            _with_relationship("image", "http://evil.example/a", True), PROVIDED, CONTEXT
        )
    hyperlink = _with_relationship("hyperlink", "https://thuvienphapluat.vn", True)
    check_template(hyperlink, PROVIDED, CONTEXT)


def test_item4_loading_fields_are_refused() -> None:
    source = _template("{{ title }}")
    with zipfile.ZipFile(io.BytesIO(source)) as package:
        body = package.read("word/document.xml")
    field = b'<w:r><w:instrText> INCLUDEPICTURE "http://evil.example/a.png" </w:instrText></w:r>'
    body = body.replace(b"</w:p>", field + b"</w:p>", 1)
    with pytest.raises(TemplateError, match=r"word/document\.xml có trường INCLUDEPICTURE"):
        check_template(with_part(source, "word/document.xml", body), PROVIDED, CONTEXT)


# --------------------------------------------------------------------------- item 5: sizes


def test_item5_a_part_too_big_unpacked_is_refused_before_it_is_read() -> None:
    bomb = with_part(_template("{{ title }}"), "word/media/big.xml", b"\0" * (11 * 1024 * 1024))
    assert len(bomb) < 100_000
    with pytest.raises(TemplateError, match=r"word/media/big\.xml lớn hơn 10 MB"):
        check_template(bomb, PROVIDED, CONTEXT)


def test_item5_a_zip_bomb_is_refused_by_its_ratio() -> None:
    bomb = with_part(_template("{{ title }}"), "word/media/bomb.bin", b"\0" * (2 * 1024 * 1024))
    with pytest.raises(TemplateError, match=r"word/media/bomb\.bin nén bất thường"):
        check_template(bomb, PROVIDED, CONTEXT)


def test_item5_too_many_parts_are_refused() -> None:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as package:
        for number in range(docx_package.MAX_PARTS + 1):
            package.writestr(f"word/media/{number}.txt", "x")
    with pytest.raises(TemplateError, match=f"{docx_package.MAX_PARTS + 1} thành phần"):
        check_template(out.getvalue(), PROVIDED, CONTEXT)


# --------------------------------------------------------------------------- item 5: the sandbox


@pytest.mark.parametrize(
    ("code", "message"),
    [
        (
            "{% for a in range(10000) %}{% for b in range(10000) %}x{% endfor %}{% endfor %}",
            "lặp hoặc gọi hàm quá",
        ),
        ("{% for a in range(100000) %}x{% endfor %}", r"range\(\) quá"),
        ("{{ '{0:>20000000}'.format(1) }}", "Độ rộng 20000000"),
        ("{{ '%020000000d' % 1 }}", "Độ rộng 20000000"),
        ("{{ '%020000000d'|format(1) }}", "Độ rộng 20000000"),
        ("{{ 'x' * 100000000 }}", "giá trị dài quá"),
        ("{{ 'x'.ljust(100000000) }}", "Độ rộng 100000000"),
        ("{{ 'x'|center(100000000) }}", "Độ rộng 100000000"),
        ("{{ ('x' * 100000)|replace('x', 'y' * 50) }}", "giá trị dài quá"),
        (
            "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
            "{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
            "giá trị dài quá",
        ),
        (
            "{% set a0 %}"
            + "x" * 64
            + "{% endset %}"
            + "".join(
                f"{{% set a{i + 1} %}}{{{{ a{i} }}}}{{{{ a{i} }}}}{{% endset %}}" for i in range(40)
            ),
            "viết ra quá",
        ),
    ],
)
def test_item5_runaway_templates_stop_at_the_sandbox_limits(code: str, message: str) -> None:
    with pytest.raises(TemplateError, match=message):
        render_docx(_template(code), CONTEXT)


def test_item5_a_loop_behind_is_draft_fails_the_check() -> None:
    template = _template(
        "{{ title }}",
        "{% if not is_draft %}{% for a in range(9000) %}{% for b in range(9000) %}"
        "{% endfor %}{% endfor %}{% endif %}",
    )
    with pytest.raises(TemplateError, match="lặp hoặc gọi hàm quá"):
        check_template(template, PROVIDED, {**CONTEXT, "is_draft": True})


def test_item5_a_render_past_its_time_budget_stops(monkeypatch: pytest.MonkeyPatch) -> None:
    ticks = iter(range(0, 10**6, 5))  # each reading of the clock is 5 s later than the last
    monkeypatch.setattr(render, "_clock", lambda: float(next(ticks)))
    with pytest.raises(TemplateError, match=r"quá thời gian cho phép \(10 giây\)"):
        render_docx(_template("{% for p in range(10) %}{{ p }}{% endfor %}"), CONTEXT)


def _spin_past(seconds: float) -> None:
    with render.time_limit(seconds):
        while True:
            pass


@pytest.mark.parametrize("where", ["main thread", "pool thread"])
def test_item5_the_worker_time_limit_interrupts_a_render(where: str) -> None:
    """In a prefork process the job runs in the main thread; in the embedded default's threads
    pool it does not: the hard stop holds in both."""
    limit = r"quá thời gian cho phép \(0.05 giây\)"
    if where == "main thread":
        with pytest.raises(render.RenderLimit, match=limit):
            _spin_past(0.05)
        return
    with ThreadPoolExecutor(1) as pool, pytest.raises(render.RenderLimit, match=limit):
        pool.submit(_spin_past, 0.05).result()


def test_item5_a_render_within_its_time_limit_is_not_interrupted_afterwards() -> None:
    with render.time_limit(0.05):
        pass
    time.sleep(0.2)  # past the limit: the timer, cancelled on leaving, raises nothing now


def test_item5_sound_templates_and_number_formats_still_render() -> None:
    text = render_docx(_template("{{ '{:,}'.format(1234567) }} {{ '%05d' % 42 }}"), CONTEXT)
    body = [p.text for p in Docx(io.BytesIO(text)).paragraphs]
    assert body == ["1,234,567 00042"]


# --------------------------------------------------------------------------- through the service


@pytest.fixture
def campaign_id(app: Flask) -> Iterator[int]:
    with app.app_context():
        with transaction() as db:
            campaign = load_demo(db).id
        yield campaign


def _put_template(client: FlaskClient, content: bytes) -> Any:
    return client.put(
        "/api/v1/templates/KH",
        data={"file": (io.BytesIO(content), "KH.docx")},
        content_type="multipart/form-data",
    )


def _with_paragraph(template: bytes, text: str) -> bytes:
    doc = Docx(io.BytesIO(template))
    doc.add_paragraph(text)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def test_item4_upload_of_a_linked_image_template_is_422(client: FlaskClient, app: Flask) -> None:
    with app.app_context():
        refused = _put_template(client, linked_image_docx("http://127.0.0.1:9/x.png"))
    assert refused.status_code == 422
    assert "word/_rels/document.xml.rels" in refused.json["detail"]["json"]["file"][0]


def _render_job_id(db: Session, document_id: int) -> int:
    return int(
        db.execute(
            select(Job.id).where(Job.kind == JobKind.RENDER, Job.document_id == document_id)
        ).scalar_one()
    )


def test_item5_a_render_over_its_limits_fails_for_good(
    client: FlaskClient, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    draft: dict[str, Any] = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}
    ).get_json()
    monkeypatch.setattr(render, "MAX_STEPS", 1)  # as if the template looped without end
    assert Outcome.FAILED in run_due_jobs()
    with transaction() as db:
        job = db.get_one(Job, _render_job_id(db, draft["id"]))
        assert job.state == JobState.FAILED and job.attempts == 1
        assert job.last_error.startswith("Không dựng được văn bản từ mẫu")  # said as it is


def test_an_accepted_template_that_will_not_open_once_is_retried(
    client: FlaskClient, campaign_id: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Unlike a render over its limits, bytes accepted before that fail to open are no reason
    to give up: the job tries again, and the next attempt renders the document."""
    draft: dict[str, Any] = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}
    ).get_json()
    real = render._open
    calls = [0]

    def once_unreadable(template_bytes: bytes) -> Any:
        calls[0] += 1
        return real(b"" if calls[0] == 1 else template_bytes)

    monkeypatch.setattr(render, "_open", once_unreadable)
    with transaction() as db:
        job_id = _render_job_id(db, draft["id"])
    assert Outcome.RETRY in run_due_jobs()
    with transaction() as db:
        job = db.get_one(Job, job_id)
        assert (job.state, job.attempts) == (JobState.QUEUED, 1)
        db.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow()))
    assert Outcome.DONE in run_due_jobs()


def test_item13_a_replaced_template_is_used_when_the_draft_is_regenerated(
    client: FlaskClient, campaign_id: int
) -> None:
    draft: dict[str, Any] = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}
    ).get_json()
    run_due_jobs()
    marker = "Ghi chú mẫu mới"
    assert (
        _put_template(client, _with_paragraph(committed_template("KH"), marker)).status_code == 201
    )
    again: dict[str, Any] = client.post(
        f"/api/v1/campaigns/{campaign_id}/documents", json={"kind": "KH"}
    ).get_json()
    assert again["id"] == draft["id"]  # the same draft, its data unchanged
    run_due_jobs()
    docx = client.get(f"/api/v1/documents/{draft['id']}/files/docx").data
    assert marker in [p.text for p in Docx(io.BytesIO(docx)).paragraphs]
