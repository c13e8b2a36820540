"""Entry point for `celery -A workers.worker worker|beat`: the Flask app carries the Celery app."""

from service.app import create_app
from workers import tasks  # noqa: F401  (registers the tasks)

flask_app = create_app()
celery = flask_app.extensions["celery"]
