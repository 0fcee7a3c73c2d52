"""A teacher's calendar feed (.ics, RFC 5545) built with `icalendar`: the sessions of each class
they hold a seat in (from its timetable, TZID Asia/Shanghai, with place, institution and a link
back), a whole-day event per class without a timetable yet, and the windows of the phases in
which teachers act (selection rounds). UIDs are stable (class and session number, term and
phase) and SEQUENCE is the project's version, so an approved change (CH-3) updates the events
a calendar already holds instead of adding new ones. Pure: built from models."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from icalendar import Calendar, Event

from schemas.calendar import SHANGHAI, PhaseId, TermCalendar
from schemas.catalog import Project
from schemas.selection import SelectionStatus

PRODID = "-//zjtrain//浙江省中小学教师专业发展培训平台//ZH"
DOMAIN = "zjtrain"
# Phases whose windows concern teachers (they act in them).
TEACHER_PHASES = (PhaseId.R1, PhaseId.R2)


@dataclass(frozen=True)
class Enrolment:
    """One class a teacher holds a seat in, with its project as published and its version."""

    project: Project
    class_id: str
    status: SelectionStatus
    version: int


def _status(s: SelectionStatus) -> str:
    return "CONFIRMED" if s == SelectionStatus.CONFIRMED else "TENTATIVE"


def feed(
    name: str, enrolments: Sequence[Enrolment], term: TermCalendar, site_url: str, now: datetime
) -> bytes:
    """The whole feed (a calendar app replaces what it held with it on every refresh)."""
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", f"{name}的培训日程")
    cal.add("x-wr-timezone", "Asia/Shanghai")
    cal.add("refresh-interval", timedelta(hours=6), parameters={"VALUE": "DURATION"})
    base = site_url.rstrip("/")
    for e in enrolments:
        p = e.project
        klass = next((c for c in p.classes if c.class_id == e.class_id), None)
        if klass is None:
            continue
        url = f"{base}/projects/{p.project_id}/"
        where = klass.place
        about = f"{p.institution_name}（{p.title} · {klass.name}）"
        if klass.timetable:
            for i, s in enumerate(klass.timetable, start=1):
                ev = _event(f"{klass.class_id}-s{i}", e.version, now, url, _status(e.status))
                ev.add("summary", f"{s.topic}（{p.title}）")
                ev.add("dtstart", datetime.combine(s.day, s.start, tzinfo=SHANGHAI))
                ev.add("dtend", datetime.combine(s.day, s.end, tzinfo=SHANGHAI))
                ev.add("location", where)
                teacher = f"授课：{s.instructor}\n" if s.instructor else ""
                ev.add("description", f"{teacher}{about}\n{url}")
                cal.add_component(ev)
        else:
            ev = _event(klass.class_id, e.version, now, url, _status(e.status))
            ev.add("summary", f"{p.title} · {klass.name}")
            ev.add("dtstart", klass.start_date)
            ev.add("dtend", klass.end_date + timedelta(days=1))
            ev.add("location", where)
            ev.add("description", f"{about}\n课程表发布后将显示每次课的时间。\n{url}")
            cal.add_component(ev)
    for phase in TEACHER_PHASES:
        w = term.window(phase)
        ev = _event(f"{term.term}-{phase.value}", 1, now, f"{base}/calendar/", "CONFIRMED")
        ev.add("summary", w.name)
        if w.opens_at or w.closes_at:
            ev.add("dtstart", w.opens)
            ev.add("dtend", w.closes)
        else:
            ev.add("dtstart", w.start)
            ev.add("dtend", w.end + timedelta(days=1))
        ev.add("description", f"{w.name}（{w.actor}）\n{base}/calendar/")
        ev.add("transp", "TRANSPARENT")
        cal.add_component(ev)
    cal.add_missing_timezones()
    return bytes(cal.to_ical())


def _event(uid: str, sequence: int, now: datetime, url: str, status: str) -> Event:
    ev = Event()
    ev.add("uid", f"{uid}@{DOMAIN}")
    ev.add("sequence", sequence)
    ev.add("dtstamp", now)
    ev.add("url", url)
    ev.add("status", status)
    return ev
