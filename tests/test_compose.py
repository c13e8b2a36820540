"""docker-compose.yml parses and every service's command names a real entry point.

No Docker engine runs here, so this is what can be checked without one.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner

from service.cli import main

ROOT = Path(__file__).resolve().parents[1]


def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return data


def test_compose_has_the_production_services() -> None:
    services = compose()["services"]
    assert {"web", "worker", "beat", "redis", "postgres", "mailpit"} <= set(services)
    redis_command = " ".join(services["redis"]["command"])
    assert "--appendonly yes" in redis_command and "noeviction" in redis_command
    env = services["web"]["environment"]
    assert env["VANTHU_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert env["VANTHU_BROKER_URL"].startswith("redis://")


def test_every_command_names_a_real_entry_point() -> None:
    for name, service in compose()["services"].items():
        command = service.get("command")
        if not command or ("image" in service and "build" not in service):
            continue  # third-party images
        program, *args = command
        if program == "vanthu":
            result = CliRunner().invoke(main, [args[0], "--help"])
            assert result.exit_code == 0, f"{name}: vanthu {args[0]}: {result.output}"
        elif program == "gunicorn":
            module, attribute = args[-1].split(":")
            assert hasattr(importlib.import_module(module), attribute), name
        elif program == "celery":
            module = args[args.index("-A") + 1]
            assert hasattr(importlib.import_module(module), "celery"), name
            assert args[args.index("-A") + 2] in ("worker", "beat"), name
        else:
            raise AssertionError(f"{name}: unknown program {program}")
