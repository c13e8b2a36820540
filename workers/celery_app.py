"""Entry point for `celery -A workers.celery_app worker|beat`, as in Flask's Celery example.

The Flask app carries the Celery app (`service.broker`), so every task runs inside its
application context; the tasks themselves are registered by importing `workers.tasks`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery.signals import worker_process_shutdown, worker_ready, worker_shutdown

from service import health
from service.app import create_app
from workers import pdf, tasks  # noqa: F401  (tasks registers the Celery tasks)

log = logging.getLogger(__name__)
flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_shutdown.connect
@worker_shutdown.connect  # the threads pool (embedded default) has no pool processes
def close_converter(**_kwargs: Any) -> None:
    """Stop this process's LibreOffice with it (prefork children may skip exit handlers)."""
    pdf.get_converter().close()


@worker_ready.connect
def start_heartbeat(sender: Any, **_kwargs: Any) -> None:
    """Tell `/readyz` this worker is alive for as long as its process is (embedded default)."""
    config = flask_app.config["VANTHU"]
    if not config.is_embedded_broker:
        return  # `/readyz` asks the worker over the broker instead

    def beat() -> None:
        while True:
            try:
                health.beat(config, sender.hostname)
            except OSError as error:
                log.warning("could not record the worker's heartbeat: %s", error)
            time.sleep(health.HEARTBEAT_SECONDS)

    threading.Thread(target=beat, name="heartbeat", daemon=True).start()
