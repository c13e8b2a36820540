"""What every measurement shares: a fresh database and broker per stage, child processes
(workers, beat, web) whose peak memory is read before they stop, an administrator's bearer token
and HTTP calls that carry it, a local SMTP sink, waiting.

PostgreSQL + Redis when both answer (a schema of our own in database `test`, Redis db 14 flushed
at the start of every stage), else the embedded default: SQLite and the file-system broker.
"""

from __future__ import annotations

import http.client
import json
import os
import secrets
import signal
import socket
import subprocess
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, func, select, text
from sqlalchemy.exc import SQLAlchemyError

from bench.memory import Peak, tree_peaks
from service import migrate, processes
from service.app import create_app
from service.commands import tokens, users
from service.commands.caller import Caller
from service.config import Config
from service.database import session, transaction
from service.models import Job

POSTGRES_URL = os.environ.get(
    "VANTHU_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
REDIS_URL = os.environ.get("VANTHU_BENCH_REDIS_URL", "redis://127.0.0.1:6379/14")
READY_TIMEOUT = 60.0
STOP_TIMEOUT = 20.0


class BenchError(RuntimeError):
    """A stage could not be measured (a worker never came up, jobs failed or stalled)."""


def _postgres_ok(url: str) -> bool:
    engine = create_engine(url, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _redis_ok(url: str) -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


@dataclass(frozen=True)
class Backend:
    """Where stages keep their data: PostgreSQL + Redis, or SQLite + the file-system broker."""

    root: Path
    postgres_url: str = ""
    redis_url: str = ""

    @classmethod
    def detect(cls, root: Path, embedded: bool = False) -> Backend:
        if not embedded and _postgres_ok(POSTGRES_URL) and _redis_ok(REDIS_URL):
            return cls(root, POSTGRES_URL, REDIS_URL)
        return cls(root)

    @property
    def name(self) -> str:
        if self.postgres_url:
            return f"PostgreSQL ({_safe(self.postgres_url)}, own schema) + Redis ({self.redis_url})"
        return "SQLite under a temp dir + embedded file-system broker"

    @contextmanager
    def stage(self, name: str) -> Iterator[Config]:
        """A migrated empty database and an empty broker; this process's app bound to them."""
        var_dir = self.root / name
        if not self.postgres_url:
            url = f"sqlite:///{var_dir / 'bench.sqlite'}"
            migrate.upgrade(url)
            yield self._bind(Config(var_dir=var_dir, database_url=url, broker_url="filesystem://"))
            _unbind()
            return
        import redis

        redis.Redis.from_url(self.redis_url).flushdb()
        schema = f"bench_{uuid.uuid4().hex[:12]}"
        admin = create_engine(self.postgres_url, connect_args={"application_name": "bench"})
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        sep = "&" if "?" in self.postgres_url else "?"
        # Named, so that a test dropping the database's anonymous connections leaves ours be.
        url = f"{self.postgres_url}{sep}options=-csearch_path%3D{schema}&application_name=bench"
        try:
            migrate.upgrade(url)
            yield self._bind(Config(var_dir=var_dir, database_url=url, broker_url=self.redis_url))
        finally:
            _unbind()
            with admin.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
            redis.Redis.from_url(self.redis_url).flushdb()

    @staticmethod
    def _bind(config: Config) -> Config:
        create_app(config)  # engine and doorbell of this process
        return config


def _unbind() -> None:
    bind = session().get_bind()
    session.remove()
    with suppress(AttributeError):
        bind.dispose()  # type: ignore[union-attr]


def _safe(url: str) -> str:
    return url.split("@", 1)[-1] if "@" in url else url


def child_env(config: Config, **extra: str) -> dict[str, str]:
    """What a worker needs to know: only the database and broker URLs (and the var dir)."""
    return {
        "VANTHU_VAR_DIR": str(config.var_dir),
        "VANTHU_DATABASE_URL": config.database_url,
        "VANTHU_BROKER_URL": config.broker_url,
        **extra,
    }


class Children:
    """Named child processes, each its own process group, output to a log file per child."""

    def __init__(self, commands: dict[str, list[str]], env: dict[str, str], log_dir: Path):
        self.commands = commands
        self.env = {**os.environ, **env}
        self.log_dir = log_dir
        self.procs: dict[str, subprocess.Popen[bytes]] = {}

    def start(self) -> Children:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        for name, command in self.commands.items():
            with open(self.log_path(name), "wb") as log:
                self.procs[name] = subprocess.Popen(
                    command,
                    env=self.env,
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
        return self

    def log_path(self, name: str) -> Path:
        return self.log_dir / f"{name}.log"

    def wait_for_log(
        self, names: Iterable[str], needle: str, timeout: float = READY_TIMEOUT, poll: float = 0.1
    ) -> None:
        """Until each named child's log says `needle` (e.g. Celery's "ready.")."""
        deadline = time.monotonic() + timeout
        for name in names:
            while needle not in self.log_path(name).read_text(errors="replace"):
                if self.procs[name].poll() is not None:
                    raise BenchError(f"{name} exited: see {self.log_path(name)}")
                if time.monotonic() > deadline:
                    raise BenchError(f"{name} not ready after {timeout:.0f} s")
                time.sleep(poll)

    def peaks(self) -> dict[str, list[Peak]]:
        """Peak memory of every child and its descendants, read while they are still alive."""
        return {name: tree_peaks(proc.pid) for name, proc in self.procs.items()}

    def stop(self) -> None:
        for proc in self.procs.values():
            _signal(proc, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                _signal(proc, signal.SIGKILL)
                proc.wait()


def peaks_json(peaks: dict[str, list[Peak]]) -> dict[str, list[dict[str, Any]]]:
    """Peaks per child as JSON: [{pid, name, peak_mb}, …] for the child and its descendants."""
    return {child: [vars(p) for p in found] for child, found in peaks.items()}


def _signal(proc: subprocess.Popen[bytes], sig: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)


@contextmanager
def children(
    commands: dict[str, list[str]], env: dict[str, str], log_dir: Path
) -> Iterator[Children]:
    group = Children(commands, env, log_dir).start()
    try:
        yield group
    finally:
        group.stop()


def api_token() -> str:
    """A new administrator in this stage's database and a bearer token for it: every /api/v1
    call needs one, and only an administrator or a leader may issue."""
    with transaction() as db:
        user = users.create(
            db,
            Caller.system(),
            f"bench-{secrets.token_hex(4)}",
            "Đo hiệu năng",
            secrets.token_urlsafe(16),
            "admin",
        )
        return tokens.issue(db, Caller.system(), "bench", user)[1]


def call(
    port: int, method: str, path: str, body: Any = None, token: str = "", timeout: float = 120
) -> tuple[int, bytes]:
    """One request on a fresh connection (as a browser against gunicorn's sync workers), with
    `Authorization: Bearer <token>` when a token is given; (status, body)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    payload = None
    if body is not None:
        payload = json.dumps(body)
        headers["Content-Type"] = "application/json"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, payload, headers)
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def wait_http(port: int, timeout: float = READY_TIMEOUT) -> None:
    """Until the server answers /healthz (which needs no token)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if call(port, "GET", "/healthz", timeout=2)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.1)
    raise BenchError(f"web server on port {port} did not answer")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def web_server(config: Config, workers: int = 2) -> Iterator[tuple[int, Children]]:
    """gunicorn as `vanthu run` starts it, on a free port and answering: (port, the child)."""
    port = free_port()
    web = {"web": processes.web_command("127.0.0.1", port, workers)}
    with children(web, child_env(config), config.var_dir / "logs") as group:
        wait_http(port)
        yield port, group


class SmtpSink:
    """A local aiosmtpd server that accepts and counts every message (and keeps none)."""

    def __init__(self) -> None:
        self.count = 0
        self.bytes = 0
        self._lock = threading.Lock()

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
        with self._lock:
            self.count += 1
            self.bytes += len(envelope.content or b"")
        return "250 OK"


@contextmanager
def smtp_server() -> Iterator[tuple[str, SmtpSink]]:
    """(`VANTHU_SMTP_URL` for the workers, the sink counting what arrived)."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink()
    port = free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port, data_size_limit=0)
    controller.start()
    try:
        yield f"smtp://127.0.0.1:{port}", sink
    finally:
        controller.stop()


def job_states(
    campaign_id: int | None = None, kinds: Iterable[str] | None = None
) -> dict[str, int]:
    """How many jobs are in each state (of a campaign, of some kinds)."""
    stmt = select(Job.state, func.count()).group_by(Job.state)
    if campaign_id is not None:
        stmt = stmt.where(Job.campaign_id == campaign_id)
    if kinds is not None:
        stmt = stmt.where(Job.kind.in_(tuple(kinds)))
    with transaction() as db:
        return {state: int(n) for state, n in db.execute(stmt).tuples()}


def wait_jobs(
    campaign_id: int | None,
    kinds: Iterable[str] | None,
    timeout: float,
    poll: float = 0.25,
) -> dict[str, int]:
    """Until no such job is queued or running; BenchError if any failed or time ran out."""
    kinds = tuple(kinds) if kinds is not None else None
    deadline = time.monotonic() + timeout
    while True:
        states = job_states(campaign_id, kinds)
        if states.get("failed"):
            raise BenchError(f"jobs failed: {states} ({failures(campaign_id)})")
        if states and set(states) == {"done"}:
            return states
        if time.monotonic() > deadline:
            raise BenchError(f"jobs still pending after {timeout:.0f} s: {states}")
        time.sleep(poll)


def failures(campaign_id: int | None) -> str:
    stmt = select(Job.kind, Job.last_error).where(Job.state == "failed").limit(3)
    if campaign_id is not None:
        stmt = stmt.where(Job.campaign_id == campaign_id)
    with transaction() as db:
        return "; ".join(f"{kind}: {error}" for kind, error in db.execute(stmt).tuples())


def finished_span(campaign_id: int | None, kinds: Iterable[str]) -> tuple[datetime, datetime]:
    """When the first and the last such job finished (naive UTC, as the jobs table has it)."""
    stmt = select(func.min(Job.finished_at), func.max(Job.finished_at)).where(
        Job.kind.in_(tuple(kinds))
    )
    if campaign_id is not None:
        stmt = stmt.where(Job.campaign_id == campaign_id)
    with transaction() as db:
        first, last = db.execute(stmt).one()
    if first is None or last is None:
        raise BenchError("no job finished")
    return first, last
