"""Celery wired into the Flask app, as in Flask's own Celery example: the broker only rings a
doorbell, the job table holds the work.

The web process needs the Celery app to ring; `workers.celery_app` builds the Flask app so that
`celery -A workers.celery_app worker|beat` runs every task inside its application context.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, Task
from flask import Flask

from service.config import Config

EMBEDDED_TRANSPORT = "service.embedded_broker:Transport"


# Celery's own stop for a render that runs away (prefork pools; the sandbox and the worker's
# alarm stop it first): soft, then hard, in seconds.
RENDER_TIME_LIMITS = (45, 60)


def task_limits(queue: str) -> dict[str, int]:
    """The time limits a job on `queue` is sent with: only renders have them (a conversion has
    the converter's own time-out, a case file may take long)."""
    if queue != "render":
        return {}
    soft, hard = RENDER_TIME_LIMITS
    return {"soft_time_limit": soft, "time_limit": hard}


# The embedded default's one worker process runs every queue: a thread per core converts (each
# on its own warm LibreOffice, workers.pdf) while as many again render and send. Elsewhere a
# worker runs one job at a time unless its `-c` says otherwise.
EMBEDDED_THREADS = 2 * (os.cpu_count() or 1)
# Lower is sooner, on Redis and the embedded broker alike: a job's doorbell rings at the default,
# and work taken back from a dead worker (or found late by the sweep) as urgent, so that it runs
# next instead of behind a campaign's backlog.
DEFAULT_PRIORITY = 5
URGENT_PRIORITY = 0


def broker_settings(config: Config) -> dict[str, Any]:
    """Celery settings for the configured broker (the embedded default needs no server)."""
    options: dict[str, Any] = {}
    embedded: dict[str, Any] = {}
    if config.is_embedded_broker:
        folder = config.var_dir / "broker"
        folder.mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "control_folder": str(folder / "control"),
            "polling_interval": 0.1,
        }
        # Atomic messages, and a bad one set aside (service.embedded_broker). The threads pool:
        # over this transport prefork children share one locked queue, and a child killed while
        # holding its lock (the OOM killer) leaves its replacement waiting on it for good.
        embedded = {
            "broker_transport": EMBEDDED_TRANSPORT,
            "worker_pool": "threads",
            "worker_concurrency": EMBEDDED_THREADS,
        }
    elif config.broker_url.startswith("redis"):
        options = {"visibility_timeout": 3600, "socket_connect_timeout": 5}
    return {
        "broker_url": config.broker_url,
        "broker_transport_options": options,
        "broker_connection_retry_on_startup": True,
        "task_ignore_result": True,
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        # A killed pool process's message goes back to the queue after this wait for a result
        # it might have sent (10 s by default); results are never sent here, so waiting only
        # holds up the killed job and, with one process per worker, every job behind it.
        "worker_lost_wait": 1.0,
        "worker_prefetch_multiplier": 1,
        "worker_concurrency": 1,
        "task_default_queue": "render",
        "task_create_missing_queues": True,
        "worker_hijack_root_logger": False,
        "beat_schedule": {
            "sweep": {
                "task": "vanthu.sweep",
                "schedule": config.sweep_seconds,
                "options": {"queue": "sweep", "expires": config.sweep_seconds},
            }
        },
        **embedded,
    }


def celery_init_app(app: Flask) -> Celery:
    """Attach a Celery app whose tasks run inside `app`'s context."""

    class FlaskTask(Task):  # type: ignore[misc]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            with app.app_context():
                return self.run(*args, **kwargs)

    celery = Celery(app.name, task_cls=FlaskTask)
    celery.config_from_object(broker_settings(app.config["VANTHU"]))
    celery.set_default()
    app.extensions["celery"] = celery
    return celery
