"""UNO bridge run by the system Python (``/usr/bin/python3``), which is the only one with ``uno``.

The venv cannot import ``uno``, so :class:`workers.pdf.converter.PdfConverter` runs this script
as a child process. It is started as a session leader and soffice inherits its process group, so
killing that one group stops the bridge and every soffice process together.

Arguments: the soffice executable, a unique pipe name for ``--accept``, and a run directory owned
by this instance (soffice profile under ``profile/``, job files beside it).

Line protocol, one JSON object per line:

* bridge -> parent once at start: ``{"ready": true, "pid": N}`` or ``{"ready": false, "error": s}``
* parent -> bridge: ``{"in": "/abs/in.docx", "out": "/abs/out.pdf"}``
* bridge -> parent: ``{"ok": true}`` or ``{"ok": false, "dead": bool, "error": s}``;
  ``dead`` means soffice is gone, the bridge then exits and the parent restarts it.

End of stdin means the parent is gone (or dropped us): the bridge kills soffice and removes the
run directory itself, so even a SIGKILLed worker leaves no orphan soffice or temp files behind.

This file must stay runnable by the system Python alone (stdlib + ``uno``, imported lazily), so
it never imports from the ``workers`` package; the converter imports the helpers from here.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, NoReturn, TextIO

# Import filter for DOCX. Naming it explicitly stops LibreOffice from "rescuing" garbage input by
# detecting it as plain text and happily rendering the bytes into a PDF.
DOCX_FILTER = "MS Word 2007 XML"
PDF_FILTER = "writer_pdf_Export"
# The export's options, each name: (UNO type, value), for the warm instance and the cold
# `--convert-to` alike: PDF/A-2b, so a PDF can be filed and later signed; PDF/A embeds every
# font, and LibreOffice copies the DOCX's title, author, subject and keywords into the PDF's
# Info dictionary and its XMP metadata.
PDF_OPTIONS: dict[str, tuple[str, int | bool | str]] = {"SelectPdfVersion": ("long", 2)}
POLL_SECONDS = 0.1
KILL_WAIT_SECONDS = 5.0
# LibreOffice creates its named pipes as unix sockets here and leaves them behind when killed.
OSL_PIPE_DIR = Path("/tmp")
# com.sun.star.document.UpdateDocMode.NO_UPDATE and MacroExecutionMode.NEVER_EXECUTE: a document
# converted here updates no link and runs no macro.
NO_UPDATE = 0
NEVER_EXECUTE = 0
# The profile's settings, written before soffice first starts: a document's links to anything
# outside it (remote or local images, OLE links, templates) are untrusted and never loaded, and
# macros never run, whatever the document asks for.
PROFILE_SETTINGS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry"
    xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="BlockUntrustedRefererLinks" oor:op="fuse"><value>true</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="DisableMacrosExecution" oor:op="fuse"><value>true</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Common/Security/Scripting">
  <prop oor:name="MacroSecurityLevel" oor:op="fuse"><value>3</value></prop>
</item>
<item oor:path="/org.openoffice.Office.Writer/Content/Update">
  <prop oor:name="Link" oor:op="fuse"><value>2</value></prop>
</item>
</oor:items>
"""


def profile_url(rundir: Path) -> str:
    """A fresh profile per instance: a killed soffice may leave its profile locked."""
    return (rundir / "profile").as_uri()


def write_profile(profile: Path) -> None:
    """Seed a new profile with `PROFILE_SETTINGS`; soffice adds the rest on first start."""
    user = profile / "user"
    user.mkdir(parents=True, exist_ok=True)
    (user / "registrymodifications.xcu").write_text(PROFILE_SETTINGS, encoding="utf-8")


def remove_leftovers(rundir: Path, pipe_name: str) -> None:
    """Delete what a killed soffice leaves behind: the run directory and two sockets in /tmp,
    our ``--accept`` pipe and the single-instance pipe, named after an unpadded-hex MD5 of the
    UTF-16LE profile URL (LibreOffice's scheme; should it change, only an empty socket stays)."""
    digest = hashlib.md5(profile_url(rundir).encode("utf-16-le"), usedforsecurity=False).digest()
    ipc_hash = "".join(format(byte, "x") for byte in digest)
    for name in (pipe_name, f"SingleOfficeIPC_{ipc_hash}"):
        (OSL_PIPE_DIR / f"OSL_PIPE_{os.getuid()}_{name}").unlink(missing_ok=True)
    shutil.rmtree(rundir, ignore_errors=True)


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) pids of a process group: soffice.bin is a grandchild we never spawned."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


def pdf_target() -> str:
    """`--convert-to`'s argument: the PDF filter and `PDF_OPTIONS` in LibreOffice's JSON."""
    options = {
        name: {"type": kind, "value": str(value).lower() if kind == "boolean" else str(value)}
        for name, (kind, value) in PDF_OPTIONS.items()
    }
    return f"pdf:{PDF_FILTER}:{json.dumps(options, separators=(',', ':'))}"


def _props(**values: Any) -> tuple[Any, ...]:
    """Build the ``PropertyValue`` tuple UNO methods expect from keyword arguments."""
    from com.sun.star.beans import PropertyValue

    return tuple(PropertyValue(Name=name, Value=value) for name, value in values.items())


def _send(out: TextIO, message: dict[str, Any]) -> None:
    out.write(json.dumps(message) + "\n")
    out.flush()


def _connect(soffice: subprocess.Popen[bytes], pipe_name: str) -> Any:
    """Poll until soffice accepts UNO connections; the parent enforces the overall deadline."""
    import uno
    from com.sun.star.connection import NoConnectException

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={pipe_name};urp;StarOffice.ComponentContext"
    while True:
        try:
            ctx = resolver.resolve(url)
            return ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
        except NoConnectException:
            if soffice.poll() is not None:
                raise RuntimeError(f"soffice exited with code {soffice.returncode}") from None
            time.sleep(POLL_SECONDS)


def _alive(soffice: subprocess.Popen[bytes], desktop: Any) -> bool:
    """Tell a bad document apart from a dead soffice by probing the connection."""
    if soffice.poll() is not None:
        return False
    try:
        desktop.getComponents()
    except Exception:
        return False
    return True


def _convert(desktop: Any, src: str, dst: str) -> None:
    src_url = Path(src).as_uri()
    dst_url = Path(dst).as_uri()
    doc = desktop.loadComponentFromURL(
        src_url,
        "_blank",
        0,
        _props(
            Hidden=True,
            ReadOnly=True,
            FilterName=DOCX_FILTER,
            UpdateDocMode=NO_UPDATE,
            MacroExecutionMode=NEVER_EXECUTE,
        ),
    )
    if doc is None:
        raise ValueError("LibreOffice could not load the document")
    try:
        _store_pdf(doc, dst_url)
    finally:
        doc.close(True)


def _store_pdf(doc: Any, url: str) -> None:
    """Export with `PDF_OPTIONS`: FilterData must reach the filter typed as a sequence of
    PropertyValue, which only `uno.Any` through `uno.invoke` gives (a plain tuple is dropped)."""
    import uno

    options = _props(**{name: value for name, (_, value) in PDF_OPTIONS.items()})
    data = uno.Any("[]com.sun.star.beans.PropertyValue", options)
    uno.invoke(doc, "storeToURL", (url, _props(FilterName=PDF_FILTER, FilterData=data)))


def _shutdown(rundir: Path, pipe_name: str) -> NoReturn:
    """Kill every soffice process of this instance, then tidy up: the parent may be gone."""
    me = os.getpid()
    deadline = time.monotonic() + KILL_WAIT_SECONDS
    while (others := [pid for pid in _group_members(os.getpgid(0)) if pid != me]) and (
        time.monotonic() < deadline
    ):
        for pid in others:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(POLL_SECONDS)
    remove_leftovers(rundir, pipe_name)
    os._exit(0)


def main(argv: list[str]) -> NoReturn:
    soffice_path, pipe_name, rundir_arg = argv
    rundir = Path(rundir_arg)
    # Keep the protocol channel private: anything else writing to fd 1 (UNO warnings, children)
    # would corrupt it, so fd 1 now points at stderr and the protocol uses a duplicate.
    proto = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)
    write_profile(rundir / "profile")
    soffice = subprocess.Popen(
        [
            soffice_path,
            "--headless",
            "--invisible",
            "--nologo",
            "--norestore",
            "--nodefault",
            "--nolockcheck",
            f"--accept=pipe,name={pipe_name};urp;StarOffice.ComponentContext",
            f"-env:UserInstallation={profile_url(rundir)}",
        ],
        stdin=subprocess.DEVNULL,
        stdout=sys.stderr,
        stderr=sys.stderr,
    )
    try:
        _serve(proto, soffice, pipe_name)
    finally:
        # Whatever ended it, soffice goes too: a worker killed mid-conversion leaves this bridge
        # writing to a closed pipe (BrokenPipeError), and soffice must not outlive it.
        _shutdown(rundir, pipe_name)


def _serve(proto: TextIO, soffice: subprocess.Popen[bytes], pipe_name: str) -> None:
    """Answer conversion requests from stdin until it closes or soffice dies."""
    try:
        desktop = _connect(soffice, pipe_name)
    except Exception as exc:
        _send(proto, {"ready": False, "error": str(exc)})
        return
    _send(proto, {"ready": True, "pid": soffice.pid})
    for line in sys.stdin:
        request = json.loads(line)
        try:
            _convert(desktop, request["in"], request["out"])
        except Exception as exc:
            dead = not _alive(soffice, desktop)
            _send(proto, {"ok": False, "dead": dead, "error": f"{type(exc).__name__}: {exc}"})
            if dead:
                return
        else:
            _send(proto, {"ok": True})


if __name__ == "__main__":
    main(sys.argv[1:])
