"""One worker's warm LibreOffice instances, shared by its pool processes over a Unix socket.

A prefork pool process killed mid-job (the OOM killer, an operator) takes a LibreOffice of its
own down with it, and its replacement would start one cold: a second or more each time, while
jobs wait. So the worker's main process starts this server beside its pool (`workers.celery_app`)
and the pool processes convert through it (`get_converter`); a pool process dying mid-request
only drops the reply. The server stops with the worker, or on its own if the worker is gone.

Frames: a request is the DOCX's length (8 bytes, big-endian) and its bytes; a reply is one
status byte (OK, ERROR or TIMEOUT), a length and the PDF or the error message.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import shutil
import signal
import socket
import socketserver
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Protocol

from service.config import Config
from workers.pdf.converter import ConversionError, ConversionTimeout, ConverterPool

log = logging.getLogger(__name__)

SOCKET_ENV = "VANTHU_PDF_SOCKET"
OK, ERROR, TIMEOUT = b"0", b"1", b"2"
_LENGTH = struct.Struct(">Q")
MAX_FRAME = 512 * 1024 * 1024  # a bound on what a peer may make the other allocate
START_SECONDS = 10.0  # how long a worker waits for its server's socket before going on alone


def _read_exactly(conn: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = conn.recv(min(left, 1 << 20))
        if not chunk:
            raise ConnectionError("the other end closed the connection")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _read_frame(conn: socket.socket) -> bytes:
    (size,) = _LENGTH.unpack(_read_exactly(conn, _LENGTH.size))
    if size > MAX_FRAME:
        raise ConnectionError(f"frame of {size} bytes refused")
    return _read_exactly(conn, size)


def configured_pool(config: Config, size: int) -> ConverterPool:
    """`size` instances as the settings want them: `VANTHU_SOFFICE`, `VANTHU_CONVERT_TIMEOUT`,
    `VANTHU_PDF_RESTART_AFTER`."""
    return ConverterPool(
        size,
        soffice=config.soffice,
        timeout=config.convert_timeout,
        restart_after=config.pdf_restart_after,
    )


class SharedConverter:
    """A pool process's side: converts on the worker's server, like a local `ConverterPool`;
    while the server is away (killed, restarting), on an instance of its own instead."""

    def __init__(self, path: str, config: Config) -> None:
        self.path = path
        self.config = config
        self._own: ConverterPool | None = None

    def convert(self, docx: bytes) -> bytes:
        try:
            status, payload = self._ask(docx)
        except OSError as exc:
            log.warning("the worker's LibreOffice server is away (%s); converting here", exc)
            if self._own is None:
                self._own = configured_pool(self.config, 1)
            return self._own.convert(docx)
        if status == OK:
            return payload
        message = payload.decode(errors="replace")
        raise (ConversionTimeout if status == TIMEOUT else ConversionError)(message)

    def _ask(self, docx: bytes) -> tuple[bytes, bytes]:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            # The server applies the conversion timeout; this only bounds a hung server.
            conn.settimeout(2 * self.config.convert_timeout + START_SECONDS)
            conn.connect(self.path)
            conn.sendall(_LENGTH.pack(len(docx)) + docx)
            return _read_exactly(conn, 1), _read_frame(conn)

    def close(self) -> None:
        """Stop the instance of its own, if it needed one; the shared ones are the server's."""
        if self._own is not None:
            self._own.close()


class _Handler(socketserver.BaseRequestHandler):
    server: _Server

    def handle(self) -> None:
        try:
            docx = _read_frame(self.request)
        except (OSError, ConnectionError):
            return
        try:
            status, payload = OK, self.server.pool.convert(docx)
        except ConversionTimeout as exc:
            status, payload = TIMEOUT, str(exc).encode()
        except ConversionError as exc:
            status, payload = ERROR, str(exc).encode()
        # The pool process may have died meanwhile; the instance stays warm for the next one.
        with contextlib.suppress(OSError):
            self.request.sendall(status + _LENGTH.pack(len(payload)) + payload)


class _Server(socketserver.ThreadingUnixStreamServer):
    daemon_threads = True

    def __init__(self, path: str, pool: ConverterPool) -> None:
        self.pool = pool
        super().__init__(path, _Handler)


def serve(path: str, pool: ConverterPool, parent: int) -> None:
    """Serve conversions on `path` until TERM or until process `parent` (the worker) is gone."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    server = _Server(path, pool)

    def watch_parent() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        server.shutdown()

    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    threading.Thread(target=watch_parent, name="parent", daemon=True).start()
    try:
        server.serve_forever(poll_interval=0.5)
    finally:
        server.server_close()
        pool.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path)


class Server:
    """The worker's side: starts the server, restarts it if it dies (pool processes convert
    on instances of their own meanwhile), stops it with the worker."""

    def __init__(self, size: int) -> None:
        # A folder of its own (mode 0700) under the short temporary path: a Unix socket's path
        # is limited to about 100 bytes, and nobody else may talk to the server.
        self.folder = Path(tempfile.mkdtemp(prefix="vanthu-pdf-"))
        self.path = str(self.folder / "pdf.sock")
        self.size = size
        self._proc: subprocess.Popen[bytes] | None = None
        self._stopping = threading.Event()

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    def start(self) -> Server:
        """Start it, and tell the pool processes the worker forks where it listens (by the
        environment they inherit); returns once it listens, or after START_SECONDS regardless."""
        self._spawn()
        os.environ[SOCKET_ENV] = self.path
        threading.Thread(target=self._watch, name="pdf-server", daemon=True).start()
        return self

    def _spawn(self) -> None:
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "workers.pdf.shared", self.path, "--size", str(self.size)],
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + START_SECONDS
        while not self._listening() and self._proc.poll() is None:
            if time.monotonic() > deadline:
                break
            time.sleep(0.05)

    def _listening(self) -> bool:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
            return probe.connect_ex(self.path) == 0

    def _watch(self) -> None:
        while not self._stopping.wait(1.0):
            if self._proc is not None and self._proc.poll() is not None:
                log.warning(
                    "the LibreOffice server exited (%s); starting it again", self._proc.returncode
                )
                self._spawn()

    def stop(self) -> None:
        """Stop the server and its LibreOffice instances (each after its conversion under way)."""
        self._stopping.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        os.environ.pop(SOCKET_ENV, None)
        shutil.rmtree(self.folder, ignore_errors=True)


class Converting(Protocol):
    """What a job converts with: a process's own pool or its worker's shared instances."""

    def convert(self, docx: bytes) -> bytes: ...

    def close(self) -> None: ...


_shared: Converting | None = None
_shared_pid = 0
_shared_lock = threading.Lock()


def get_converter() -> Converting:
    """This worker process's converters, as the settings (`service.config`) want them: its
    worker's shared instances in a prefork pool process (`workers.pdf.shared`), else its own,
    `VANTHU_PDF_INSTANCES` of them at most."""
    global _shared, _shared_pid
    with _shared_lock:
        # A forked child must not share its parent's soffice pipes: give it its own converters.
        if _shared is None or _shared_pid != os.getpid():
            config = Config()
            socket_path = os.environ.get(SOCKET_ENV)
            _shared = (
                SharedConverter(socket_path, config)
                if socket_path
                else configured_pool(config, config.pdf_instances)
            )
            _shared_pid = os.getpid()
        return _shared


def main(argv: list[str] | None = None) -> None:
    config = Config()
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path")
    parser.add_argument("--size", type=int, default=config.pdf_instances)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO)
    serve(args.path, configured_pool(config, args.size), parent=os.getppid())


if __name__ == "__main__":
    main()
