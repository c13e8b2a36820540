"""Celery wired into the Flask app, as in Flask's own Celery example: the broker only rings a
doorbell, the job table holds the work.

The web process needs the Celery app to ring; `workers.celery_app` builds the Flask app so that
`celery -A workers.celery_app worker|beat` runs every task inside its application context.
"""

from __future__ import annotations

from typing import Any

from celery import Celery, Task
from flask import Flask

from service.config import Config


def broker_settings(config: Config) -> dict[str, Any]:
    """Celery settings for the configured broker (the embedded default needs no server)."""
    options: dict[str, Any] = {}
    if config.is_embedded_broker:
        folder = config.var_dir / "broker"
        (folder / "processed").mkdir(parents=True, exist_ok=True)
        options = {
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
            "polling_interval": 0.1,
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
        "worker_prefetch_multiplier": 1,
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
