"""Entry point for `celery -A workers.celery_app worker|beat`, as in Flask's Celery example.

The Flask app carries the Celery app (`service.broker`), so every task runs inside its
application context; the tasks themselves are registered by importing `workers.tasks`.
"""

from __future__ import annotations

from typing import Any

from celery.signals import worker_process_shutdown

from service.app import create_app
from workers import pdf, tasks  # noqa: F401  (tasks registers the Celery tasks)

flask_app = create_app()
celery = flask_app.extensions["celery"]


@worker_process_shutdown.connect
def close_converter(**_kwargs: Any) -> None:
    """Stop this process's LibreOffice with it (prefork children may skip exit handlers)."""
    pdf.get_converter().close()
