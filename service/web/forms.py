"""Reading submitted forms: NFC text, editable lists, numbers, dates and times, with messages.

Every problem is recorded against its field name so that the form is shown again with the
message beside the field; nothing here raises.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time

from werkzeug.datastructures import MultiDict

from service.errors import Stale
from workflows.limits import INT_MAX

REQUIRED = "Không được để trống"
# The hidden field of an edit form: the version of the record it was shown with.
VERSION = "version"
THOUSANDS = re.compile(r"-?\d{1,3}(\.\d{3})+")


def clean(value: str) -> str:
    """Text as stored: NFC-normalised (input may be NFD), without surrounding spaces."""
    return unicodedata.normalize("NFC", value).strip()


class Form:
    """The submitted values of one form and the per-field messages gathered while reading."""

    def __init__(self, data: MultiDict[str, str]) -> None:
        self.data = data
        self.errors: dict[str, str] = {}
        self.stale: Stale | None = None  # the refusal, when the record changed since shown

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def version(self, name: str = VERSION) -> int | None:
        """The version of the record the form was shown with; None for a form without one,
        which is saved without a check, as before versions were kept."""
        return self.integer(name, minimum=0)

    def shown_version(self) -> int | None:
        """The version to show the form again with: the record's current one once saving found
        it changed (saving again is then done knowing it), else the one it came with."""
        return self.stale.version if self.stale is not None else self.version()

    @property
    def status(self) -> int:
        """What a refused form answers: 409 when the record changed since it was shown."""
        return 409 if self.stale is not None else 422

    def text(self, name: str, *, required: bool = False, max_length: int = 20000) -> str:
        value = clean(self.data.get(name, ""))
        if required and not value:
            self.fail(name, REQUIRED)
        elif len(value) > max_length:
            self.fail(name, f"Tối đa {max_length} ký tự")
        return value

    def lines(self, name: str, *, max_items: int = 200) -> list[str]:
        """An editable list: one input per item, blank items dropped."""
        values = [clean(v) for v in self.data.getlist(name)]
        values = [v for v in values if v]
        if len(values) > max_items:
            self.fail(name, f"Tối đa {max_items} dòng")
        return values

    def paragraphs(self, name: str) -> list[str]:
        """A textarea holding one item per line."""
        return [line for line in (clean(v) for v in self.data.get(name, "").splitlines()) if line]

    def integer(
        self,
        name: str,
        *,
        required: bool = False,
        minimum: int = -INT_MAX,
        maximum: int = INT_MAX,
    ) -> int | None:
        """A whole number within bounds (by default what the database's INTEGER holds)."""
        raw = self.data.get(name, "").strip()
        if THOUSANDS.fullmatch(raw):
            raw = raw.replace(".", "")  # `1.200`: Vietnamese group thousands with dots
        if not raw:
            if required:
                self.fail(name, REQUIRED)
            return None
        try:
            value = int(raw)
        except ValueError:
            self.fail(name, "Phải là số nguyên")
            return None
        if value < minimum:
            self.fail(name, f"Không được nhỏ hơn {minimum}")
        elif value > maximum:
            self.fail(name, f"Không được lớn hơn {maximum}")
        else:
            return value
        return None  # out of range: nothing to look up or store

    def date(self, name: str, *, required: bool = False) -> date | None:
        """A date picker's `2023-09-05`, or `05/09/2023` typed by hand."""
        raw = self.data.get(name, "").strip()
        if not raw:
            if required:
                self.fail(name, REQUIRED)
            return None
        for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(raw, pattern).date()
            except ValueError:
                continue
        self.fail(name, "Ngày không hợp lệ (dd/mm/yyyy)")
        return None

    def time(self, name: str, *, required: bool = False) -> time | None:
        """A time picker's `08:00` (also `8:00`, `08h00`)."""
        raw = self.data.get(name, "").strip().lower().replace("h", ":").replace("giờ", ":")
        if not raw:
            if required:
                self.fail(name, REQUIRED)
            return None
        try:
            hours, minutes = (int(part or 0) for part in raw.replace(" ", "").split(":")[:2])
            return time(hours, minutes)
        except ValueError:
            self.fail(name, "Giờ không hợp lệ (hh:mm)")
            return None

    def checked(self, name: str) -> bool:
        return self.data.get(name) in ("on", "1", "true")
