"""An iCalendar (RFC 5545) feed of deadlines, written by hand: no dependency for ~60 lines.

- Lines end in CRLF and are folded at 75 octets (3.1), never inside a UTF-8 character.
- TEXT values escape backslash, semicolon, comma and newline (3.3.11).
- Timed deadlines are written in UTC ("Z"), so no VTIMEZONE is needed (3.3.5, form #2);
  a date-only deadline (due at 23:59:59 local time) is an all-day event on its date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from notifications.calendar import END_OF_DAY, to_local
from notifications.content import ACTIONS, SHORT, plan_label, site_url
from notifications.models import Obligation

PRODID = "-//planflow//Han xu ly ke hoach//VI"


def escape_text(value: str) -> str:
    """Escape a TEXT value (RFC 5545, 3.3.11)."""
    return (
        value.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def fold(line: str) -> str:
    """Fold a content line at 75 octets (RFC 5545, 3.1); continuation lines start with one space."""
    out: list[str] = []
    current, size, limit = [], 0, 75
    for char in line:
        width = len(char.encode("utf-8"))
        if size + width > limit:
            out.append("".join(current))
            current, size, limit = [" "], 1, 75
        current.append(char)
        size += width
    out.append("".join(current))
    return "\r\n".join(out)


def _utc(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _event(obligation: Obligation, *, stamp: datetime, domain: str) -> list[str]:
    local = to_local(obligation.due_at)
    summary = f"{SHORT[obligation.kind].capitalize()}: {plan_label(obligation.plan)} – {obligation.unit.name}"
    description = (
        f"{obligation.unit.name} cần {ACTIONS[obligation.kind]}.\n"
        f"{obligation.plan.title}\n{site_url(f'/plans/{obligation.plan_id}/')}"
    )
    lines = [
        "BEGIN:VEVENT",
        f"UID:obligation-{obligation.pk}@{domain}",
        f"DTSTAMP:{_utc(stamp)}",
    ]
    if local.time().replace(microsecond=0) == END_OF_DAY:
        day = local.date()
        lines += [f"DTSTART;VALUE=DATE:{day:%Y%m%d}", f"DTEND;VALUE=DATE:{day + timedelta(days=1):%Y%m%d}"]
    else:
        lines += [f"DTSTART:{_utc(local - timedelta(minutes=30))}", f"DTEND:{_utc(local)}"]
    lines += [
        f"SUMMARY:{escape_text(summary)}",
        f"DESCRIPTION:{escape_text(description)}",
        f"URL:{site_url(f'/plans/{obligation.plan_id}/')}",
        "TRANSP:TRANSPARENT",
        "END:VEVENT",
    ]
    return lines


def calendar_text(
    obligations: Iterable[Obligation], *, name: str, stamp: datetime, domain: str = "planflow.local"
) -> str:
    """The whole VCALENDAR of these obligations, CRLF line ends, folded."""
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        "METHOD:PUBLISH",
        f"X-WR-CALNAME:{escape_text(name)}",
        "X-WR-TIMEZONE:Asia/Ho_Chi_Minh",
    ]
    for obligation in obligations:
        lines += _event(obligation, stamp=stamp, domain=domain)
    lines.append("END:VCALENDAR")
    return "".join(fold(line) + "\r\n" for line in lines)
