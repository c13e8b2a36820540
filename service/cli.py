"""The `vanthu` command: migrate, load the demo, run the processes, run the headless demo."""

from __future__ import annotations

import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

import click

from service import migrate, processes
from service.commands.caller import Caller
from service.config import Config
from service.database import init_engine, transaction
from service.errors import Invalid, NotFound
from workflows.vocabulary import Role


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
    accounts = _demo_accounts(config) if _is_embedded_database(config) else []
    if _is_embedded_database(config) and config.signing != "off":
        _demo_keys(config, f"http://{host}:{port}/pki")
    commands = (
        processes.web_command(host, port),
        processes.worker_command(),
        processes.beat_command(str(config.var_dir / "beat-schedule")),
    )
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops it as Ctrl-C does, children too
    with processes.children(*commands) as group:
        click.echo(f"\nVanthu đang chạy tại http://{host}:{port}/  (API: /api/v1/docs)")
        click.echo("Khóa API: mục Khóa API trong giao diện, hoặc `vanthu create-token TÊN`.")
        if accounts:
            click.echo("Tài khoản dùng thử (mật khẩu mới sau mỗi lần chạy):")
            for role, username, password in accounts:
                click.echo(f"  {role:<20} {username:<14} {password}")
        click.echo("Nhấn Ctrl-C để dừng.\n")
        try:
            while True:  # a child that dies is started again; the others carry on
                group.revive()
                time.sleep(1)
        except KeyboardInterrupt:
            pass


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt


def _is_embedded_database(config: Config) -> bool:
    """The embedded default: a SQLite file under the var dir (never a production database)."""
    prefix = "sqlite:///"
    if not config.database_url.startswith(prefix):
        return False
    path = Path(config.database_url.removeprefix(prefix)).resolve()
    return path.is_relative_to(config.var_dir.resolve())


def _demo_accounts(config: Config) -> list[tuple[str, str, str]]:
    """One account per role with a fresh password: (role label, username, password)."""
    from service.commands.users import ensure_demo_accounts

    init_engine(config.database_url)
    with transaction() as db:
        accounts = ensure_demo_accounts(db, Caller.system(config.timezone, "demo"))
        return [(Role.label_of(u.role), u.username, pw) for u, pw in accounts]


def _demo_keys(config: Config, base_url: str = "") -> None:
    """The demo CA, keys and images for everyone of the directory (signing on a new machine)."""
    from service.commands.demo_keys import ensure_demo_keys

    init_engine(config.database_url)
    with transaction() as db:
        ensure_demo_keys(db, config, base_url)


CLI = "cli"  # who the audit log names for what the command line does


def _cli() -> Caller:
    return Caller.system(name=CLI)


@main.command("create-user")
@click.option("--username", required=True, help="Tên đăng nhập.")
@click.option("--full-name", required=True, help="Họ và tên.")
@click.option(
    "--role",
    type=click.Choice(Role.values()),
    default=Role.ADMIN.value,
    show_default=True,
    help="Vai trò.",
)
@click.option(
    "--organisation",
    "organisation_code",
    default="",
    help="Mã phòng Lao động cấp huyện (bắt buộc với vai trò district), ví dụ LĐTBXH-TPLS.",
)
@click.password_option(envvar="VANTHU_NEW_USER_PASSWORD", help="Mật khẩu (hỏi nếu không nhập).")
def create_user(
    username: str, full_name: str, role: str, organisation_code: str, password: str
) -> None:
    """Create an account (in production, the first administrator)."""
    from service.commands import campaigns, users

    config = Config()
    init_engine(config.database_url)
    try:
        with transaction() as db:
            organisation_id = None
            if organisation_code:
                org = campaigns.find_organisation(db, organisation_code)
                if org is None:
                    raise Invalid({"organisation": f"Không có đơn vị mã {organisation_code}"})
                organisation_id = org.id
            user = users.create(db, _cli(), username, full_name, password, role, organisation_id)
            click.echo(f"Đã tạo tài khoản {user.username} ({role})")
    except Invalid as error:
        for message in error.fields.values():
            click.echo(f"Lỗi: {message}", err=True)
        sys.exit(1)


@main.command("create-token")
@click.argument("username")
@click.option("--name", default="dòng lệnh", show_default=True, help="Nơi dùng khóa.")
def create_token(username: str, name: str) -> None:
    """Issue an API token for USERNAME and print it (it is shown only this once)."""
    from service import audit
    from service.commands import tokens, users

    init_engine(Config().database_url)
    try:
        with transaction() as db:
            audit.set_actor(db, CLI)
            _token, plain = tokens.issue(db, _cli(), name, users.get_user_by_name(db, username))
    except (Invalid, NotFound) as error:
        click.echo(f"Lỗi: {error}", err=True)
        sys.exit(1)
    click.echo(plain)


@main.command("revoke-token")
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke the API token TOKEN_ID (its number in the account page's list)."""
    from service import audit
    from service.commands import tokens

    init_engine(Config().database_url)
    try:
        with transaction() as db:
            audit.set_actor(db, CLI)
            tokens.revoke(db, _cli(), token_id)
    except NotFound as error:
        click.echo(f"Lỗi: {error}", err=True)
        sys.exit(1)
    click.echo(f"Đã thu hồi khóa #{token_id}")


@main.command("export-campaign")
@click.argument("campaign_id", type=int)
@click.option("--out", "out_file", type=click.Path(dir_okay=False, path_type=Path))
def export_campaign(campaign_id: int, out_file: Path | None) -> None:
    """Write campaign CAMPAIGN_ID as one JSON document (to OUT, or to standard output)."""
    from service.commands import exchange

    init_engine(Config().database_url)
    try:
        with transaction() as db:
            document = exchange.export(db, _cli(), campaign_id)
    except NotFound as error:
        click.echo(f"Lỗi: {error}", err=True)
        sys.exit(1)
    written = json.dumps(document, ensure_ascii=False, indent=2) + "\n"
    if out_file is None:
        click.echo(written, nl=False)
    else:
        out_file.write_text(written, encoding="utf-8")
        click.echo(f"Đã xuất kế hoạch #{campaign_id} vào {out_file}", err=True)


@main.command("import-campaign")
@click.argument("document_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_campaign(document_file: Path) -> None:
    """Create a new draft campaign from an exported JSON document (nothing written on error)."""
    from service import audit
    from service.commands import exchange

    init_engine(Config().database_url)
    try:
        document = json.loads(document_file.read_text(encoding="utf-8"))
        with transaction() as db:
            audit.set_actor(db, CLI)
            campaign = exchange.import_(db, _cli(), document)
            click.echo(f"Đã tạo kế hoạch #{campaign.id}: {campaign.title}")
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        click.echo(f"Lỗi: tệp không phải JSON hợp lệ ({error})", err=True)
        sys.exit(1)
    except Invalid as error:
        for field, message in error.fields.items():
            click.echo(f"Lỗi: {field}: {message}", err=True)
        sys.exit(1)


@main.command("demo")
@click.option("--out", "out_dir", required=True, type=click.Path(path_type=Path))
@click.option("--timeout", default=600.0, show_default=True, help="Seconds to wait for workers.")
@click.option("--workers", default=1, show_default=True, help="Worker processes to start.")
def demo(out_dir: Path, timeout: float, workers: int) -> None:
    """Run the whole demo campaign through real workers and write every issued file to OUT."""
    from service import demo as demo_run
    from service.commands import archive as archive_commands

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
            if config.signing != "off":
                _demo_keys(config)
            demo_run.drive_campaign(campaign_id)
            demo_run.finish(campaign_id, config, timeout)
            written = demo_run.write_files(campaign_id, out_dir)
            case_file = archive_commands.export(campaign_id, out_dir)
        except Exception as error:
            click.echo(f"Lỗi: {error}", err=True)
            sys.exit(1)
    for item in written:
        click.echo(
            f"{item.reference}\t{item.kind}\t{item.title}\t{item.docx}\t{item.pdf or '-'}\t"
            f"{item.sha256}"
        )
    click.echo(f"{len(written)} văn bản đã ghi vào {out_dir}")
    click.echo(f"Hồ sơ: {case_file}")


def _safe_url(url: str) -> str:
    """The URL without its password, for printing."""
    if "@" not in url:
        return url
    scheme, rest = url.split("://", 1)
    return f"{scheme}://***@{rest.split('@', 1)[1]}"


@main.command("verify-archive")
@click.argument("archive_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--database", is_flag=True, help="Also check against the configured database's records."
)
@click.option(
    "--roots",
    "roots_dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of trusted root certificates (*.pem); default: the signing folder's roots/.",
)
def verify_archive(archive_file: Path, database: bool, roots_dir: Path | None) -> None:
    """Check a case file ZIP: checksums, every recorded SHA-256, the index against the files,
    and every digital signature, offline."""
    from service.archive import naming
    from service.archive.verify import verify_archive as verify
    from service.signing.toolkit import read_roots

    config = Config()
    roots = read_roots(roots_dir or config.signing_dir / "roots")
    if database:
        init_engine(config.database_url)
        with transaction() as db:
            report = verify(archive_file, db, roots)
    else:
        report = verify(archive_file, roots=roots)
    for problem in report.problems:
        click.echo(problem, err=True)
    if not report.ok:
        click.echo(f"Hồ sơ không toàn vẹn: {len(report.problems)} lỗi", err=True)
        sys.exit(1)
    click.echo(
        f"Hồ sơ toàn vẹn: {report.checked} tệp khớp mã SHA-256, "
        f"{report.documents} văn bản trong mục lục khớp với tệp; mã SHA-256 của "
        f"{report.cross_checked} tệp văn bản thống nhất giữa {naming.CHECKSUMS_NAME}, "
        f"{', '.join(report.records)} và nội dung tệp."
    )
    if report.signatures:
        click.echo(
            f"Chữ ký số hợp lệ: {report.signatures} chữ ký của {report.signed_documents} văn bản "
            f"(kiểm tra ngoại tuyến theo {len(roots)} chứng thư số gốc tin cậy)."
        )
