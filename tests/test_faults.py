"""Fault injection against real services at the shipped lease and sweep: killed workers and
pool children, a restarted Redis. After each, nothing is left claiming to be under way.

Each test prints its figures (kills survived, documents checked) with `-s`.
"""

from __future__ import annotations

import random
import shutil
import time
from pathlib import Path

import pytest

from bench import chaos
from bench.chaos import issued_numbers, missing_files, private_redis
from bench.env import Backend
from service import processes
from service.app import create_app
from service.config import Config
from service.database import session, transaction
from service.documents.libreoffice import libreoffice_available
from service.seed.synthetic import synthetic_campaign
from tests.chaos import Workers, assert_consistent, drive_in_background, settle, worker_env
from tests.conftest import POSTGRES_URL, need

pytestmark = pytest.mark.slow
TARGETS = 50
KILLS = 20


def _check(campaign_id: int, counts: dict[str, int]) -> int:
    assert counts.get("failed", 0) == 0 and set(counts) == {"done"}, counts
    numbers = issued_numbers(campaign_id)
    for register_id, values in numbers.items():
        assert sorted(values) == list(range(1, len(values) + 1)), (register_id, values)
    assert missing_files(campaign_id) == []
    assert_consistent()
    return sum(len(v) for v in numbers.values())


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_workers_killed_twenty_times(tmp_path: Path, database_url: str) -> None:
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    with private_redis(tmp_path) as (redis_url, _restart):
        config = Config(var_dir=tmp_path / "var", database_url=database_url, broker_url=redis_url)
        create_app(config)
        with transaction() as db:
            campaign_id = synthetic_campaign(db, TARGETS).id
        env = worker_env(config)
        workers = Workers(env)
        workers.start()
        rng = random.Random(20231)
        beat = processes.beat_command(str(tmp_path / "beat-schedule"))
        try:
            with processes.children(beat, env=env):
                driver, errors = drive_in_background(campaign_id)
                while workers.kills < KILLS:
                    time.sleep(rng.uniform(0.5, 2.5))
                    workers.kill_one(rng)
                driver.join()
                assert errors == []
                counts = settle(campaign_id)
        finally:
            workers.stop()
    documents = _check(campaign_id, counts)
    print(
        f"\nkills survived: {workers.kills}; documents issued once each: {documents}; "
        f"jobs done: {counts.get('done')}"
    )
    session.remove()


@pytest.mark.parametrize("database_url", ["postgres"], indirect=True)
def test_redis_restarted_without_persistence(tmp_path: Path, database_url: str) -> None:
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    with private_redis(tmp_path) as (redis_url, restart):
        config = Config(var_dir=tmp_path / "var", database_url=database_url, broker_url=redis_url)
        create_app(config)
        with transaction() as db:
            campaign_id = synthetic_campaign(db, TARGETS).id
        env = worker_env(config)
        workers = Workers(env)
        workers.start()
        beat = processes.beat_command(str(tmp_path / "beat-schedule"))
        try:
            with processes.children(beat, env=env):
                driver, errors = drive_in_background(campaign_id)
                time.sleep(3)
                restart()  # every queued message is gone
                driver.join()
                time.sleep(2)
                restart()
                assert errors == []
                counts = settle(campaign_id)
        finally:
            workers.stop()
    documents = _check(campaign_id, counts)
    print(f"\nRedis restarted twice; documents complete: {documents}; jobs: {counts}")
    session.remove()


def test_pool_children_killed_during_the_demo(tmp_path: Path) -> None:
    """Issue 14, small: five worker pool children SIGKILLed at random moments of `vanthu demo`
    (PostgreSQL, Redis, prefork): every killed job is taken again, every document is issued once
    with gapless numbers and has its files, every e-mail is in the outbox, the case file is built
    and nothing is left claiming to be under way (`python -m bench.chaos` times the same, at 20)."""
    need(libreoffice_available() is not None, "LibreOffice is not installed")
    need(shutil.which("redis-server") is not None, "redis-server is not installed")
    need(bool(POSTGRES_URL), "VANTHU_TEST_POSTGRES_URL is not set")
    with private_redis(tmp_path) as (redis_url, _restart):
        backend = Backend(tmp_path, POSTGRES_URL, redis_url)
        run = chaos.demo_run(backend, "killed", 5, random.Random(14), 1, horizon=40.0)
    assert run.problems == []
    held = [k for k in run.kills if k.job_id is not None]
    assert len(run.kills) == 5 and [k.job_id for k in held if k.retaken_s is None] == []
    print(f"\n{len(run.kills)} pool children killed, {len(held)} holding a job; all taken again")
    session.remove()
