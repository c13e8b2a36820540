"""Entry point for `celery -A workers.celery_app worker|beat`, as in Flask's Celery example.

The Flask app carries the Celery app (`service.broker`), so every task runs inside its
application context; the tasks themselves are registered by importing `workers.tasks`.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Any

from celery import concurrency
from celery.concurrency.prefork import TaskPool as PreforkPool
from celery.signals import worker_init, worker_process_shutdown, worker_ready, worker_shutdown

from service import health
from service.app import create_app
from workers import pdf, tasks  # noqa: F401  (tasks registers the Celery tasks)
from workers.pdf import shared

log = logging.getLogger(__name__)
flask_app = create_app()
celery = flask_app.extensions["celery"]
if celery.conf.worker_pool == "prefork":  # the default, whenever a broker server is used
    celery.conf.worker_pool = "workers.pool:TaskPool"
_pdf_server: list[shared.Server] = []


@worker_init.connect
def size_for_conversions(sender: Any, **_kwargs: Any) -> None:
    """A worker on the convert queue runs at least one job per warm LibreOffice it may convert
    on (`VANTHU_PDF_INSTANCES`), so that the queue spreads documents across all of them."""
    instances = flask_app.config["VANTHU"].pdf_instances
    if "convert" in sender.app.amqp.queues.consume_from and isinstance(sender.concurrency, int):
        sender.concurrency = max(sender.concurrency, instances)


@worker_init.connect
def share_converter(sender: Any, **_kwargs: Any) -> None:
    """A prefork worker's pool processes convert on one set of warm LibreOffice instances of
    the worker's own, which outlive any pool process killed mid-job (`workers.pdf.shared`)."""
    pool = concurrency.get_implementation(sender.pool_cls)
    if isinstance(pool, type) and issubclass(pool, PreforkPool):
        size = flask_app.config["VANTHU"].pdf_instances
        _pdf_server.append(shared.Server(size=size).start())


@worker_process_shutdown.connect
@worker_shutdown.connect  # the threads pool (embedded default) has no pool processes
def close_converter(**_kwargs: Any) -> None:
    """Stop this process's LibreOffice with it (prefork children may skip exit handlers), and
    the worker's shared instances with the worker."""
    pdf.get_converter().close()
    while _pdf_server:
        _pdf_server.pop().stop()


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
