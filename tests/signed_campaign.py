"""A demo campaign driven and signed in the test process, as `vanthu demo` does with workers."""

from __future__ import annotations

from pathlib import Path

from service.commands.demo_keys import ensure_demo_keys
from service.config import Config
from service.database import transaction
from service.demo import drive_campaign, sign_documents
from service.seed.load import load_demo
from tests.jobs_helper import run_due_jobs


def signing_config(var_dir: Path, database_url: str, **settings: object) -> Config:
    """The test configuration with signing on (the demo CA is made by `signed_demo`)."""
    return Config(
        var_dir=var_dir, database_url=database_url, broker_url="memory://", signing="on", **settings
    )  # type: ignore[arg-type]


def signed_demo(config: Config) -> int:
    """The demo campaign, every document issued, converted, signed in order and mailed; inside
    an application context. Returns the campaign's id."""
    with transaction() as db:
        campaign_id = load_demo(db, new_campaign=True).id
        ensure_demo_keys(db, config)
    drive_campaign(campaign_id)
    run_due_jobs()
    sign_documents(campaign_id, config, run_due_jobs)
    return campaign_id
