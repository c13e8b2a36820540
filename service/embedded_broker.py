"""The embedded broker: kombu's `filesystem://` transport made safe on a full or damaged disk.

Kombu writes a message straight into its final name, so a full disk leaves an empty `.msg` that
every worker start then dies on (`JSONDecodeError`). Here a message is written to a temporary
name, flushed to disk and renamed into the queue folder, so a reader sees a whole message or
none; a file that still cannot be read (damaged, written by an older version) is moved to
`quarantine/` with a log line, and the worker goes on. The job row is the truth: a doorbell
lost this way is rung again by the sweep.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import defaultdict, deque
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from queue import Empty
from time import monotonic, perf_counter
from typing import IO, Any

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.json import dumps, loads

from service.files import write_atomically

log = logging.getLogger(__name__)

QUARANTINE = "quarantine"
CLAIMED = "claimed"
MESSAGE = ".msg"
# How stale the listing of the folder may be when a queue has nothing left in it: a new message
# on an idle queue waits at most this long beyond the polling interval.
LISTING_SECONDS = 0.05


def _priority(payload: Any) -> int:
    """The message's priority, 0 (soonest) to 9, whatever the sender wrote."""
    try:
        return max(0, min(9, int(payload["properties"]["priority"])))
    except (KeyError, TypeError, ValueError):
        return 9


def _parse_table(raw: bytes) -> list[filesystem.exchange_queue_t]:
    """An exchange's bindings; an unreadable table (cut short by a full disk) counts as empty,
    since every worker binds its queues again when it starts."""
    try:
        return [filesystem.exchange_queue_t(*q) for q in loads(raw.decode())]
    except (ValueError, TypeError):
        return []


@contextmanager
def _locked(file: Path, mode: str, kind: int) -> Iterator[IO[bytes]]:
    try:
        handle: IO[bytes] = file.open(mode, buffering=0)
    except OSError as exc:
        raise ChannelError(f"Cannot open {file}") from exc
    try:
        filesystem.lock(handle, kind)
        yield handle
    finally:
        filesystem.unlock(handle)
        handle.close()


class Channel(filesystem.Channel):  # type: ignore[misc]
    """Atomic writes, and reads that set a bad message aside instead of failing."""

    # kombu's own two signatures for it disagree; this is the filesystem one
    def _put(self, queue: str, payload: Any, **kwargs: Any) -> None:  # type: ignore[override]
        # Names sort by priority (0 first, as on Redis), then in the order the messages were
        # put (zero-padded).
        priority = _priority(payload)
        name = f"{priority}{round(monotonic() * 1000):015d}_{uuid.uuid4()}.{queue}.msg"
        try:
            write_atomically(Path(self.data_folder_out) / name, dumps(payload).encode())
        except OSError as exc:
            raise ChannelError(f"Cannot add a message to {self.data_folder_out}: {exc}") from exc

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._listed: dict[str, deque[str]] = {}
        self._listed_at = float("-inf")

    def _get(self, queue: str, timeout: Any = None) -> Any:
        folder = Path(self.data_folder_in)
        claimed = folder / CLAIMED
        claimed.mkdir(exist_ok=True)
        names = self._names(queue, folder)
        while names:
            name = names.popleft()
            path = claimed / name
            try:  # a rename in one folder: exactly one reader wins the message
                os.rename(folder / name, path)
            except OSError:
                continue
            try:
                payload = loads(path.read_bytes().decode())
            except (OSError, ValueError) as error:
                self._quarantine(path, error)
                continue
            path.unlink(missing_ok=True)
            return payload
        raise Empty()

    def _names(self, queue: str, folder: Path) -> deque[str]:
        """The queue's messages oldest first, as the folder was last listed. A long backlog is
        listed once, not at every message; the folder is listed again when the queue's share
        runs out, at most every `LISTING_SECONDS`, and a name another worker took meanwhile
        only fails its rename."""
        names = self._listed.get(queue)
        if not names and perf_counter() - self._listed_at >= LISTING_SECONDS:
            self._listed = defaultdict(deque)
            for name in sorted(os.listdir(folder)):
                _stamp, dot, suffix = name.partition(".")
                if dot and suffix.endswith(MESSAGE):
                    self._listed[suffix.removesuffix(MESSAGE)].append(name)
            self._listed_at = perf_counter()
            names = self._listed.get(queue)
        return names if names is not None else deque()

    def _quarantine(self, path: Path, error: Exception) -> None:
        """Set an unreadable message aside for the operator to look at, and carry on."""
        target = Path(self.data_folder_in) / QUARANTINE / path.name
        log.error("broker message %s is unreadable (%s); moved to %s", path.name, error, target)
        try:
            target.parent.mkdir(exist_ok=True)
            os.replace(path, target)
        except OSError:
            path.unlink(missing_ok=True)

    def get_table(self, exchange: str) -> list[filesystem.exchange_queue_t]:
        """The bindings on disk (declared by any process), and those this process declared
        itself, which a table lost to a full disk would otherwise drop without a trace."""
        file = self._exchange_file(exchange)
        table: list[filesystem.exchange_queue_t] = []
        if file.exists():
            with _locked(file, "rb", filesystem.LOCK_SH) as handle:
                table = _parse_table(handle.read())
        exchanges = self.state.exchanges
        own = exchanges[exchange].get("table", []) if exchange in exchanges else []
        mine = [filesystem.exchange_queue_t(*binding) for binding in own]
        return table + [binding for binding in mine if binding not in table]

    def _queue_bind(self, exchange: str, routing_key: str, pattern: str, queue: str) -> None:
        file = self._exchange_file(exchange)
        self.control_folder.mkdir(exist_ok=True)
        binding = filesystem.exchange_queue_t(routing_key or "", pattern or "", queue or "")
        file.touch()
        with _locked(file, "rb+", filesystem.LOCK_EX) as handle:
            queues = _parse_table(handle.read())
            if binding in queues:
                return
            try:
                handle.seek(0)
                handle.write(dumps([binding, *queues]).encode())
                handle.truncate()
            except OSError as exc:
                raise ChannelError(f"Cannot write {file}: {exc}") from exc


class Transport(filesystem.Transport):  # type: ignore[misc]
    Channel = Channel
