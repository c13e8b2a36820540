"""The `vanthu` command: migrate, load the demo, run the processes, run the headless demo."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

import click

from service import migrate, processes
from service.config import Config
from service.database import init_engine, transaction


@click.group()
def main() -> None:
    """Vanthu: văn bản và quy trình kiểm tra."""


@main.command("migrate")
def migrate_command() -> None:
    """Bring the database to the newest schema."""
    config = Config()
    config.var_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(config.database_url)
    click.echo(f"Đã cập nhật cơ sở dữ liệu: {_safe_url(config.database_url)}")


@main.command("seed-demo")
def seed_demo() -> None:
    """Load the Lạng Sơn 2023 campaign (idempotent)."""
    from service.seed.load import load_demo

    config = Config()
    init_engine(config.database_url)
    with transaction() as db:
        campaign = load_demo(db)
        click.echo(f"Kế hoạch #{campaign.id}: {campaign.title} ({len(campaign.targets)} đơn vị)")


@main.command("run")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
def run(host: str, port: int) -> None:
    """Migrate, load the demo campaign, then serve web, worker and beat until Ctrl-C."""
    config = Config()
    config.var_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(config.database_url)
    click.get_current_context().invoke(seed_demo)
    commands = (
        processes.web_command(host, port),
        processes.worker_command(),
        processes.beat_command(str(config.var_dir / "beat-schedule")),
    )
    with processes.children(*commands) as procs:
        click.echo(f"\nVanthu đang chạy tại http://{host}:{port}/  (API: /api/v1/docs)")
        click.echo("Nhấn Ctrl-C để dừng.\n")
        try:
            while all(p.poll() is None for p in procs):
                time.sleep(1)
        except KeyboardInterrupt:
            pass


@main.command("demo")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for workers.")
@click.option("--workers", default=1, show_default=True, help="Worker processes to start.")
def demo(out_dir: Path, timeout: float, workers: int) -> None:
    """Run the whole demo campaign through real workers and write every issued file to OUT."""
    from service import demo as demo_run

    env: dict[str, str] = {}
    if "VANTHU_DATABASE_URL" not in os.environ and "VANTHU_VAR_DIR" not in os.environ:
        env["VANTHU_VAR_DIR"] = tempfile.mkdtemp(prefix="vanthu-demo-")
    os.environ.update(env)
    config = Config()
    config.var_dir.mkdir(parents=True, exist_ok=True)
    migrate.upgrade(config.database_url)
    init_engine(config.database_url)
    from service.app import create_app

    create_app(config)  # installs the doorbell for this process
    commands = [processes.worker_command(name=f"demo{i}") for i in range(workers)]
    commands.append(processes.beat_command(str(config.var_dir / "beat-schedule")))
    with processes.children(*commands, env=env):
        try:
            campaign_id = demo_run.prepare_campaign()
            demo_run.drive_campaign(campaign_id)
            demo_run.wait_for_jobs(campaign_id, timeout)
            written = demo_run.write_files(campaign_id, out_dir)
        except Exception as error:
            click.echo(f"Lỗi: {error}", err=True)
            sys.exit(1)
    for item in written:
        click.echo(
            f"{item.reference}\t{item.kind}\t{item.title}\t{item.docx}\t{item.pdf or '-'}\t"
            f"{item.sha256}"
        )
    click.echo(f"{len(written)} văn bản đã ghi vào {out_dir}")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"
