"""The audit chain: who did what, from which address, for whom; tamper-evident.

Every record of `PlanEvent` carries `hash = SHA-256(prev_hash + canonical content)`
and its place in one sequence; the single `AuditHead` row keeps the newest link.
Appending locks that row, so records are chained in commit order on PostgreSQL
(row lock) and on SQLite (BEGIN IMMEDIATE). `verify_chain` recomputes every hash
and names the first record that does not match.

The client address and the "on behalf of" person come from the request being
served (`AuditContextMiddleware`), or are empty for commands and Celery tasks.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.http import HttpRequest, HttpResponse

GENESIS = "0" * 64

_context: ContextVar[dict | None] = ContextVar("planflow_audit_context", default=None)


def current_context() -> dict:
    """{"client_address": str | None, "on_behalf_of_id": int | None} of the request being served."""
    return _context.get() or {}


@contextmanager
def audit_context(*, client_address: str | None = None, on_behalf_of_id: int | None = None) -> Iterator[None]:
    """Attach a client address and an "on behalf of" person to the records written inside."""
    token = _context.set({"client_address": client_address, "on_behalf_of_id": on_behalf_of_id})
    try:
        yield
    finally:
        _context.reset(token)


class AuditContextMiddleware:
    """Record the client's address on every audit record written while serving a request.

    REMOTE_ADDR is used as is: behind a reverse proxy, configure the proxy to set it
    (e.g. gunicorn's --forwarded-allow-ips) rather than trusting X-Forwarded-For here.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        with audit_context(client_address=request.META.get("REMOTE_ADDR") or None):
            return self.get_response(request)


def canonical(event) -> bytes:
    """The content a record's hash covers, as canonical JSON bytes (UTF-8, sorted keys)."""
    content = {
        "sequence": event.sequence,
        "plan": event.plan_id,
        "delivery": event.delivery_id,
        "unit": event.unit_id,
        "actor": event.actor_id,
        "on_behalf_of": event.on_behalf_of_id,
        "action": event.action,
        "from": event.from_state,
        "to": event.to_state,
        "comment": event.comment,
        "data": event.data,
        "at": event.created_at.astimezone(dt.UTC).isoformat(timespec="microseconds"),
        "client_address": event.client_address,
    }
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def link_hash(prev_hash: str, event) -> str:
    """SHA-256 hex of the previous hash followed by the record's canonical content."""
    return hashlib.sha256(prev_hash.encode() + canonical(event)).hexdigest()


@dataclass
class ChainBreak:
    """The first record where the chain does not hold, and why (in Vietnamese)."""

    sequence: int | None
    event_id: int | None
    reason: str


def verify_chain(*, chunk_size: int = 2000) -> tuple[int, ChainBreak | None]:
    """Recompute the whole chain; returns (records checked, first break or None)."""
    from documents.models import AuditHead, PlanEvent

    expected_prev, expected_sequence, checked = GENESIS, 1, 0
    for event in PlanEvent.objects.order_by("sequence").iterator(chunk_size=chunk_size):
        if event.sequence != expected_sequence:
            return checked, ChainBreak(
                event.sequence, event.pk, f"thiếu bản ghi số {expected_sequence} (bị xóa hoặc chưa được nối chuỗi)"
            )
        if event.prev_hash != expected_prev:
            return checked, ChainBreak(event.sequence, event.pk, "không nối với bản ghi liền trước (prev_hash sai)")
        if link_hash(event.prev_hash, event) != event.hash:
            return checked, ChainBreak(event.sequence, event.pk, "nội dung đã bị sửa sau khi ghi (hash không khớp)")
        expected_prev, expected_sequence, checked = event.hash, expected_sequence + 1, checked + 1
    head = AuditHead.objects.filter(pk=1).first()
    if head is not None and (head.last_sequence != checked or head.last_hash != expected_prev):
        return checked, ChainBreak(
            head.last_sequence, None, f"đầu chuỗi ghi số {head.last_sequence} nhưng chỉ còn {checked} bản ghi"
        )
    return checked, None
