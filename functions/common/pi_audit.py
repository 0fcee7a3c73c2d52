"""Audit of every read of an unmasked ID number (个人信息保护法): who, whose, when, which page.

Nothing here trusts a context to remember: `make_app()` (functions/common/app.py) runs every
JSON response through `after_response`, which finds each valid 18-character ID number the
response carries in full and writes ONE audit item for the request before the response leaves:

    who    the verified JWT `sub` of the caller
    whose  each ID number masked (schemas.privacy), with the name and teacher_id found beside it
    when   the instant (UTC) and the day in Asia/Shanghai
    page   the site page the request came from (the `X-Zjt-Page` header api.js sends) and the
           API route that answered

If the audit write fails the request fails: no unmasked ID number leaves without its record.
Downloads that are not JSON (the teacher's own data as xlsx) call `record_reads` themselves.
The audit item never holds a full ID number. Items expire by TTL after `retention_of_reads()`
(schemas/pi_inventory.py lists it with every other record kind).
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from functions.common import keys, store
from schemas.calendar import SHANGHAI
from schemas.privacy import mask_id_number

PAGE_HEADER = "x-zjt-page"
_PAGE = re.compile(r"^/[\w\-./]{0,120}$")
_CANDIDATE = re.compile(r"^\d{17}[\dX]$")


@cache
def retention_of_reads() -> timedelta:
    """How long an audit item is kept (schemas/pi_inventory.py), read at the first audit write:
    the inventory and schemas.records are imported by no hot path, only when a response carries
    a candidate ID number (every function imports this module through app.py)."""
    from schemas.pi_inventory import retention

    return retention("id_read")


def _valid_id_number(value: str) -> bool:
    from schemas.records import id_number_problem  # lazy: see retention_of_reads

    return not id_number_problem(value)


@dataclass(frozen=True)
class Subject:
    """Whose ID number was shown: masked, with what identifies the person beside it."""

    id_masked: str
    name: str = ""
    teacher_id: str = ""

    def as_item(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}


def _subjects_in(node: Any, out: dict[str, Subject]) -> None:
    if isinstance(node, Mapping):
        for value in node.values():
            if isinstance(value, str) and _CANDIDATE.match(value) and _valid_id_number(value):
                masked = mask_id_number(value)
                out.setdefault(
                    masked + str(node.get("teacher_id", "")),
                    Subject(
                        id_masked=masked,
                        name=str(node.get("name") or ""),
                        teacher_id=str(node.get("teacher_id") or ""),
                    ),
                )
            else:
                _subjects_in(value, out)
    elif isinstance(node, list | tuple):
        for value in node:
            _subjects_in(value, out)


def unmasked_id_numbers(body: Any) -> list[Subject]:
    """Every valid ID number `body` (decoded JSON) carries in full, as audit subjects."""
    found: dict[str, Subject] = {}
    _subjects_in(body, found)
    return list(found.values())


def page_of(headers: Mapping[str, str] | None) -> str:
    """The page the client says it is on (a site path), or '' when absent or malformed."""
    value = (headers or {}).get(PAGE_HEADER) or ""
    return value if _PAGE.match(value) else ""


def record_reads(
    reader: str,
    subjects: Sequence[Subject],
    now: datetime,
    *,
    page: str,
    route: str,
    request_id: str | None = None,
) -> None:
    """Write the audit item of one response that showed `subjects`' ID numbers to `reader`."""
    if not subjects:
        return
    at = now.isoformat(timespec="microseconds")
    day = now.astimezone(SHANGHAI).date().isoformat()
    shard = int(hashlib.sha256(reader.encode()).hexdigest(), 16) % keys.ID_READ_SHARDS
    request = request_id or uuid.uuid4().hex
    store.put_item(
        {
            **keys.id_read(day, shard, at, request),
            **keys.id_read_by_reader(reader, at),
            "reader": reader,
            "at": at,
            "page": page,
            "route": route,
            "subjects": [s.as_item() for s in subjects],
            "count": len(subjects),
            "expires_at": int((now + retention_of_reads()).timestamp()),
        }
    )


def _decoded(body: Any) -> Any:
    if isinstance(body, bytes):
        body = body.decode("utf-8", "replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except ValueError:
            return None
    return body


def after_response(event: Any, body: Any, now: datetime) -> None:
    """Audit a JSON response of the API if it shows any ID number in full."""
    subjects = unmasked_id_numbers(_decoded(body))
    if not subjects:
        return
    authorizer = event.request_context.authorizer
    claims = authorizer.jwt_claim if authorizer else None
    raw = event.raw_event
    record_reads(
        str((claims or {}).get("sub") or "anonymous"),
        subjects,
        now,
        page=page_of(event.headers),
        route=str(raw.get("routeKey") or f"{event.http_method} {event.path}"),
        request_id=str((raw.get("requestContext") or {}).get("requestId") or "") or None,
    )


def reads_on(day: str) -> Iterable[dict[str, Any]]:
    """Every audit item of one day (Asia/Shanghai), all shards: for operators and tests."""
    for shard in range(keys.ID_READ_SHARDS):
        yield from store.query_pages(
            KeyConditionExpression="PK = :pk",
            ExpressionAttributeValues={":pk": keys.id_read_pk(day, shard)},
        )
