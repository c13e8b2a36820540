"""The PDF settings: read from the environment, refused at start when wrong, and sizing the
workers on the convert queue (one job at a time per warm LibreOffice)."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from service.config import Config
from workers import celery_app

ROOT = Path(__file__).resolve().parents[1]


def test_defaults_are_one_instance_per_core_restarted_after_200(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("PDF_INSTANCES", "PDF_RESTART_AFTER", "CONVERT_TIMEOUT"):
        monkeypatch.delenv(f"VANTHU_{name}", raising=False)
    config = Config()
    assert config.pdf_instances == (os.cpu_count() or 1)
    assert config.pdf_restart_after == 200
    assert config.convert_timeout == 60.0


def test_settings_are_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VANTHU_PDF_INSTANCES", "3")
    monkeypatch.setenv("VANTHU_PDF_RESTART_AFTER", "0")  # never
    monkeypatch.setenv("VANTHU_CONVERT_TIMEOUT", "12.5")
    config = Config()
    assert (config.pdf_instances, config.pdf_restart_after, config.convert_timeout) == (3, 0, 12.5)


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("PDF_INSTANCES", "0"),
        ("PDF_INSTANCES", "-2"),
        ("PDF_INSTANCES", "1.5"),
        ("PDF_INSTANCES", "hai"),
        ("PDF_INSTANCES", ""),
        ("PDF_RESTART_AFTER", "-1"),
        ("PDF_RESTART_AFTER", "200 văn bản"),
        ("CONVERT_TIMEOUT", "0"),
        ("CONVERT_TIMEOUT", "nan"),
    ],
)
def test_a_bad_value_is_refused_naming_the_setting(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str
) -> None:
    monkeypatch.setenv(f"VANTHU_{name}", value)
    with pytest.raises(ValueError, match=f"VANTHU_{name}") as raised:
        Config()
    assert repr(value) in str(raised.value)


def test_a_worker_with_a_bad_value_stops_at_start(tmp_path: Path) -> None:
    """Before it takes any job: importing the Celery app builds the settings."""
    started = subprocess.run(
        [sys.executable, "-c", "import workers.celery_app"],
        cwd=ROOT,
        env={**os.environ, "VANTHU_VAR_DIR": str(tmp_path), "VANTHU_PDF_INSTANCES": "0"},
        capture_output=True,
        text=True,
        check=False,
    )
    assert started.returncode != 0
    assert "ValueError: VANTHU_PDF_INSTANCES phải là số nguyên từ 1 trở lên" in started.stderr


def _worker(queues: list[str], concurrency: int | str) -> SimpleNamespace:
    """What `worker_init` hands its receivers, as far as sizing reads it."""
    selected = SimpleNamespace(consume_from={queue: object() for queue in queues})
    return SimpleNamespace(
        app=SimpleNamespace(amqp=SimpleNamespace(queues=selected)), concurrency=concurrency
    )


@pytest.mark.parametrize(
    ("queues", "concurrency", "sized"),
    [
        (["convert"], 1, 3),  # one pool process per instance
        (["render", "convert", "mail", "archive", "sweep"], 1, 3),
        (["convert"], 8, 8),  # a larger -c stays
        (["render"], 1, 1),  # no conversions: left as it is
        (["convert"], "auto", "auto"),  # Celery resolves it later, to the cores
    ],
)
def test_a_convert_worker_runs_a_job_per_instance(
    monkeypatch: pytest.MonkeyPatch, queues: list[str], concurrency: int | str, sized: int | str
) -> None:
    config = dataclasses.replace(celery_app.flask_app.config["VANTHU"], pdf_instances=3)
    monkeypatch.setitem(celery_app.flask_app.config, "VANTHU", config)
    worker = _worker(queues, concurrency)
    celery_app.size_for_conversions(worker)
    assert worker.concurrency == sized
