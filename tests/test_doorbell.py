"""Work taken back from a dead worker, or found late by the sweep, rings as urgent: on Redis and
on the embedded broker alike it is delivered before the backlog already waiting in its queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from kombu import Connection

from service import jobs
from service.app import create_app
from service.broker import broker_settings
from service.config import Config
from tests.conftest import REDIS_URL, need
from workflows.vocabulary import JobKind


@pytest.fixture(params=["embedded", "redis"])
def broker_config(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Config]:
    if request.param == "redis":
        need(bool(REDIS_URL), "needs Redis (VANTHU_TEST_REDIS_URL)")
        redis.Redis.from_url(REDIS_URL).flushdb()
        url = REDIS_URL
    else:
        url = "filesystem://"
    yield Config(
        var_dir=tmp_path / "var",
        database_url=f"sqlite:///{tmp_path / 'vanthu.sqlite'}",
        broker_url=url,
    )
    if request.param == "redis":
        redis.Redis.from_url(REDIS_URL).flushdb()


def _delivered(config: Config, queue: str, count: int) -> list[int]:
    """The job ids of the next `count` messages a worker of `queue` receives."""
    settings = broker_settings(config)
    with Connection(
        settings["broker_url"],
        transport=settings.get("broker_transport"),
        transport_options=settings["broker_transport_options"],
    ) as connection:
        simple = connection.SimpleQueue(queue)
        ids = []
        for _ in range(count):
            message = simple.get(timeout=10)
            ids.append(message.payload[0][0])  # Celery's protocol 2 body: (args, kwargs, embed)
            message.ack()
        simple.close()
    return ids


def test_an_urgent_ring_goes_before_the_backlog(broker_config: Config) -> None:
    create_app(broker_config)  # installs the doorbell of this configuration
    try:
        for job_id in (1, 2):
            jobs.ring(job_id, JobKind.RENDER)
        jobs.ring(3, JobKind.RENDER, urgent=True)
        assert _delivered(broker_config, JobKind.RENDER.queue, 3) == [3, 1, 2]
    finally:
        jobs.set_doorbell(None)
