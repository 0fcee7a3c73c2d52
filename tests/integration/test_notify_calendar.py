"""A teacher's private calendar feed (.ics) against the DynamoDB engine (moto): an unguessable,
revocable address; sessions from the timetable with TZID Asia/Shanghai and the place; the
selection windows; an approved change keeps the UID and raises the SEQUENCE (CH-3)."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Any

import pytest
from icalendar import Calendar

from functions.common import keys, store
from functions.notify.handler import lambda_handler
from functions.projects import store as pstore
from functions.selection.handler import lambda_handler as selection_handler
from schemas.calendar import SHANGHAI
from schemas.catalog import Session
from schemas.projects import AuditEntry
from tests.support.events import FakeContext, call, http_event

pytestmark = pytest.mark.usefixtures("world")


def api(method: str, path: str, sub: str | None = None, **kw: Any) -> tuple[int, Any, dict]:
    return call(lambda_handler, http_event(method, path, sub=sub, **kw))


def fetch(url: str) -> tuple[int, str, dict[str, str]]:
    path = url[url.index("/api/") :]
    feed = path.rsplit("/", 1)[1]
    resp = lambda_handler(
        http_event("GET", path, route="/api/calendar/{feed}", path_params={"feed": feed}),
        FakeContext(),
    )
    return resp["statusCode"], resp.get("body") or "", resp.get("headers") or {}


def events(text: str) -> dict[str, Any]:
    cal = Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_a_teachers_feed_holds_the_sessions_in_shanghai_time_and_the_windows(clock_at):
    clock_at("2024-03-20 10:00")
    s, _, _ = call(
        selection_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": "p1-c1"}),
    )
    assert s == 201
    assert api("GET", "/api/calendar/feed", "t1")[1] == {"url": None, "webcal": None}
    status, feed, _ = api("POST", "/api/calendar/feed", "t1")
    assert status == 200 and feed["url"].endswith(".ics"), feed
    assert feed["webcal"].startswith("webcal://")
    status, text, headers = fetch(feed["url"])
    assert status == 200 and headers["Content-Type"].startswith("text/calendar")
    cal = Calendar.from_ical(text)
    assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Asia/Shanghai"]
    evs = events(text)
    session = evs["p1-c1-s1@zjtrain"]
    start = session.decoded("DTSTART")
    assert start == datetime(2024, 4, 8, 9, 0, tzinfo=SHANGHAI)
    assert (
        str(start.tzinfo) == "Asia/Shanghai"
        and session["DTSTART"].params["TZID"] == "Asia/Shanghai"
    )
    assert session.decoded("DTEND") == datetime(2024, 4, 8, 11, 30, tzinfo=SHANGHAI)
    assert str(session["LOCATION"]) == "金华" and "浙江师范大学" in str(session["DESCRIPTION"])
    assert str(session["URL"]).endswith("/projects/p1/") and str(session["STATUS"]) == "TENTATIVE"
    r1 = evs["2024H1-PH-R1@zjtrain"]
    assert r1.decoded("DTSTART") == date(2024, 3, 19) and r1.decoded("DTEND") == date(2024, 3, 27)
    assert "2024H1-PH-R2@zjtrain" in evs


def test_an_approved_change_keeps_the_uid_and_raises_the_sequence_CH_3(clock_at):
    clock_at("2024-03-20 10:00")
    call(
        selection_handler,
        http_event("POST", "/api/selections", sub="t1", body={"class_id": "p1-c1"}),
    )
    url = api("POST", "/api/calendar/feed", "t1")[1]["url"]
    before = events(fetch(url)[1])["p1-c1-s1@zjtrain"]

    found = pstore.get_published("p1")
    assert found is not None
    item, doc = found
    moved = Session(day=date(2024, 4, 9), start=time(14), end=time(16), topic="开班讲座")
    klass = doc.classes[0].model_copy(
        update={
            "start_date": date(2024, 4, 9),
            "end_date": date(2024, 4, 11),
            "timetable": (moved,),
        }
    )
    new_doc = doc.model_copy(update={"classes": (klass, *doc.classes[1:])})
    audit = AuditEntry(
        at=datetime(2024, 3, 21, tzinfo=SHANGHAI),
        project_id="p1",
        institution_id="zjnu",
        term="2024H1",
        event="change_approved",
        actor="test",
    )
    pstore.write_revision(item, new_doc, [], audit)

    after = events(fetch(url)[1])["p1-c1-s1@zjtrain"]
    assert int(after["SEQUENCE"]) > int(before["SEQUENCE"])
    assert after.decoded("DTSTART") == datetime(2024, 4, 9, 14, 0, tzinfo=SHANGHAI)


def test_a_new_address_revokes_the_old_one_and_revoking_stops_the_feed(clock_at):
    clock_at("2024-03-20 10:00")
    first = api("POST", "/api/calendar/feed", "t1")[1]["url"]
    second = api("POST", "/api/calendar/feed", "t1")[1]["url"]
    assert first != second
    assert fetch(first)[0] == 404 and fetch(second)[0] == 200
    assert api("DELETE", "/api/calendar/feed", "t1")[1]["url"] is None
    assert fetch(second)[0] == 404
    assert store.get_item(keys.teacher_calendar("t1")) is None


def test_a_guessed_or_malformed_address_finds_nothing(clock_at):
    assert fetch("http://x/api/calendar/" + "A" * 32 + ".ics")[0] == 404
    assert fetch("http://x/api/calendar/short.ics")[0] == 422


def test_only_teachers_have_a_feed(clock_at):
    status, body, _ = api("POST", "/api/calendar/feed", "p-s1")
    assert status == 403, body
