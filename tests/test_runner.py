"""The runner's own rules: a live job keeps its lease, waiting uses no attempt, and every way a
job ends runs its kind's hook in the same transaction. Plain jobs, no Celery."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import update

from service import jobs, runner
from service.database import transaction
from service.models import Job
from service.timeutil import utcnow
from workflows.vocabulary import JobKind, JobState

# The mechanism itself is under test here, so the lease is tiny on purpose: the handler below
# runs for several leases, which only a heartbeat can survive.
LEASE = 1


@pytest.fixture
def job_id(app: Flask) -> Iterator[int]:
    with app.app_context():
        with transaction() as db:
            job = jobs.enqueue(db, JobKind.RENDER, "test:1")
            ident = job.id
        yield ident


def _job(job_id: int) -> Job:
    with transaction() as db:
        job = db.get(Job, job_id)
        assert job is not None
        db.expunge(job)
        return job


def test_a_live_job_keeps_its_lease_for_as_long_as_it_runs(job_id: int) -> None:
    taken_meanwhile: list[bool] = []
    inside = threading.Event()

    def long_handler(_job: Job) -> None:
        inside.set()
        threading.Event().wait(4 * LEASE)  # four leases long
        with transaction() as db:  # another worker, given the doorbell again, tries to take it
            taken_meanwhile.append(jobs.claim(db, job_id, LEASE))

    kinds = {JobKind.RENDER: runner.Kind(long_handler)}
    assert runner.execute(job_id, kinds, LEASE) == runner.Outcome.DONE
    assert inside.is_set() and taken_meanwhile == [False]
    job = _job(job_id)
    assert job.state == JobState.DONE and job.attempts == 1


def test_a_dead_workers_job_is_due_again_once_its_lease_lapses(job_id: int) -> None:
    with transaction() as db:  # claimed, and then its worker died: nobody renews the lease
        assert jobs.claim(db, job_id, LEASE)
        db.execute(
            update(Job).where(Job.id == job_id).values(lease_until=utcnow() - timedelta(seconds=1))
        )
    with transaction() as db:
        assert (job_id, JobKind.RENDER) in runner.sweep(db, {}, grace_seconds=60.0)
        assert jobs.claim(db, job_id, LEASE)


def test_waiting_uses_no_attempt_until_the_wait_limit(job_id: int) -> None:
    def not_yet(_job: Job) -> None:
        raise runner.NotYet("Đang chờ bản PDF", delay=0.0)

    kinds = {JobKind.RENDER: runner.Kind(not_yet)}
    for _ in range(JobKind.RENDER.attempts + 2):  # more runs than the kind has attempts
        assert runner.execute(job_id, kinds, LEASE) == runner.Outcome.WAITING
    job = _job(job_id)
    assert (job.state, job.attempts, job.last_error) == (JobState.QUEUED, 0, "Đang chờ bản PDF")

    with transaction() as db:  # waited for longer than any dependency should take
        db.execute(
            update(Job)
            .where(Job.id == job_id)
            .values(created_at=utcnow() - runner.WAIT_LIMIT - timedelta(minutes=1))
        )
    assert runner.execute(job_id, kinds, LEASE) == runner.Outcome.RETRY
    assert _job(job_id).attempts == 1


def test_each_end_runs_its_hook_in_the_deciding_transaction(job_id: int) -> None:
    seen: list[tuple[str, str, str]] = []

    def hook(name: str) -> runner.Hook:
        return lambda _db, job: seen.append((name, job.state, job.last_error))

    def fails(_job: Job) -> None:
        raise RuntimeError("hỏng")

    kinds = {
        JobKind.RENDER: runner.Kind(fails, given_up=hook("given_up"), retrying=hook("retrying"))
    }
    with transaction() as db:
        db.execute(update(Job).where(Job.id == job_id).values(max_attempts=2))
    assert runner.execute(job_id, kinds, LEASE) == runner.Outcome.RETRY
    with transaction() as db:
        db.execute(update(Job).where(Job.id == job_id).values(run_after=utcnow()))
    assert runner.execute(job_id, kinds, LEASE) == runner.Outcome.FAILED
    assert seen == [
        ("retrying", JobState.QUEUED, "RuntimeError: hỏng"),
        ("given_up", JobState.FAILED, "RuntimeError: hỏng"),
    ]


def _dead_pid() -> int:
    """The pid of a process that has exited and been reaped."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def test_a_dead_pool_process_job_is_taken_over_at_once(job_id: int, tmp_path: Path) -> None:
    """Celery redelivers a killed pool process's message at once: the job's lease is still live,
    but its recorded holder is gone, so the redelivery takes it instead of waiting the lease."""
    holdings = runner.Holdings.of(tmp_path, "w1")
    with transaction() as db:
        assert jobs.claim(db, job_id, lease_seconds=300)  # long: only the take-over can help
    dead = runner.Holding(job_id, 1, _dead_pid(), socket.gethostname())
    holdings.folder.mkdir(parents=True)
    (holdings.folder / f"w1-{job_id}-1-{dead.pid}@{dead.host}").touch()
    assert holdings.held(job_id) == [dead] and dead.orphaned

    ran: list[int] = []
    kinds = {JobKind.RENDER: runner.Kind(lambda job: ran.append(job.attempts))}
    assert runner.execute(job_id, kinds, LEASE, holdings) == runner.Outcome.DONE
    assert ran == [2] and holdings.held() == []
    job = _job(job_id)
    assert (job.state, job.attempts) == (JobState.DONE, 2)


def test_a_live_holder_keeps_its_job(job_id: int, tmp_path: Path) -> None:
    holdings = runner.Holdings.of(tmp_path, "w1")
    with transaction() as db:
        assert jobs.claim(db, job_id, lease_seconds=300)
    live = holdings.hold(job_id, 1)  # this very process: alive
    assert not live.orphaned
    kinds = {JobKind.RENDER: runner.Kind(lambda _job: None)}
    assert runner.execute(job_id, kinds, LEASE, holdings) == runner.Outcome.SKIPPED
    assert _job(job_id).state == JobState.RUNNING and holdings.held() == [live]


def test_the_sweep_hands_back_a_dead_pool_process_job_of_any_worker(
    job_id: int, tmp_path: Path
) -> None:
    """A pool child killed while its worker lives on: nobody may redeliver its message soon (it
    goes to the back of the queue), so the sweep finds the dead holder and hands the job back,
    whichever worker it belonged to, and leaves a live holder's job alone."""
    with transaction() as db:
        assert jobs.claim(db, job_id, lease_seconds=300)
        other = jobs.enqueue(db, JobKind.RENDER, "other")
        db.flush()
        other_id = other.id
        assert jobs.claim(db, other_id, lease_seconds=300)
    dead_pid = _dead_pid()
    host = socket.gethostname()
    folder = runner.Holdings.of(tmp_path, "w1").folder
    folder.mkdir(parents=True)
    (folder / f"w2-{job_id}-1-{dead_pid}@{host}").touch()
    alive = runner.Holdings.of(tmp_path, "w1").hold(other_id, 1)

    kinds = {JobKind.RENDER: runner.Kind(lambda _job: None)}
    assert runner.hand_back_orphans(tmp_path, kinds) == [job_id]
    handed = _job(job_id)
    assert (handed.state, handed.attempts) == (JobState.QUEUED, 1)
    assert _job(other_id).state == JobState.RUNNING
    assert runner.Holdings.of(tmp_path, "w2").held() == []
    assert runner.Holdings.of(tmp_path, "w1").held() == [alive]
