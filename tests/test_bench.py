"""`python -m bench` at smoke-test sizes: every piece runs and results.json has every key.

No timing is asserted: the figures at these sizes mean nothing, only their shape does.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import bench.__main__ as bench_main
from bench.__main__ import (
    README,
    README_BEGIN,
    README_END,
    REQUIRED,
    STAGES,
    TINY,
    Sizes,
    lookup,
    run,
    write_readme,
)
from bench.api import percentile
from bench.env import Backend
from bench.memory import peak_mb, tree_peaks
from service.documents.libreoffice import libreoffice_available
from tests.conftest import need

ROOT = Path(__file__).resolve().parents[1]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 0.5) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile([7.0], 0.95) == 7.0


def test_peak_memory_of_a_process_tree() -> None:
    peaks = tree_peaks(os.getpid())
    assert peaks[0].pid == os.getpid() and peaks[0].peak_mb > 0
    assert peak_mb(2**22 + 12345) == 0.0  # no such process


def test_only_measures_again_and_keeps_the_other_stages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out, backend = tmp_path / "results.json", Backend(tmp_path)
    monkeypatch.setattr(bench_main.render, "measure", lambda *_args: {"ratio_pipeline_to_raw": 2})
    with pytest.raises(SystemExit, match="does not exist"):
        run(TINY, backend, out, ("render",))
    earlier = {"run": {"sizes": {}, "backend": backend.name}, "api": {"p95_ms": 9}}
    out.write_text(json.dumps(earlier))
    with pytest.raises(SystemExit, match="other sizes"):
        run(TINY, backend, out, ("render",))
    earlier["run"] = {"sizes": json.loads(json.dumps(asdict(TINY))), "backend": backend.name}
    out.write_text(json.dumps(earlier))
    results = run(TINY, backend, out, ("render",))
    assert results["api"] == {"p95_ms": 9} and results["render"] == {"ratio_pipeline_to_raw": 2}
    assert set(results["run"]["measured"]) == {"render"}
    assert json.loads(out.read_text()) == results
    with pytest.raises(SystemExit, match="other sizes"):
        run(Sizes(), backend, out, ("render",))


def test_readme_figures_are_written_between_the_markers_only(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bench_main, "table", lambda results: f"table {results['render']['x']}")
    monkeypatch.setattr(bench_main.render, "table", lambda figures: "engines")
    readme = tmp_path / "README.md"
    readme.write_text(f"before\n{README_BEGIN}\nold\n{README_END}\nafter\n")
    measured = {"render": "2026-12-01T22:00:00+00:00"}
    info = {"backend": "SQLite", "machine": "m", "python": "3.11", "measured": measured}
    results = {"run": info, "render": {"x": 1}}
    write_readme(results, readme)
    text = readme.read_text()
    assert text.startswith(f"before\n{README_BEGIN}\n") and text.endswith(f"{README_END}\nafter\n")
    assert "table 1" in text and "engines" in text and "old" not in text
    write_readme(results, readme)
    assert readme.read_text() == text
    readme.write_text("no markers")
    with pytest.raises(SystemExit, match="markers"):
        write_readme(results, readme)
    assert README_BEGIN in README.read_text() and README_END in README.read_text()


@pytest.mark.slow
def test_bench_runs_at_tiny_sizes(tmp_path: Path) -> None:
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    out = tmp_path / "results.json"
    # The embedded backend: no PostgreSQL schema or Redis db shared with a `make bench` running.
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--tiny", "--embedded", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    assert "SQLite" in proc.stdout and "ratio" in proc.stdout
    results = json.loads(out.read_text())
    for path in REQUIRED:
        value = lookup(results, path)
        assert isinstance(value, int | float) and not isinstance(value, bool), (path, value)
    # scale_embedded drives the campaign again on SQLite only when the run's backend is not it.
    assert list(results["run"]["measured"]) == [s for s in STAGES if s != "scale_embedded"]
    assert results["scale"]["small"]["documents"] == 2 * 1 + 3
    assert results["scale"]["large"]["emails"] > 0
    assert results["notices"]["notices"] == TINY.notices
    assert f"notices {TINY.notices} targets" in proc.stdout


@pytest.mark.slow
def test_notices_scenario_issues_converts_mails_and_says_where_the_time_goes() -> None:
    """`python -m bench.notices` on the embedded default: every notice issued, converted and
    mailed, and the time of each kind of job (render, convert, send) printed."""
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    proc = subprocess.run(
        [sys.executable, "-m", "bench.notices", "--targets", "3"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-4000:]
    printed, _, table = proc.stdout.partition("\nnotices 3 targets")
    figures = json.loads(printed)
    assert "SQLite" in figures["backend"]
    assert figures["notices"] == 3 and figures["emails"] >= 3
    kinds = figures["by_kind"]
    assert kinds["render"]["jobs"] == kinds["convert"]["jobs"] == 3
    assert kinds["send"]["jobs"] == figures["emails"]
    for kind in ("render", "convert", "send"):
        assert kinds[kind]["runs"] >= kinds[kind]["jobs"]
        assert kind in table and "broker wait" in table
    for key in ("total_s", "notices_per_s", "worker_cpu_s"):
        assert isinstance(figures[key], float), key
