"""The inspection campaign lifecycle, in plain Python: no Flask, no Celery, no database."""
