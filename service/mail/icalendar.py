"""iCalendar (RFC 5545/5546) for visits: a REQUEST with each notice, a CANCEL when called off.

The UID is the visit's, so every updated notice updates the same calendar entry; SEQUENCE is the
visit's counter, so a client keeps the newest whatever order the e-mails arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

PRODID = "-//Vanthu//Lich kiem tra//VI"


@dataclass(frozen=True)
class Event:
    """One visit as a calendar event; times are aware datetimes."""

    uid: str
    sequence: int
    start: datetime
    end: datetime
    summary: str
    location: str
    description: str
    organizer_name: str
    organizer: str
    attendee_name: str
    attendee: str


def uid(visit_id: int, domain: str) -> str:
    """Deterministic: every notice about the visit names the same event."""
    return f"visit-{visit_id}@{domain}"


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _text(value: str) -> str:
    """A TEXT value: backslash, semicolon, comma and line ends escaped."""
    value = value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
    return value.replace("\r\n", "\\n").replace("\r", "\\n").replace("\n", "\\n")


def _param(value: str) -> str:
    """A parameter value: quoted when it holds : ; or , (a DQUOTE cannot appear at all)."""
    value = " ".join(value.replace('"', "").split())
    return f'"{value}"' if any(c in value for c in ":;,") else value


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on lines starting with a space (UTF-8 kept whole)."""
    out: list[str] = []
    current, size, limit = "", 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append(current)
            current, size, limit = " ", 1, 75
        current += char
        size += width
    out.append(current)
    return "\r\n".join(out)


def calendar(event: Event, method: str, stamp: datetime) -> str:
    """The VCALENDAR text for `method` ("REQUEST" or "CANCEL"), CRLF line ends."""
    status = "CANCELLED" if method == "CANCEL" else "CONFIRMED"
    lines = [
        "BEGIN:VCALENDAR",
        f"PRODID:{PRODID}",
        "VERSION:2.0",
        "CALSCALE:GREGORIAN",
        f"METHOD:{method}",
        "BEGIN:VEVENT",
        f"UID:{event.uid}",
        f"SEQUENCE:{event.sequence}",
        f"DTSTAMP:{_utc(stamp)}",
        f"DTSTART:{_utc(event.start)}",
        f"DTEND:{_utc(event.end)}",
        f"SUMMARY:{_text(event.summary)}",
        f"LOCATION:{_text(event.location)}",
        f"DESCRIPTION:{_text(event.description)}",
        f"ORGANIZER;CN={_param(event.organizer_name)}:mailto:{event.organizer}",
        f"ATTENDEE;CN={_param(event.attendee_name)};ROLE=REQ-PARTICIPANT;"
        f"PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:{event.attendee}",
        f"STATUS:{status}",
        "TRANSP:OPAQUE",
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return "".join(_fold(line) + "\r\n" for line in lines)
