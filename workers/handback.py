"""`python -m workers.handback HOLDER STOPPED|DIED`: put back in the queue the jobs a worker
process held when it stopped or died, so that they run again now rather than when their lease
runs out. The supervisor (`service.processes`) runs it once it has reaped that process; it runs
here, in the worker's set-up, so every job kind's hand-back hook is registered.
"""

from __future__ import annotations

import logging
import sys

from service import runner
from workers.celery_app import flask_app
from workers.kinds import KINDS

log = logging.getLogger(__name__)


def main(holder: str, how: str) -> None:
    config = flask_app.config["VANTHU"]
    holdings = runner.Holdings.of(config.var_dir, holder)
    with flask_app.app_context():
        handed = runner.hand_back(
            holdings, KINDS, refund=how == "stopped", reason=runner.REASONS[how]
        )
    if handed:
        print(f"handed back jobs {handed} held by {holder} ({how})", file=sys.stderr)


if __name__ == "__main__":
    main(*sys.argv[1:3])
