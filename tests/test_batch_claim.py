"""A batch claim: one statement takes several due jobs of a kind, each with its own attempt and
lease; no two claimers get the same job, and what a claimer did not start is due again at once,
its attempt given back, whether it ran out of time or was killed. Plain jobs, no Celery."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from service import jobs, runner
from service.config import Config
from service.database import transaction
from service.models import Job
from workflows.vocabulary import JobKind, JobState

BATCH = 4
LEASE = 300  # long: only a hand-back, never a lapsed lease, makes these jobs due again


def _enqueue(count: int, kind: str = JobKind.RENDER) -> list[int]:
    with transaction() as db:
        return [jobs.enqueue(db, kind, f"batch:{i}").id for i in range(count)]


def _jobs(ids: list[int]) -> dict[int, tuple[str, int]]:
    with transaction() as db:
        rows = db.execute(select(Job.id, Job.state, Job.attempts).where(Job.id.in_(ids)))
        return {row.id: (row.state, row.attempts) for row in rows}


def test_two_claimers_never_get_the_same_job(app: Flask) -> None:
    with app.app_context():
        ids = _enqueue(30)
    taken: list[list[int]] = [[], []]
    start = threading.Barrier(2)

    def claimer(mine: list[int]) -> None:
        with app.app_context():
            start.wait()
            for _ in range(10):  # both ask for the same first job, the most contended case
                with transaction() as db:
                    claimed = jobs.claim_batch(db, ids[0], [JobKind.RENDER], BATCH, LEASE)
                    mine.extend(job.id for job in claimed)

    threads = [threading.Thread(target=claimer, args=(mine,)) for mine in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with app.app_context():
        with transaction() as db:  # whatever contention left unclaimed
            rest = [job.id for job in jobs.claim_batch(db, ids[0], [JobKind.RENDER], 30, LEASE)]
        everything = taken[0] + taken[1] + rest
        assert sorted(everything) == ids  # every job once, none twice
        assert set(_jobs(ids).values()) == {(JobState.RUNNING, 1)}


def test_only_batched_kinds_are_taken_with_the_rung_job(app: Flask) -> None:
    with app.app_context():
        renders = _enqueue(3)
        sends = _enqueue(3, JobKind.SEND)
        with transaction() as db:
            one = jobs.claim_batch(db, sends[1], [JobKind.RENDER], BATCH, LEASE)
            batch = jobs.claim_batch(db, renders[2], [JobKind.RENDER], BATCH, LEASE)
        assert [job.id for job in one] == [sends[1]]
        assert [job.id for job in batch] == [renders[2], renders[0], renders[1]]


def test_a_batch_runs_each_job_once_and_a_late_doorbell_takes_other_due_work(app: Flask) -> None:
    ran: list[int] = []
    kinds: runner.Kinds = {
        JobKind.RENDER: runner.Kind(lambda job: ran.append(job.id), batched=True)
    }
    with app.app_context():
        ids = _enqueue(BATCH + 2)
        outcomes = [runner.execute(job_id, kinds, LEASE, batch=BATCH) for job_id in ids]
        # the first doorbell runs the first batch; the second finds its job done, and takes
        # the two left; the others find nothing
        assert ran == ids
        assert outcomes == [runner.Outcome.DONE] + [runner.Outcome.SKIPPED] * (BATCH + 1)
        assert set(_jobs(ids).values()) == {(JobState.DONE, 1)}


def test_a_batch_out_of_time_hands_back_what_it_did_not_start(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(runner, "BATCH_SECONDS", 0.0)  # every job after the first is too late
    rung: list[tuple[int, bool]] = []
    ran: list[int] = []
    kinds: runner.Kinds = {
        JobKind.RENDER: runner.Kind(lambda job: ran.append(job.id), batched=True)
    }
    with app.app_context():
        ids = _enqueue(BATCH)
        monkeypatch.setattr(
            jobs, "ring", lambda job_id, _kind, urgent=False: rung.append((job_id, urgent))
        )
        assert runner.execute(ids[0], kinds, LEASE, batch=BATCH) == runner.Outcome.DONE
        assert ran == ids[:1]
        states = _jobs(ids)
        assert states[ids[0]] == (JobState.DONE, 1)
        assert [states[i] for i in ids[1:]] == [(JobState.QUEUED, 0)] * (BATCH - 1)
        assert rung == [(i, True) for i in ids[1:]]  # ahead of the backlog: they waited already
        # and their doorbells run them
        assert runner.execute(ids[1], kinds, LEASE, batch=1) == runner.Outcome.DONE


KILLED_CLAIMER = """
import os, signal, sys
from service import runner
from service.app import create_app
from service.config import Config
from workflows.vocabulary import JobKind

var_dir, url, first = sys.argv[1], sys.argv[2], int(sys.argv[3])
app = create_app(Config(var_dir=__import__("pathlib").Path(var_dir), database_url=url,
                        broker_url="memory://"))

def killed(job):
    os.kill(os.getpid(), signal.SIGKILL)  # the OOM killer, mid-job

kinds = {JobKind.RENDER: runner.Kind(killed, batched=True)}
with app.app_context():
    runner.execute(first, kinds, 300, runner.Holdings.of(app.config["VANTHU"].var_dir, "w1"),
                   batch=int(sys.argv[4]))
"""


def _killed_mid_batch(config: Config, ids: list[int]) -> None:
    """A worker process claims a batch and is SIGKILLed while it runs the first of them."""
    died = subprocess.run(
        [
            sys.executable,
            "-c",
            textwrap.dedent(KILLED_CLAIMER),
            *(str(config.var_dir), config.database_url, str(ids[0]), str(BATCH)),
        ],
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])},
        capture_output=True,
        text=True,
    )
    assert died.returncode == -9, died.stderr
    held = runner.Holdings.of(config.var_dir, "w1").held()
    assert sorted((h.job_id, h.waiting) for h in held) == [(ids[0], False)] + [
        (i, True) for i in ids[1:BATCH]
    ]
    assert [_jobs(ids)[i] for i in ids[:BATCH]] == [(JobState.RUNNING, 1)] * BATCH


def test_a_killed_claimers_jobs_are_handed_back_and_the_unstarted_keep_their_attempt(
    app: Flask, config: Config
) -> None:
    with app.app_context():
        ids = _enqueue(BATCH + 1)
        _killed_mid_batch(config, ids)
        # the sweep's first step, seconds later, not a lease later
        kinds: runner.Kinds = {JobKind.RENDER: runner.Kind(lambda _job: None)}
        assert sorted(runner.hand_back_orphans(config.var_dir, kinds)) == ids[:BATCH]
        states = _jobs(ids)
    assert states[ids[0]] == (JobState.QUEUED, 1)  # it ran when its worker died: counted
    assert [states[i] for i in ids[1:]] == [(JobState.QUEUED, 0)] * BATCH  # never started
    assert runner.Holdings.of(config.var_dir, "w1").held() == []


def test_a_redelivered_doorbell_takes_over_the_killed_claimers_whole_batch(
    app: Flask, config: Config
) -> None:
    """Celery redelivers a killed pool process's message at once: its job is taken over, and
    the other jobs of the dead process's batch with it, without waiting for the sweep."""
    ran: list[tuple[int, int]] = []
    kinds: runner.Kinds = {
        JobKind.RENDER: runner.Kind(lambda job: ran.append((job.id, job.attempts)), batched=True)
    }
    holdings = runner.Holdings.of(config.var_dir, "w1")
    with app.app_context():
        ids = _enqueue(BATCH)
        _killed_mid_batch(config, ids)
        assert runner.execute(ids[0], kinds, LEASE, holdings, BATCH) == runner.Outcome.DONE
        assert sorted(ran) == [(ids[0], 2)] + [(i, 1) for i in ids[1:]]
        assert set(_jobs(ids).values()) == {(JobState.DONE, 2), (JobState.DONE, 1)}
    assert holdings.held() == []
