"""One EventBridge Scheduler one-time schedule per phase boundary of every term calendar (and
a daily one per term for its reminders and its completion deadlines).

Derived from `schemas.calendar.all_calendars()`: adding `data/terms/2024H2.yaml` adds its
schedules at the next deploy with no code change. The expression is the Asia/Shanghai wall-clock
time, written out here: CDK's `ScheduleExpression.at(datetime, tz)` formats the instant in UTC
and then labels it with the time zone, which fires 8 hours late.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from aws_cdk import Duration
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.config import Schedules
from schemas.calendar import SHANGHAI, TermCalendar

TIMEZONE = "Asia/Shanghai"
_VALID_NAME = re.compile(r"^[0-9a-zA-Z\-_.]{1,64}$")


@dataclass(frozen=True)
class Boundary:
    """One scheduled toggle: the phase-toggle function's event and when it fires."""

    term: str
    phase: str
    action: str  # "open" | "close"
    at: datetime  # aware

    @property
    def name(self) -> str:
        name = f"zjt-{self.term}-{self.phase}-{self.action}"
        if not _VALID_NAME.match(name):
            raise ValueError(f"invalid schedule name {name!r}")
        return name

    @property
    def expression(self) -> str:
        """`at(...)` in Asia/Shanghai wall-clock time (paired with ScheduleExpressionTimezone)."""
        return f"at({self.at.astimezone(SHANGHAI):%Y-%m-%dT%H:%M:%S})"

    def payload(self) -> dict[str, str]:
        return {
            "term": self.term,
            "phase": self.phase,
            "action": self.action,
            "at": self.at.astimezone(SHANGHAI).isoformat(),
        }


@dataclass(frozen=True)
class ReminderFiring:
    """A deadline reminder's schedule (五(一)): the phase function starts the reminder worker.
    A one-time reminder fires `at(...)`; a daily one is a cron from its first to its last day,
    whose instant EventBridge Scheduler puts into the event (`<aws.scheduler.scheduled-time>`)."""

    term: str
    reminder: str
    phase: str
    first: datetime
    last: datetime
    daily: bool

    @property
    def name(self) -> str:
        name = f"zjt-{self.term}-remind-{self.reminder}"
        if not _VALID_NAME.match(name):
            raise ValueError(f"invalid schedule name {name!r}")
        return name

    @property
    def expression(self) -> str:
        t = self.first.astimezone(SHANGHAI)
        if self.daily:
            return f"cron({t.minute} {t.hour} * * ? *)"
        return f"at({t:%Y-%m-%dT%H:%M:%S})"

    def payload(self) -> dict[str, str]:
        at = (
            "<aws.scheduler.scheduled-time>"
            if self.daily
            else self.first.astimezone(SHANGHAI).isoformat()
        )
        return {
            "term": self.term,
            "phase": self.phase,
            "action": "remind",
            "reminder": self.reminder,
            "at": at,
        }


@dataclass(frozen=True)
class SweepFiring:
    """The daily completion-deadline sweep of a term (QA-2, `TermCalendar.completion_sweeps`):
    a cron from its first to its last day; the event carries the scheduled instant."""

    term: str
    phase: str
    first: datetime
    last: datetime

    @property
    def name(self) -> str:
        name = f"zjt-{self.term}-settle-completions"
        if not _VALID_NAME.match(name):
            raise ValueError(f"invalid schedule name {name!r}")
        return name

    @property
    def expression(self) -> str:
        t = self.first.astimezone(SHANGHAI)
        return f"cron({t.minute} {t.hour} * * ? *)"

    def payload(self) -> dict[str, str]:
        return {
            "term": self.term,
            "phase": self.phase,
            "action": "settle",
            "at": "<aws.scheduler.scheduled-time>",
        }


def sweep_firings(calendars: Iterable[TermCalendar]) -> list[SweepFiring]:
    out = []
    for cal in calendars:
        times = cal.completion_sweeps()
        out.append(SweepFiring(cal.term, cal.training.completion_phase.value, times[0], times[-1]))
    return out


def reminder_firings(calendars: Iterable[TermCalendar]) -> list[ReminderFiring]:
    out = []
    for cal in calendars:
        for r in cal.reminders:
            times = r.fire_times(cal)
            out.append(
                ReminderFiring(
                    cal.term, r.id, r.phase.value, times[0], times[-1], r.daily_from is not None
                )
            )
    return out


def boundaries(calendars: Iterable[TermCalendar]) -> list[Boundary]:
    """Every opening and closing of every calendar; names are unique."""
    out = [
        Boundary(cal.term, phase.value, action, at)
        for cal in calendars
        for at, phase, action in cal.boundaries()
    ]
    names = [b.name for b in out]
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ValueError(f"two calendars declare the same term: {dupes}")
    return out


class PhaseSchedules(Construct):
    """The schedules, their group, the role that invokes the toggle, and the dead-letter queue."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        *,
        target: lambda_.IFunction,
        calendars: Iterable[TermCalendar],
        settings: Schedules,
        key: kms.IKey,
    ) -> None:
        super().__init__(scope, id)
        self.dead_letters = sqs.Queue(
            self,
            "DeadLetters",
            enforce_ssl=True,
            encryption=sqs.QueueEncryption.KMS,
            encryption_master_key=key,
            retention_period=Duration.days(14),
        )
        group = scheduler.CfnScheduleGroup(self, "Group", name=settings.group)
        self.role = role = iam.Role(
            self,
            "InvokeRole",
            assumed_by=iam.ServicePrincipal("scheduler.amazonaws.com"),
            description="EventBridge Scheduler: invoke the phase-toggle function",
        )
        target.grant_invoke(role)
        self.dead_letters.grant_send_messages(role)

        calendars = list(calendars)
        self.boundaries = boundaries(calendars)
        self.reminders = reminder_firings(calendars)
        enable_from: date | None = settings.enable_from
        for f in self.reminders:
            enabled = enable_from is None or f.last.astimezone(SHANGHAI).date() >= enable_from
            window: dict[str, str] = {}
            if f.daily:  # the cron's first and last day (a minute either side of the firings)
                window = {
                    "start_date": f"{(f.first - timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                    "end_date": f"{(f.last + timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                }
            schedule = scheduler.CfnSchedule(
                self,
                f.name,
                name=f.name,
                group_name=settings.group,
                description=f"{f.term} reminder {f.reminder}",
                schedule_expression=f.expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED" if enabled else "DISABLED",
                target=self._target(target, role, f.payload(), settings),
                **window,
            )
            schedule.node.add_dependency(group)
        self.sweeps = sweep_firings(calendars)
        for w in self.sweeps:
            enabled = enable_from is None or w.last.astimezone(SHANGHAI).date() >= enable_from
            schedule = scheduler.CfnSchedule(
                self,
                w.name,
                name=w.name,
                group_name=settings.group,
                description=f"{w.term} completion deadlines (daily sweep)",
                schedule_expression=w.expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED" if enabled else "DISABLED",
                target=self._target(target, role, w.payload(), settings),
                # The cron's first and last day, a minute either side of the firings.
                start_date=f"{(w.first - timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
                end_date=f"{(w.last + timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
            )
            schedule.node.add_dependency(group)
        for b in self.boundaries:
            enabled = enable_from is None or b.at.astimezone(SHANGHAI).date() >= enable_from
            schedule = scheduler.CfnSchedule(
                self,
                b.name,
                name=b.name,
                group_name=settings.group,
                description=f"{b.term} {b.phase} {b.action}",
                schedule_expression=b.expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED" if enabled else "DISABLED",
                target=self._target(target, role, b.payload(), settings),
            )
            schedule.node.add_dependency(group)

    def _target(
        self, fn: lambda_.IFunction, role: iam.IRole, payload: dict[str, Any], s: Schedules
    ) -> scheduler.CfnSchedule.TargetProperty:
        return scheduler.CfnSchedule.TargetProperty(
            arn=fn.function_arn,
            role_arn=role.role_arn,
            input=json.dumps(payload, ensure_ascii=False),
            retry_policy=scheduler.CfnSchedule.RetryPolicyProperty(
                maximum_retry_attempts=s.max_retry_attempts,
                maximum_event_age_in_seconds=s.max_event_age_seconds,
            ),
            dead_letter_config=scheduler.CfnSchedule.DeadLetterConfigProperty(
                arn=self.dead_letters.queue_arn
            ),
        )
