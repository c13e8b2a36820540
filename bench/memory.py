"""From /proc: peak memory (VmHWM, the high-water mark of resident memory) and CPU time of a
process tree."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PROC = Path("/proc")


@dataclass(frozen=True)
class Peak:
    """One process and the most resident memory it ever held."""

    pid: int
    name: str
    peak_mb: float


def _status(pid: int | str) -> dict[str, str]:
    """The fields of /proc/PID/status (VmHWM, PPid, …); none once the process is gone."""
    try:
        text = (PROC / str(pid) / "status").read_text()
    except OSError:
        return {}
    return {
        key: value.strip() for key, _, value in (line.partition(":") for line in text.splitlines())
    }


def peak_mb(pid: int | str = "self") -> float:
    """VmHWM of `pid` in MB, 0.0 if the process is gone (or is a zombie, which has none)."""
    hwm = _status(pid).get("VmHWM")
    return int(hwm.split()[0]) / 1024 if hwm else 0.0


def _parents() -> dict[int, int]:
    """pid -> parent pid of every live process."""
    found: dict[int, int] = {}
    for entry in PROC.iterdir():
        if entry.name.isdigit() and (parent := _status(entry.name).get("PPid")):
            found[int(entry.name)] = int(parent)
    return found


def _name(pid: int) -> str:
    """What the process runs: LibreOffice, its UNO bridge, or the Python program's role."""
    try:
        comm = (PROC / str(pid) / "comm").read_text().strip()
        argv = (PROC / str(pid) / "cmdline").read_bytes().split(b"\0")
    except OSError:
        return "?"
    words = [a.decode(errors="replace") for a in argv if a]
    if comm.startswith(("soffice", "oosplash")):
        return "LibreOffice"
    if any(w.endswith("uno_bridge.py") for w in words):
        return "UNO bridge"
    if "celery" in words:
        return "celery " + next((w for w in ("worker", "beat") if w in words), "")
    if any("gunicorn" in w for w in words):
        return "gunicorn"
    return comm


def _tree(root: int) -> list[int]:
    """`root` and every descendant (Celery pool children, LibreOffice and its bridge)."""
    parents = _parents()
    tree, frontier = [root], [root]
    while frontier:
        children = [pid for pid, parent in parents.items() if parent in frontier]
        tree += children
        frontier = children
    return tree


def tree_peaks(root: int) -> list[Peak]:
    return [
        Peak(pid, _name(pid), round(peak_mb(pid), 1)) for pid in _tree(root) if peak_mb(pid) > 0
    ]


def tree_cpu_s(root: int) -> float:
    """CPU seconds (user and system) `root` and its descendants have used, with those of their
    children already reaped (a LibreOffice restarted, say)."""
    ticks = 0
    for pid in _tree(root):
        try:
            fields = (PROC / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        ticks += sum(int(field) for field in fields[11:15])  # utime stime cutime cstime
    return ticks / os.sysconf("SC_CLK_TCK")
