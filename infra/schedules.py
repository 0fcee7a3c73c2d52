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
class Firing:
    """One schedule of a term that calls the phase function. What every kind shares: its name
    (checked against Scheduler's pattern when it is made), its expression in Asia/Shanghai
    wall-clock time (paired with ScheduleExpressionTimezone), the days a daily cron runs, and
    the event it sends. A one-time schedule fires `at(first)`; a daily one is a cron from its
    first to its last firing, whose instant EventBridge Scheduler puts into the event
    (`<aws.scheduler.scheduled-time>`). A kind says only its name's tail, its event and its
    description."""

    term: str
    phase: str
    first: datetime  # aware
    last: datetime  # aware; the same as `first` for a one-time schedule
    daily: bool

    def __post_init__(self) -> None:
        if not _VALID_NAME.match(self.name):
            raise ValueError(f"invalid schedule name {self.name!r}")

    @property
    def name(self) -> str:
        return f"zjt-{self.term}-{self.tail}"

    @property
    def tail(self) -> str:
        raise NotImplementedError

    @property
    def description(self) -> str:
        raise NotImplementedError

    def event(self) -> dict[str, str]:
        """What the phase function is asked to do (`action`, and what it needs to do it)."""
        raise NotImplementedError

    @property
    def expression(self) -> str:
        t = self.first.astimezone(SHANGHAI)
        if self.daily:
            return f"cron({t.minute} {t.hour} * * ? *)"
        return f"at({t:%Y-%m-%dT%H:%M:%S})"

    @property
    def window(self) -> dict[str, str]:
        """A daily cron's first and last day (a minute either side of the firings)."""
        if not self.daily:
            return {}
        return {
            "start_date": f"{(self.first - timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
            "end_date": f"{(self.last + timedelta(minutes=1)).astimezone(UTC):%Y-%m-%dT%H:%M:%SZ}",
        }

    def payload(self) -> dict[str, str]:
        at = (
            "<aws.scheduler.scheduled-time>"
            if self.daily
            else self.first.astimezone(SHANGHAI).isoformat()
        )
        return {"term": self.term, "phase": self.phase, **self.event(), "at": at}


@dataclass(frozen=True)
class Boundary(Firing):
    """One scheduled toggle: a phase opens or closes, once."""

    action: str  # "open" | "close"

    @classmethod
    def of(cls, term: str, phase: str, action: str, at: datetime) -> Boundary:
        return cls(term, phase, at, at, False, action)

    @property
    def tail(self) -> str:
        return f"{self.phase}-{self.action}"

    @property
    def description(self) -> str:
        return f"{self.term} {self.phase} {self.action}"

    def event(self) -> dict[str, str]:
        return {"action": self.action}


@dataclass(frozen=True)
class ReminderFiring(Firing):
    """A deadline reminder's schedule (五(一)): the phase function starts the reminder worker,
    once or daily."""

    reminder: str

    @property
    def tail(self) -> str:
        return f"remind-{self.reminder}"

    @property
    def description(self) -> str:
        return f"{self.term} reminder {self.reminder}"

    def event(self) -> dict[str, str]:
        return {"action": "remind", "reminder": self.reminder}


@dataclass(frozen=True)
class SweepFiring(Firing):
    """The daily completion-deadline sweep of a term (QA-2, `TermCalendar.completion_sweeps`)."""

    @property
    def tail(self) -> str:
        return "settle-completions"

    @property
    def description(self) -> str:
        return f"{self.term} completion deadlines (daily sweep)"

    def event(self) -> dict[str, str]:
        return {"action": "settle"}


def sweep_firings(calendars: Iterable[TermCalendar]) -> list[SweepFiring]:
    out = []
    for cal in calendars:
        times = cal.completion_sweeps()
        phase = cal.training.completion_phase.value
        out.append(SweepFiring(cal.term, phase, times[0], times[-1], daily=True))
    return out


def reminder_firings(calendars: Iterable[TermCalendar]) -> list[ReminderFiring]:
    out = []
    for cal in calendars:
        for r in cal.reminders:
            times = r.fire_times(cal)
            daily = r.daily_from is not None
            out.append(ReminderFiring(cal.term, r.phase.value, times[0], times[-1], daily, r.id))
    return out


def boundaries(calendars: Iterable[TermCalendar]) -> list[Boundary]:
    """Every opening and closing of every calendar; names are unique."""
    out = [
        Boundary.of(cal.term, phase.value, action, at)
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
        self.sweeps = sweep_firings(calendars)
        enable_from: date | None = settings.enable_from
        firings: list[Firing] = [*self.reminders, *self.sweeps, *self.boundaries]
        for f in firings:
            enabled = enable_from is None or f.last.astimezone(SHANGHAI).date() >= enable_from
            schedule = scheduler.CfnSchedule(
                self,
                f.name,
                name=f.name,
                group_name=settings.group,
                description=f.description,
                schedule_expression=f.expression,
                schedule_expression_timezone=TIMEZONE,
                flexible_time_window=scheduler.CfnSchedule.FlexibleTimeWindowProperty(mode="OFF"),
                state="ENABLED" if enabled else "DISABLED",
                target=self._target(target, role, f.payload(), settings),
                **f.window,
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
