"""DOCX -> PDF through LibreOffice: a warm instance per worker process, plus the cold baseline.

Why a bridge of our own (option B) rather than unoserver: the venv Python cannot import ``uno``,
so a system-Python process is needed either way. unoserver would add a dependency and an XML-RPC
server on a TCP port we must find free, yet still leave timeouts, kills and restarts to us.
``uno_bridge.py`` is a small stdlib + ``uno`` script that talks JSON lines over its stdin/stdout
(soffice listens on a uniquely named local pipe, so no port races). The bridge leads the only
process group we create, so one ``killpg`` stops it and every soffice process of the instance,
whether it hung, crashed or is being closed; if the worker itself is SIGKILLed, the bridge sees
EOF on stdin and takes soffice down on its own.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import select
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import weakref
from pathlib import Path
from types import TracebackType
from typing import Any

from service.documents.libreoffice import libreoffice_available
from workers.pdf import uno_bridge
from workers.pdf.uno_bridge import DOCX_FILTER, pdf_target, remove_leftovers, write_profile

log = logging.getLogger(__name__)

# Debian's python3-uno lives in the system Python, not in the venv.
UNO_PYTHON = os.environ.get("VANTHU_UNO_PYTHON", "/usr/bin/python3")
BRIDGE_SCRIPT = Path(uno_bridge.__file__)


class ConversionError(RuntimeError):
    """LibreOffice could not turn the document into a PDF."""


class ConversionTimeout(ConversionError):
    """A conversion took longer than allowed; the instance was killed."""


class _InstanceDied(Exception):
    """soffice or its bridge vanished mid-request; worth one retry on a fresh instance."""


class _Deadline(Exception):
    """The per-attempt deadline passed while waiting on the bridge."""


def _kill_group(pgid: int) -> None:
    """SIGKILL a whole process group; it being gone already is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


class _Instance:
    """Process plumbing of one warm soffice; kept apart from PdfConverter so a finalizer can
    stop it at exit or garbage collection without holding a reference to the converter."""

    def __init__(self) -> None:
        self.bridge: subprocess.Popen[bytes] | None = None
        self.soffice_pid: int | None = None
        self.rundir: Path | None = None
        self.converted = 0  # documents this soffice has converted (or refused) since it started
        self._pipe_name = ""
        self._buffer = b""
        # A forked child inherits this object; only the creating process may kill the group.
        self._owner_pid = os.getpid()

    def start(self, soffice: str, python: str, workdir: Path | None, deadline: float) -> None:
        if workdir is not None:
            workdir.mkdir(parents=True, exist_ok=True)
        self.rundir = Path(tempfile.mkdtemp(prefix="vanthu-pdf-", dir=workdir))
        self._pipe_name = f"vanthu-pdf-{uuid.uuid4().hex}"
        with open(self.rundir / "bridge.log", "wb") as bridge_log:
            try:
                self.bridge = subprocess.Popen(
                    # -I: ignore the venv's PYTHON* variables and user site-packages.
                    [python, "-I", str(BRIDGE_SCRIPT), soffice, self._pipe_name, str(self.rundir)],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    stderr=bridge_log,
                    start_new_session=True,
                )
            except OSError as exc:
                raise ConversionError(f"cannot run the UNO Python {python!r}: {exc}") from exc
        ready = self.receive(deadline)
        if not ready.get("ready"):
            raise _InstanceDied(f"LibreOffice did not start: {ready.get('error')}")
        self.soffice_pid = int(ready["pid"])

    def send(self, message: dict[str, Any]) -> None:
        assert self.bridge is not None and self.bridge.stdin is not None
        try:
            self.bridge.stdin.write(json.dumps(message).encode() + b"\n")
            self.bridge.stdin.flush()
        except BrokenPipeError:
            raise _InstanceDied(self._exit_reason()) from None

    def receive(self, deadline: float) -> dict[str, Any]:
        """Read one reply line, giving up at ``deadline`` instead of blocking on a hung soffice."""
        assert self.bridge is not None and self.bridge.stdout is not None
        fd = self.bridge.stdout.fileno()
        while b"\n" not in self._buffer:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise _Deadline
            readable, _, _ = select.select([fd], [], [], remaining)
            if readable:
                chunk = os.read(fd, 65536)
                if not chunk:
                    raise _InstanceDied(self._exit_reason())
                self._buffer += chunk
        line, _, self._buffer = self._buffer.partition(b"\n")
        reply: dict[str, Any] = json.loads(line)
        return reply

    def _exit_reason(self) -> str:
        """Last lines of the bridge log: why the bridge or soffice went away."""
        assert self.rundir is not None
        try:
            tail = (self.rundir / "bridge.log").read_text(errors="replace").strip()[-500:]
        except OSError:
            tail = ""
        return f"LibreOffice bridge exited unexpectedly. {tail}".strip()

    def stop(self) -> None:
        if os.getpid() == self._owner_pid:
            if self.bridge is not None:
                # The bridge leads the group (start_new_session), so its pid is the group id.
                _kill_group(self.bridge.pid)
                self.bridge.wait()
                for stream in (self.bridge.stdin, self.bridge.stdout):
                    if stream is not None:
                        stream.close()
            if self.rundir is not None:
                remove_leftovers(self.rundir, self._pipe_name)
        self.bridge = None
        self.soffice_pid = None
        self.rundir = None
        self.converted = 0
        self._buffer = b""


class PdfConverter:
    """A warm LibreOffice reused across conversions, restarted when it hangs or dies, and after
    every ``restart_after`` documents (0: never) so that its memory growth stays bounded.

    soffice starts lazily on the first ``convert``; conversions are serialised by a lock because
    one soffice handles one document at a time reliably. Each attempt (including starting
    soffice when needed) must finish within ``timeout`` seconds. The restart after N documents
    happens once the Nth one's PDF is read, before the next one is taken.
    """

    def __init__(
        self,
        soffice: str = "soffice",
        timeout: float = 60.0,
        workdir: Path | None = None,
        python: str = UNO_PYTHON,
        restart_after: int = 0,
    ) -> None:
        self.soffice = soffice
        self.timeout = timeout
        self.workdir = workdir
        self.python = python
        self.restart_after = restart_after
        self._lock = threading.Lock()
        self._instance = _Instance()
        # Runs at interpreter exit (or if the converter is dropped unclosed): no orphan soffice.
        self._finalizer = weakref.finalize(self, self._instance.stop)

    @property
    def pid(self) -> int | None:
        """Pid of the running soffice, or None when no instance is up."""
        return self._instance.soffice_pid

    def convert(self, docx: bytes) -> bytes:
        """Convert DOCX bytes to PDF bytes, retrying once on a fresh instance if soffice died."""
        with self._lock:
            try:
                return self._attempt(docx)
            except _InstanceDied as exc:
                log.warning("LibreOffice instance died, restarting: %s", exc)
            try:
                return self._attempt(docx)
            except _InstanceDied as exc:
                raise ConversionError(f"LibreOffice died twice in a row: {exc}") from exc

    def _attempt(self, docx: bytes) -> bytes:
        instance = self._instance
        deadline = time.monotonic() + self.timeout
        try:
            if instance.bridge is None:
                soffice = libreoffice_available(self.soffice)
                if soffice is None:
                    raise ConversionError(f"LibreOffice not found: {self.soffice!r}")
                instance.start(soffice, self.python, self.workdir, deadline)
            assert instance.rundir is not None
            job = instance.rundir / uuid.uuid4().hex
            src, dst = job.with_suffix(".docx"), job.with_suffix(".pdf")
            src.write_bytes(docx)
            try:
                instance.send({"in": str(src), "out": str(dst)})
                reply = instance.receive(deadline)
                pdf = dst.read_bytes() if reply.get("ok") else None
            finally:
                src.unlink(missing_ok=True)
                dst.unlink(missing_ok=True)
        except _Deadline:
            log.warning(
                "PDF conversion exceeded %ss; killing LibreOffice pid %s",
                self.timeout,
                instance.soffice_pid,
            )
            instance.stop()
            raise ConversionTimeout(f"PDF conversion exceeded {self.timeout}s") from None
        except BaseException:
            # Whatever interrupted us (a dead bridge, a Celery soft time limit, ^C) may leave a
            # reply in flight that the next request would misread: start over instead.
            instance.stop()
            raise
        if reply.get("dead"):
            instance.stop()
            raise _InstanceDied(str(reply.get("error")))
        instance.converted += 1
        if self.restart_after and instance.converted >= self.restart_after:
            log.info(
                "LibreOffice pid %s converted %s documents; restarting it",
                instance.soffice_pid,
                instance.converted,
            )
            instance.stop()  # the next document starts a fresh one
        if pdf is not None:
            return pdf
        raise ConversionError(f"LibreOffice could not convert the document: {reply.get('error')}")

    def close(self) -> None:
        """Kill this instance's soffice process group; a later ``convert`` starts a new one."""
        with self._lock:
            self._instance.stop()

    def __enter__(self) -> PdfConverter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def convert_cold(docx: bytes, soffice: str = "soffice", timeout: float = 120.0) -> bytes:
    """One throwaway ``soffice --convert-to pdf`` per document: the baseline warm must beat."""
    resolved = libreoffice_available(soffice)
    if resolved is None:
        raise ConversionError(f"LibreOffice not found: {soffice!r}")
    with tempfile.TemporaryDirectory(prefix="vanthu-pdf-cold-") as tmp:
        root = Path(tmp)
        src = root / "document.docx"
        src.write_bytes(docx)
        write_profile(root / "profile")  # links blocked, macros off, as in the warm instance
        proc = subprocess.Popen(
            [
                resolved,
                "--headless",
                "--invisible",
                "--nologo",
                "--norestore",
                "--nolockcheck",
                # A private profile keeps this run from handing the job to another running soffice.
                f"-env:UserInstallation={(root / 'profile').as_uri()}",
                f"--infilter={DOCX_FILTER}",
                "--convert-to",
                pdf_target(),
                "--outdir",
                str(root / "out"),
                str(src),
            ],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            output, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise ConversionTimeout(f"PDF conversion exceeded {timeout}s") from None
        finally:
            _kill_group(proc.pid)
            proc.wait()
        pdf = root / "out" / "document.pdf"
        if not pdf.is_file():
            detail = output.decode(errors="replace").strip()[-500:]
            raise ConversionError(f"LibreOffice could not convert the document: {detail}")
        return pdf.read_bytes()


class ConverterPool:
    """A worker process's warm LibreOffice instances: one per conversion running at once, up to
    `size` (one per core: a conversion keeps a core busy), each started at first need and kept,
    and restarted after every `restart_after` documents (0: never).

    A prefork child runs one job at a time and so only ever starts one; the threads pool of the
    embedded default converts on as many threads at once as there are instances.
    """

    def __init__(
        self, size: int, soffice: str = "soffice", timeout: float = 60.0, restart_after: int = 0
    ) -> None:
        self.size = max(1, size)
        self.soffice = soffice
        self.timeout = timeout
        self.restart_after = restart_after
        self._idle: list[PdfConverter] = []
        self._started: list[PdfConverter] = []
        self._free = threading.Condition()

    def convert(self, docx: bytes) -> bytes:
        """Convert on an idle instance (the one used last: the warmest), or a new one while
        fewer than `size` exist, else wait for one to come free."""
        converter = self._take()
        try:
            return converter.convert(docx)
        finally:
            with self._free:
                self._idle.append(converter)
                self._free.notify()

    def _take(self) -> PdfConverter:
        with self._free:
            while not self._idle and len(self._started) >= self.size:
                self._free.wait()
            if self._idle:
                return self._idle.pop()
            converter = PdfConverter(
                soffice=self.soffice, timeout=self.timeout, restart_after=self.restart_after
            )
            self._started.append(converter)
            return converter

    def close(self) -> None:
        """Stop every instance (each after its conversion under way); a later ``convert`` starts
        them again."""
        with self._free:
            started = list(self._started)
        for converter in started:
            converter.close()
