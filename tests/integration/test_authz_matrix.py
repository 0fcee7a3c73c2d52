"""The authorization matrix: every route of `functions/common/routes.py` × every identity, each
cell's expected answer written down below as data (issue 11).

Identities (`authz_world.ACCOUNTS`): one account per role in the home scope (school s1 of
杭州市西湖区 330106; institution 浙江师范大学 `zjnu`), the same role in another scope (another
school of the county, another county of the city, another city, another institution, a local
institution), plus `anonymous` (no token), `unknown` (a valid token whose subject has no account)
and `disabled` (a disabled province bureau account). Every resource a row names belongs to the
home scope. The handler tests below call each function with the event API Gateway sends after
its JWT authorizer; the gateway tests at the end prove the authorizer part (no token, bad tokens)
for every route through `local/gateway.py`.

## Adding a route
A route in routes.py without a row here fails `test_every_route_has_a_row`. Add to `ROWS`:

    "POST /api/things/{thing_id}": Row(
        params={"thing_id": "{thing_id}"},   # "{name}" = an attribute of authz_world.World
        body={...},                          # a valid body: validation runs before authorization
        at=authz_world.SOME_PHASE,           # clock inside the phase window the write needs
        expect={"county_bureau": 200, **each(CITY_UP, 200)},
    ),

`expect` names the identities that get something other than `default` (403). Write what the
route *should* answer for each identity; where a denial is a 404 (the resource does not exist for
the caller) write 404. Allowed cells should reach the real outcome (2xx where the world allows
it), so the row proves the check is there and not merely that something failed first. If the
resource your route acts on is not in the world yet, create it in `authz_world.build()` through
the API. `anonymous` (401), `unknown` and `disabled` (403) are filled in for every non-public
route; a public route lists them. A row for a second target of the same route is keyed
`"METHOD /path [variant]"`.

Each cell starts from the same table (a snapshot taken after the world is built), so the order
the cells run in does not matter; a refused write must leave the table unchanged.
"""

from __future__ import annotations

import copy
import importlib
import json
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest

from functions.common import clock, records, store
from functions.common.routes import ROUTES
from schemas.calendar import SHANGHAI
from schemas.regions import region_tree
from tests.integration import authz_world as aw
from tests.support.events import FakeContext, http_event

IDENTITIES = (*(n for n in aw.ACCOUNTS if n != "disabled"), "anonymous", "unknown", "disabled")
ROLES = tuple(n for n in aw.ACCOUNTS if n != "disabled")

TEACHERS = ("teacher", "teacher.other_school")
PRINCIPALS = ("principal", "principal.other_school")
SCHOOL_ADMINS = ("school_admin", "school_admin.other_school")
SCHOOL_STAFF = (*PRINCIPALS, *SCHOOL_ADMINS)
COUNTIES = ("county_bureau", "county_bureau.other_county", "county_bureau.other_city")
CITIES = ("city_bureau", "city_bureau.other_city")
BUREAUS = (*COUNTIES, *CITIES, "province_bureau")
INSTITUTIONS = ("institution", "institution.other", "institution.local")
# Bureaus whose region contains the home county 330106.
OVER_HOME = ("county_bureau", "city_bureau", "province_bureau")
OTHER_REGIONS = ("county_bureau.other_county", "county_bureau.other_city", "city_bureau.other_city")


def each(names: tuple[str, ...], answer: int | str) -> dict[str, int | str]:
    return dict.fromkeys(names, answer)


# A bulk route answers 200 with a result per item; "200 refused" = every item was refused.
REFUSED = "200 refused"


@dataclass(frozen=True)
class Row:
    expect: Mapping[str, int | str]
    params: Mapping[str, str] = field(default_factory=dict)
    body: Any = None
    query: Mapping[str, str] | None = None
    headers: Mapping[str, str] | None = None
    at: str = aw.R1
    default: int | str = 403


CLASS_DAY = "2024-05-06 10:00"  # pz-c1's first day
LAST_DAY = "2024-05-08 16:00"  # and its last: completion is decided from then
SESSIONS = [{"day": "2024-06-03", "start": "09:00", "end": "11:30", "topic": "开班讲座"}]
ACCOUNT = {"name": "新管理员", "role": "school_admin", "school_id": "s1"}
LOCAL_TEACHER = {
    "id_number": aw.idno(50),
    "name": "周敏",
    "gender": "女",
    "birth_date": "1985-01-01",
    "stage": "小学",
    "subject": "数学",
}

ROWS: dict[str, Row] = {
    # --- platform ------------------------------------------------------------------------
    "GET /api/health": Row(expect=each(IDENTITIES, 200)),
    "GET /api/phases": Row(expect=each(IDENTITIES, 200)),
    "GET /api/me": Row(expect=each(ROLES, 200)),
    "GET /api/site/publication": Row(expect=each(IDENTITIES, 200)),
    "GET /api/openapi.json": Row(expect=each(IDENTITIES, 200)),
    # the institution directory the pickers read: bureaus and the centre
    "GET /api/institutions": Row(expect={**each(BUREAUS, 200), "centre": 200}),
    # the teacher's own data (PIPL art. 45)
    "GET /api/me/export": Row(expect=each(TEACHERS, 200)),
    # --- selection -----------------------------------------------------------------------
    "GET /api/seats": Row(query={"class_ids": "pz-c1,px-c1"}, expect=each(IDENTITIES, 200)),
    "GET /api/selections": Row(expect=each(TEACHERS, 200)),
    "POST /api/selections": Row(body={"class_id": "pz-c2"}, expect=each(TEACHERS, 201)),
    "DELETE /api/selections/{class_id}": Row(
        params={"class_id": "pz-c1"},
        expect=each(TEACHERS, 200),
    ),
    "GET /api/school/selections": Row(expect=each(SCHOOL_STAFF, 200)),
    "POST /api/school/reviews": Row(
        body={"items": [{"teacher_id": "t1", "class_id": "pz-c1"}], "decision": "approve"},
        at=aw.R1_SCHOOL,
        expect={
            "principal": 200,
            "school_admin": 200,
            **each(("principal.other_school", "school_admin.other_school"), REFUSED),
        },
    ),
    "GET /api/school/export": Row(expect=each(SCHOOL_STAFF, 200)),
    "GET /api/institution/classes": Row(expect=each(INSTITUTIONS, 200)),
    "GET /api/institution/classes/{class_id}/roster": Row(
        params={"class_id": "pz-c1"},
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "GET /api/institution/classes/{class_id}/export": Row(
        params={"class_id": "pz-c1"},
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/institution/expansions": Row(
        body={"class_id": "pz-c2", "extra": 5, "reason": "报名人数多"},
        at=aw.EXPAND_APPLY,
        expect={"institution": 201, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/institution/rechecks": Row(
        body={"items": [{"teacher_id": "t3", "class_id": "pz-c1"}], "decision": "confirm"},
        at=aw.R1_RECHECK,
        expect={"institution": 200, **each(("institution.other", "institution.local"), REFUSED)},
    ),
    "GET /api/bureau/expansions": Row(expect=each(BUREAUS, 200)),
    # px is 西湖区's local project: its bureau and the bureaus above it decide (SE-3)
    "POST /api/bureau/expansions/{class_id}": Row(
        params={"class_id": "px-c1"},
        body={"accept": True},
        at=aw.EXPAND_ACCEPT,
        expect={**each(OVER_HOME, 200), **each(OTHER_REGIONS, 404)},
    ),
    "POST /api/bureau/expansions/{class_id} [province project]": Row(
        params={"class_id": "pz-c1"},
        body={"accept": True},
        at=aw.EXPAND_ACCEPT,
        expect={"province_bureau": 200, **each((*COUNTIES, *CITIES), 404)},
    ),
    # --- records (TD-1 … TD-3) -------------------------------------------------------------
    "GET /api/records/scope": Row(expect=each(ROLES, 200)),
    "POST /api/records/imports": Row(
        body={"file_name": "teachers.csv", "size": 10},
        headers={"Idempotency-Key": "job-new-0000001"},
        expect={**each(CITIES, 201), "province_bureau": 201},
    ),
    "PUT /api/records/imports/{job_id}/parts/{part}": Row(
        params={"job_id": "{job_id}", "part": "1"},
        body="0123456789",
        headers={"content-type": "application/octet-stream"},
        expect={"city_bureau": 200},
    ),
    # the city bureau's job has no parts yet: its owner is told so (422)
    "POST /api/records/imports/{job_id}/start": Row(
        params={"job_id": "{job_id}"}, expect={"city_bureau": 422}
    ),
    "GET /api/records/imports/{job_id}": Row(
        params={"job_id": "{job_id}"},
        expect={"city_bureau": 200, "province_bureau": 200, "centre": 200},
    ),
    "GET /api/records/imports/{job_id}/report": Row(
        params={"job_id": "{job_id}"},
        expect={"city_bureau": 200, "province_bureau": 200, "centre": 200},
    ),
    "GET /api/records/schools": Row(
        query={"region": aw.HOME_COUNTY},
        expect={**each(SCHOOL_STAFF, 200), **each(OVER_HOME, 200), "centre": 200},
    ),
    "GET /api/records/teachers": Row(
        query={"school_id": "s1"},
        expect={"principal": 200, "school_admin": 200, **each(OVER_HOME, 200), "centre": 200},
    ),
    "POST /api/records/teachers": Row(body=LOCAL_TEACHER, expect=each(SCHOOL_STAFF, 201)),
    "GET /api/records/teachers/{teacher_id}": Row(
        params={"teacher_id": "t1"},
        expect={
            "teacher": 200,
            "principal": 200,
            "school_admin": 200,
            **each(OVER_HOME, 200),
            "centre": 200,
        },
    ),
    "PUT /api/records/teachers/{teacher_id}": Row(
        params={"teacher_id": "t1"},
        body={**LOCAL_TEACHER, "id_number": aw.idno(1), "name": "王芳"},
        expect={"principal": 200, "school_admin": 200},
    ),
    "GET /api/records/anomalies": Row(
        expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200), "centre": 200}
    ),
    "POST /api/records/anomalies/check": Row(
        query={"region": aw.HOME_COUNTY},
        expect={**each(OVER_HOME, 200), "centre": 200, **each(OTHER_REGIONS, 403)},
    ),
    "POST /api/records/anomalies/{anomaly_id}/resolve": Row(
        params={"anomaly_id": "{anomaly_id}"},
        body={"action": "acknowledge"},
        expect={"principal": 200, "school_admin": 200, **each(OVER_HOME, 200)},
    ),
    "GET /api/records/accounts": Row(expect=each(BUREAUS, 200)),
    "PUT /api/records/accounts/{user_id}": Row(
        params={"user_id": "new-admin"}, body=ACCOUNT, expect=each(OVER_HOME, 200)
    ),
    # the account-takeover hole (issue 11, item 1): only whoever covers the teacher changes it
    # as reported: a bureau re-roled another region's teacher into a school of its own region
    "PUT /api/records/accounts/{user_id} [teacher account]": Row(
        params={"user_id": "t1"},
        body={**ACCOUNT, "school_id": "{caller_school}"},
        expect=each(OVER_HOME, 200),
    ),
    # an account re-roled by mistake is given its teacher role back by whoever covers the teacher
    "PUT /api/records/accounts/{user_id} [restore teacher role]": Row(
        params={"user_id": "t1"},
        body={"name": "王芳", "role": "teacher"},
        expect={"school_admin": 200, **each(OVER_HOME, 200)},
    ),
    "PUT /api/records/accounts/{user_id}/status": Row(
        params={"user_id": "t1"},
        body={"disabled": True, "reason": "调离"},
        expect={"school_admin": 200, **each(OVER_HOME, 200)},
    ),
    # PH-1: a teacher's own record, and the corrections her school decides
    "GET /api/records/me": Row(expect=each(TEACHERS, 200)),
    "POST /api/records/me/corrections": Row(
        body={"subject": "数学"}, at=aw.RECORDS, expect=each(TEACHERS, 201)
    ),
    "GET /api/records/corrections": Row(at=aw.RECORDS, expect=each(SCHOOL_STAFF, 200)),
    # t2 (school s1) asked: her school decides; for everyone else the request does not exist
    "POST /api/records/corrections/{teacher_id}/{request_id}/decision": Row(
        params={"teacher_id": "t2", "request_id": "{correction_id}"},
        body={"approve": True},
        at=aw.RECORDS,
        expect={"principal": 200, "school_admin": 200},
        default=404,
    ),
    # --- projects --------------------------------------------------------------------------
    "GET /api/projects": Row(expect=each(INSTITUTIONS, 200)),
    "POST /api/projects": Row(
        body={"title": "新草稿"}, at=aw.APPLY, expect=each(INSTITUTIONS, 201)
    ),
    "GET /api/projects/quotas/local": Row(expect=each(BUREAUS, 200)),
    # a bureau sets its own region's cap, the province bureau any region's
    "PUT /api/projects/quotas/local/{region_code}": Row(
        params={"region_code": aw.HOME_COUNTY},
        body={"cap": 5},
        expect={"county_bureau": 200, "province_bureau": 200, **each(BUREAUS[1:4], 403)},
    ),
    "GET /api/projects/{project_id}": Row(
        params={"project_id": "{submitted_id}"},
        expect={
            "institution": 200,
            **each(("institution.other", "institution.local"), 404),
            "province_bureau": 200,
            **each((*COUNTIES, *CITIES), 404),
        },
    ),
    "GET /api/projects/{project_id} [local project]": Row(
        params={"project_id": "{local_submitted_id}"},
        expect={
            "institution.local": 200,
            **each(("institution", "institution.other"), 404),
            "county_bureau": 200,
            **each(("province_bureau", *COUNTIES[1:], *CITIES), 404),
        },
    ),
    "PUT /api/projects/{project_id}": Row(
        params={"project_id": "{draft_id}"},
        body={"version": 1, "draft": {"title": "改过的草稿"}},
        at=aw.APPLY,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/projects/{project_id}/submit": Row(
        params={"project_id": "{ready_id}"},
        body={"version": 1},
        at=aw.APPLY,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/projects/{project_id}/changes": Row(
        params={"project_id": "pz"},
        body={
            "kind": "place",
            "what": "第2期培训地点改为杭州",
            "why": "场地维修",
            "class_id": "pz-c2",
            "place": "杭州",
        },
        expect={"institution": 201, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/projects/{project_id}/classes/{class_id}/timetable": Row(
        params={"project_id": "pz", "class_id": "pz-c2"},
        body={"sessions": SESSIONS},
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "GET /api/timetable-risks": Row(expect={**each(INSTITUTIONS, 200), **each(BUREAUS, 200)}),
    # AP-7: outside the application window an institution looks up its own applications'
    # people only (idno(1) leads zjnu's); bureaus enter no plans.
    "GET /api/people/{id_number}": Row(
        params={"id_number": aw.idno(1)}, expect={"institution": 200}
    ),
    "GET /api/experts": Row(expect=each(BUREAUS, 200)),
    "GET /api/reviews": Row(expect=each(BUREAUS, 200)),
    "POST /api/reviews/publish": Row(at=aw.PUBLISH, expect=each(BUREAUS, 200)),
    "POST /api/reviews/{project_id}/spot-check/draw": Row(
        params={"project_id": "{submitted_id}"},
        body={"version": 2},
        at=aw.REVIEW,
        expect={"province_bureau": 200},
    ),
    # AP-5: the world's application has no draw yet, so its reviewer is told to draw first.
    "POST /api/reviews/{project_id}/spot-check": Row(
        params={"project_id": "{submitted_id}"},
        body={"version": 2, "outcome": "pass"},
        at=aw.REVIEW,
        expect={"province_bureau": 409},
    ),
    "POST /api/reviews/{project_id}/decision": Row(
        params={"project_id": "{submitted_id}"},
        body={"version": 2, "action": "return", "reason": "材料不全"},
        at=aw.REVIEW,
        expect={"province_bureau": 200},
    ),
    "POST /api/reviews/{project_id}/decision [local project]": Row(
        params={"project_id": "{local_submitted_id}"},
        body={"version": 2, "action": "return", "reason": "材料不全"},
        at=aw.REVIEW,
        expect={"county_bureau": 200},
    ),
    "GET /api/changes": Row(expect={**each(INSTITUTIONS, 200), **each(BUREAUS, 200)}),
    # px's responsible bureau is 西湖区 (CH-3)
    "POST /api/changes/{project_id}/{change_id}/decision": Row(
        params={"project_id": "px", "change_id": "{change_id}"},
        body={"approve": True},
        expect={"county_bureau": 200},
    ),
    "POST /api/changes/{project_id}/{change_id}/decision [province project]": Row(
        params={"project_id": "pz", "change_id": "{change_id_province}"},
        body={"approve": True},
        expect={"province_bureau": 200},
    ),
    "GET /api/audit": Row(
        query={"project_id": "{submitted_id}"},
        expect={"institution": 200, "province_bureau": 200},
    ),
    # --- orders ----------------------------------------------------------------------------
    "GET /api/orders": Row(expect=each(COUNTIES, 200)),
    "POST /api/orders": Row(body=aw.ORDER_FORM, at=aw.ORDER_DEMAND, expect=each(COUNTIES, 201)),
    "GET /api/orders/overview": Row(expect={"centre": 200, "province_bureau": 200}),
    "POST /api/orders/list": Row(at=aw.ORDER_LIST, expect={"centre": 200}),
    "GET /api/orders/export": Row(expect={"centre": 200, "province_bureau": 200}),
    "GET /api/orders/open": Row(expect=each(INSTITUTIONS, 200)),
    "GET /api/orders/{order_id}": Row(
        params={"order_id": "{order_listed}"},
        expect={
            "county_bureau": 200,
            **each(COUNTIES[1:], 404),
            "centre": 200,
            "province_bureau": 200,
            "institution": 200,
            "institution.other": 200,
            "institution.local": 404,
        },
    ),
    "PUT /api/orders/{order_id}": Row(
        params={"order_id": "{order_posted}"},
        body=aw.ORDER_FORM,
        at=aw.ORDER_DEMAND,
        expect={"county_bureau": 200, **each(COUNTIES[1:], 404)},
    ),
    "GET /api/orders/{order_id}/responses": Row(
        params={"order_id": "{order_listed}"},
        expect={"county_bureau": 200, **each(COUNTIES[1:], 404)},
    ),
    "POST /api/orders/{order_id}/responses": Row(
        params={"order_id": "{order_open}"},
        body={"plan": "{plan}"},
        at=aw.ORDER_RESPOND,
        expect={"institution": 201, "institution.other": 201, "institution.local": 403},
    ),
    "GET /api/orders/{order_id}/response": Row(
        params={"order_id": "{order_listed}"},
        expect={"institution": 200, "institution.other": 200, "institution.local": 404},
    ),
    "PUT /api/orders/{order_id}/response": Row(
        params={"order_id": "{order_picked}"},
        body={"plan": "{plan}"},
        at=aw.ORDER_REVISE,
        expect={"institution": 200, "institution.local": 404},
    ),
    "POST /api/orders/{order_id}/pick": Row(
        params={"order_id": "{order_listed}"},
        body={"institution_id": "zjnu"},
        at=aw.ORDER_PICK,
        expect={"county_bureau": 200, **each(COUNTIES[1:], 404)},
    ),
    "POST /api/orders/{order_id}/publish": Row(
        params={"order_id": "{order_submitted}"},
        at=aw.PUBLISH,
        expect={"county_bureau": 200, **each(COUNTIES[1:], 404)},
    ),
    # --- training weeks (PH-TRAIN, QA-2, SE-2) ------------------------------------------------
    "GET /api/training/classes": Row(at=aw.TRAIN, expect=each(INSTITUTIONS, 200)),
    # pz-c1 is zjnu's class; its responsible bureau is the province's
    "GET /api/training/classes/{class_id}": Row(
        params={"class_id": "pz-c1"},
        at=aw.TRAIN,
        expect={
            "institution": 200,
            **each(("institution.other", "institution.local"), 404),
            "province_bureau": 200,
            **each((*COUNTIES, *CITIES), 404),
        },
    ),
    "POST /api/training/classes/{class_id}/checkin": Row(
        params={"class_id": "pz-c1"},
        body={"open": True},
        at=aw.TRAIN,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    # check-in is not open in the world: the owner is told so (409)
    "GET /api/training/classes/{class_id}/checkin/code": Row(
        params={"class_id": "pz-c1"},
        at=CLASS_DAY,
        expect={"institution": 409, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/training/classes/{class_id}/checkins": Row(
        params={"class_id": "pz-c1"},
        body={"teacher_ids": ["t2"]},
        at=CLASS_DAY,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/training/classes/{class_id}/attendance": Row(
        params={"class_id": "pz-c1"},
        body={"session": "2024-05-06T0900", "items": [{"teacher_id": "t2", "mark": "present"}]},
        at=CLASS_DAY,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "GET /api/training/classes/{class_id}/attendance/template": Row(
        params={"class_id": "pz-c1"},
        at=aw.TRAIN,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/training/classes/{class_id}/completion": Row(
        params={"class_id": "pz-c1"},
        body={"items": [{"teacher_id": "t2", "outcome": "pass", "reason": "补考合格"}]},
        at=LAST_DAY,
        expect={
            "institution": 200,
            **each(("institution.other", "institution.local"), 404),
            "province_bureau": 200,
            **each((*COUNTIES, *CITIES), 404),
        },
    ),
    # SE-2: px-c1's responsible bureau is 西湖区; the bureaus above it cover it too
    "POST /api/training/classes/{class_id}/cancel": Row(
        params={"class_id": "px-c1"},
        body={"reason": "人数不足"},
        at=aw.R1_RECHECK,
        expect={**each(OVER_HOME, 200), **each(OTHER_REGIONS, 404)},
    ),
    # not a workbook: the institution is told so (422), after the role check
    "POST /api/training/imports": Row(
        body={"kind": "online", "file_name": "hours.xlsx", "content_base64": "5L2g5aW9"},
        at=aw.TRAIN,
        expect=each(INSTITUTIONS, 422),
    ),
    "GET /api/training/imports/{job_id}": Row(
        params={"job_id": "0" * 32}, at=aw.TRAIN, expect=each(INSTITUTIONS, 404)
    ),
    "POST /api/training/checkin": Row(
        body={"class_id": "pz-c1", "code": "000000"},
        at=aw.TRAIN,
        expect=each(TEACHERS, 409),
    ),
    "GET /api/training/mine": Row(at=aw.TRAIN, expect=each(TEACHERS, 200)),
    "GET /api/training/noncompletion": Row(
        at=aw.TRAIN, expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200)}
    ),
    "GET /api/training/noncompletion/export": Row(
        at=aw.TRAIN, expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200)}
    ),
    "GET /api/training/bureau/classes": Row(at=aw.TRAIN, expect=each(BUREAUS, 200)),
    # --- 数据看板: each bureau its own region, the centre the province ----------------------
    "GET /api/stats": Row(expect={**each(BUREAUS, 200), "centre": 200}),
    "GET /api/stats/export": Row(
        query={"chart": "progress"}, expect={**each(BUREAUS, 200), "centre": 200}
    ),
    # --- a teacher's calendar feed: her own private address; the feed itself is public (the
    # unguessable address is the secret): an unknown one is not found, whoever asks ----------
    "GET /api/calendar/feed": Row(expect=each(TEACHERS, 200)),
    "POST /api/calendar/feed": Row(expect=each(TEACHERS, 200)),
    "DELETE /api/calendar/feed": Row(expect=each(TEACHERS, 200)),
    "GET /api/calendar/{feed}": Row(
        params={"feed": "A" * 32 + ".ics"}, expect=each(IDENTITIES, 404)
    ),
    # --- notifications: each account's own inbox and email choice -------------------------
    "GET /api/inbox": Row(expect=each(ROLES, 200)),
    "GET /api/inbox/unread": Row(expect=each(ROLES, 200)),
    "POST /api/inbox/read": Row(body={"all": True}, expect=each(ROLES, 200)),
    "GET /api/notify/settings": Row(expect=each(ROLES, 200)),
    "PUT /api/notify/settings": Row(body={"email": ""}, expect=each(ROLES, 200)),
    # --- credits (issue 14): a teacher her own ledger; school staff their school; bureaus
    # their region; the county bureau decides its schools' school-based credits (CR-1) -----
    "GET /api/credits/mine": Row(expect=each(TEACHERS, 200)),
    "GET /api/credits/archive": Row(expect=each(TEACHERS, 200)),
    "GET /api/credits/archive/view": Row(expect=each(TEACHERS, 200)),
    "GET /api/credits/certificates": Row(expect=each(TEACHERS, 200)),
    # a certificate of hers only: a code she does not hold is not found
    "GET /api/credits/certificates/{code}": Row(
        params={"code": "ABCD-EFGH-JKMN"}, expect=each(TEACHERS, 404)
    ),
    # public: anyone may verify a code (an unknown one is not found, whoever asks)
    "GET /api/verify/{code}": Row(params={"code": "ABCD-EFGH-JKMN"}, expect=each(IDENTITIES, 404)),
    # school staff read their own school (the parameter is theirs whatever they ask); a bureau
    # a school within its region
    "GET /api/credits/progress": Row(
        query={"school_id": "{caller_school}"},
        expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200)},
    ),
    "GET /api/credits/progress [another region's school]": Row(
        query={"school_id": "s4"},
        expect={
            **each(SCHOOL_STAFF, 200),
            **each(("county_bureau.other_city", "city_bureau.other_city", "province_bureau"), 200),
            **each(("county_bureau", "county_bureau.other_county", "city_bureau"), 403),
        },
    ),
    "GET /api/credits/progress/region": Row(expect=each(BUREAUS, 200)),
    "GET /api/credits/progress/export": Row(
        expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200)}
    ),
    "GET /api/credits/school-based": Row(expect={**each(SCHOOL_STAFF, 200), **each(BUREAUS, 200)}),
    # t1 is s1's teacher: another school's staff may not register her credits
    "POST /api/credits/school-based": Row(
        body={"teacher_id": "t1", "title": "听评课活动", "on": "2024-03-15", "offline": 6},
        expect={"principal": 201, "school_admin": 201},
    ),
    "GET /api/credits/school-based/template": Row(expect=each(SCHOOL_STAFF, 200)),
    # not a workbook: the school is told so (422), after the role check
    "POST /api/credits/school-based/imports": Row(
        body={"file_name": "credits.xlsx", "content_base64": "5L2g5aW9"},
        expect=each(SCHOOL_STAFF, 422),
    ),
    # 县级审核认定: only the county bureau of the teacher's school approves
    "POST /api/credits/school-based/decisions": Row(
        body={
            "items": [{"teacher_id": "t1", "registration_id": "{registration_id}"}],
            "decision": "approve",
        },
        expect={
            "county_bureau": 200,
            **each(COUNTIES[1:], REFUSED),
            **each(SCHOOL_STAFF, REFUSED),
        },
    ),
    # the school withdraws its own pending registration
    "POST /api/credits/school-based/decisions [withdraw]": Row(
        body={
            "items": [{"teacher_id": "t1", "registration_id": "{registration_id}"}],
            "decision": "withdraw",
        },
        expect={
            "principal": 200,
            "school_admin": 200,
            **each(("principal.other_school", "school_admin.other_school"), REFUSED),
            **each(COUNTIES, REFUSED),
        },
    ),
    # CR-2: an institution's own segmented project; pz is not segmented (404 to its owner too)
    "GET /api/credits/segments/{project_id}/{segment}": Row(
        params={"project_id": "pz", "segment": "2"}, at=aw.TRAIN, expect=each(INSTITUTIONS, 404)
    ),
    "POST /api/credits/segments/{project_id}/{segment}/completion": Row(
        params={"project_id": "pz", "segment": "2"},
        body={"items": [{"teacher_id": "t2", "outcome": "pass"}]},
        at=aw.TRAIN,
        expect=each(INSTITUTIONS, 404),
    ),
    # --- quality (issue 14): 满意度测评 by the teachers who attended, results to the class's
    # institution and its responsible bureaus; QA-1 recorded by the centre and the monitor,
    # answered by the institution; reports by region ------------------------------------------
    "GET /api/quality/evaluations/mine": Row(at=aw.TRAIN, expect=each(TEACHERS, 200)),
    # a class that does not exist: the teacher is told so, after the role check
    "POST /api/quality/evaluations": Row(
        body={
            "class_id": "nope-c1",
            "overall": 5,
            "content": 5,
            "instructors": 5,
            "organisation": 5,
        },
        at=LAST_DAY,
        expect=each(TEACHERS, 404),
    ),
    "GET /api/quality/evaluations": Row(
        at=aw.TRAIN,
        expect={**each(INSTITUTIONS, 200), **each(BUREAUS, 200), "centre": 200, "monitor": 200},
    ),
    # pz-c1 is zjnu's; its responsible bureau is the province's
    "GET /api/quality/evaluations/{class_id}": Row(
        params={"class_id": "pz-c1"},
        at=aw.TRAIN,
        expect={
            "institution": 200,
            **each(("institution.other", "institution.local"), 404),
            "province_bureau": 200,
            **each((*COUNTIES, *CITIES), 404),
            "centre": 200,
            "monitor": 200,
        },
    ),
    "GET /api/quality/classes": Row(at=aw.TRAIN, expect={"centre": 200, "monitor": 200}),
    "GET /api/quality/checks": Row(
        at=aw.TRAIN,
        expect={**each(INSTITUTIONS, 200), **each(BUREAUS, 200), "centre": 200, "monitor": 200},
    ),
    "POST /api/quality/checks": Row(
        body=aw.CHECK, at=aw.TRAIN, expect={"centre": 201, "monitor": 201}
    ),
    "GET /api/quality/checks/export": Row(
        at=aw.TRAIN,
        expect={**each(INSTITUTIONS, 200), **each(BUREAUS, 200), "centre": 200, "monitor": 200},
    ),
    "POST /api/quality/checks/{institution_id}/{check_id}/answer": Row(
        params={"institution_id": "zjnu", "check_id": "{check_id}"},
        body={"answer": "已整改"},
        at=aw.TRAIN,
        expect={"institution": 200, **each(("institution.other", "institution.local"), 404)},
    ),
    "POST /api/quality/checks/{institution_id}/{check_id}/close": Row(
        params={"institution_id": "zjnu", "check_id": "{answered_check_id}"},
        body={"note": "已核实"},
        at=aw.TRAIN,
        expect={"centre": 200, "monitor": 200},
    ),
    # the reviewers' view of an institution: ratings (aggregates of five answers or more) and
    # the QA-1 records each reader may see
    "GET /api/quality/institutions/{institution_id}": Row(
        params={"institution_id": "zjnu"},
        at=aw.TRAIN,
        expect={**each(BUREAUS, 200), "centre": 200, "monitor": 200},
    ),
    # the review page's panel of one application: its reviewing bureau (zjnu's: the province;
    # xihu's: 西湖区), as PH-REVIEW decides who reviews it, and the province-wide readers
    "GET /api/quality/review/{project_id}": Row(
        params={"project_id": "{submitted_id}"},
        at=aw.REVIEW,
        expect={"province_bureau": 200, "centre": 200, "monitor": 200},
    ),
    "GET /api/quality/review/{project_id} [a local application]": Row(
        params={"project_id": "{local_submitted_id}"},
        at=aw.REVIEW,
        expect={"county_bureau": 200, "province_bureau": 200, "centre": 200, "monitor": 200},
    ),
    "GET /api/quality/reports": Row(
        at=aw.TRAIN, expect={**each(BUREAUS, 200), "centre": 200, "monitor": 200}
    ),
    "GET /api/quality/reports/export": Row(
        at=aw.TRAIN, expect={**each(BUREAUS, 200), "centre": 200, "monitor": 200}
    ),
}


def expected(key: str, identity: str) -> int | str:
    row = ROWS[key]
    route = _route(key)
    if not route.public and identity in ("anonymous", "unknown", "disabled"):
        return {"anonymous": 401}.get(identity, 403)
    return row.expect.get(identity, row.default)


def _route_key(key: str) -> str:
    return key.split(" [", 1)[0]


def _route(key: str) -> Any:
    method, path = _route_key(key).split(" ", 1)
    return next(r for r in ROUTES if (r.method, r.path) == (method, path))


def test_every_route_has_a_row() -> None:
    routes = {f"{r.method} {r.path}" for r in ROUTES}
    rows = {_route_key(k) for k in ROWS}
    assert routes - rows == set(), "routes without a row in ROWS (see the module docstring)"
    assert rows - routes == set(), "rows for routes that routes.py no longer has"
    for key, row in ROWS.items():
        unknown = set(row.expect) - set(IDENTITIES)
        assert not unknown, f"{key}: unknown identities {unknown}"


# --- the handler matrix ------------------------------------------------------------------


@dataclass
class _Table:
    world: aw.World
    backend: Any  # moto's DynamoDB backend of the test account and region
    name: str
    snapshot: Any
    dirty: bool = False

    @property
    def table(self) -> Any:
        # Looked up each time: stock moto rolls a failed transaction back by replacing the
        # backend's Table objects with deep copies.
        return self.backend.get_table(self.name)

    def changed(self) -> list[Any]:
        """Partitions (hash keys) whose items differ from the snapshot."""
        items = self.table.items  # moto: defaultdict(dict), hash key -> range key -> item
        return [
            k
            for k in items.keys() | self.snapshot.keys()
            if (items.get(k) or None) != self.snapshot.get(k)
        ]

    def restore(self) -> None:
        """Put back the partitions that changed (cheaper than copying the whole table)."""
        changed = self.changed()
        items = self.table.items
        for k in changed:
            if k in self.snapshot:
                items[k] = copy.deepcopy(self.snapshot[k])
            else:
                del items[k]
        if changed:
            records.clear_cache()
        self.dirty = False


@pytest.fixture(scope="module")
def matrix_table() -> Iterator[_Table]:
    """The world, built once, and a snapshot of its table that each cell starts from."""
    import boto3
    from moto import mock_aws
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    from functions.common.settings import settings
    from functions.common.table_def import create_table_kwargs

    saved = {
        k: os.environ.pop(k)
        for k in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL", "ZJT_SITE_DIR")
        if k in os.environ
    }
    with mock_aws():
        store.reset_clients()
        records.clear_cache()
        boto3.client("dynamodb").create_table(**create_table_kwargs(settings().table_name))
        world = aw.build()
        region = os.environ["AWS_DEFAULT_REGION"]
        tables = _Table(
            world, dynamodb_backends[DEFAULT_ACCOUNT_ID][region], settings().table_name, None
        )
        tables.snapshot = copy.deepcopy({k: v for k, v in tables.table.items.items() if v})
        yield tables
        store.reset_clients()
        records.clear_cache()
        clock.set_source(None)
    os.environ.update(saved)


def _fill(value: Any, world: aw.World, identity: str) -> Any:
    """Replace "{attr}" strings with the world's values (ids made while building it); "{plan}"
    is an order plan of the caller's institution (zjnu's for callers without one)."""
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        name = value[1:-1]
        if name == "caller_school":  # a school the caller's region covers (else the home one)
            account = aw.ACCOUNTS.get(identity)
            tree = region_tree()
            region = account and account.region_code
            return next(
                (
                    sc.school_id
                    for sc in aw.SCHOOLS
                    if region
                    and account
                    and account.role.value.endswith("bureau")
                    and tree.within(sc.region_code, region)
                ),
                "s1",
            )
        if name == "plan":
            account = aw.ACCOUNTS.get(identity)
            return aw.order_plan_for((account and account.institution_id) or "zjnu", "matrix")
        return getattr(world, name)
    if isinstance(value, dict):
        return {k: _fill(v, world, identity) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill(v, world, identity) for v in value]
    return value


def _sub(identity: str) -> str | None:
    if identity == "anonymous":
        return None
    if identity == "unknown":
        return aw.UNKNOWN_SUB
    return aw.ACCOUNTS[identity].user_id


def _observed(status: int, body: dict[str, Any]) -> int | str:
    results = body.get("results") if isinstance(body, dict) else None
    if (
        status == 200
        and isinstance(results, list)
        and results
        and not any(r.get("ok") for r in results)
    ):
        return REFUSED
    return status


def _at(text: str) -> None:
    t = datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)
    clock.set_source(lambda: t)


CELLS = [pytest.param(k, i, id=f"{k}|{i}") for k in ROWS for i in IDENTITIES]


@pytest.mark.parametrize(("key", "identity"), CELLS)
def test_authorization_matrix(matrix_table: _Table, key: str, identity: str) -> None:
    row = ROWS[key]
    route = _route(key)
    # A write starts from the snapshot (so a refused one can be compared with it); reads only
    # after a write (a read may write a lazily computed counter, which no answer depends on).
    if matrix_table.dirty or route.method != "GET":
        matrix_table.restore()
    world = matrix_table.world
    params = {k: _fill(v, world, identity) for k, v in row.params.items()}
    query = {k: _fill(v, world, identity) for k, v in (row.query or {}).items()} or None
    path = route.path
    for k, v in params.items():
        path = path.replace("{" + k + "}", v)
    _at(row.at)

    event = http_event(
        route.method,
        path,
        route=route.path,
        sub=_sub(identity),
        body=_fill(row.body, world, identity),
        query=query,
        headers=dict(row.headers or {}),
        path_params=params or None,
    )
    handler = importlib.import_module(f"functions.{route.function}.handler").lambda_handler
    resp = handler(event, FakeContext())
    status = resp["statusCode"]
    body = json.loads(resp["body"]) if not resp.get("isBase64Encoded") and resp.get("body") else {}
    if route.method != "GET":
        matrix_table.dirty = True
    want = expected(key, identity)
    got = _observed(status, body)
    assert got == want, f"{key} as {identity}: {status} {body.get('code')} {body.get('message')}"
    if route.method != "GET" and (want in (401, 403, 404, REFUSED)):
        changed = sorted(str(k) for k in matrix_table.changed())
        assert not changed, f"{key} as {identity} was refused but changed {changed}"


# --- the gateway: no token and bad tokens, for every route -------------------------------

BAD_TOKENS = ("missing", "garbage", "expired", "forged", "wrong-audience", "wrong-issuer", "none")


def _token(kind: str, idp: Any) -> str | None:
    import time

    import jwt
    from cryptography.hazmat.primitives.asymmetric import rsa

    sub = aw.ACCOUNTS["province_bureau"].user_id
    if kind == "missing":
        return None
    if kind == "garbage":
        return "Bearer not-a-token"
    if kind == "expired":
        return "Bearer " + idp.issue(sub, ttl_seconds=-1)
    if kind == "wrong-audience":
        return "Bearer " + idp.issue(sub, aud="someone-else")
    if kind == "wrong-issuer":
        return "Bearer " + idp.issue(sub, iss="https://evil.example/idp")
    now = int(time.time())
    claims = {"iss": idp.issuer, "aud": idp.audience, "sub": sub, "iat": now, "exp": now + 600}
    if kind == "forged":  # another key, claiming the gateway key's kid
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return "Bearer " + jwt.encode(claims, key, algorithm="RS256", headers={"kid": idp.kid})
    if kind == "none":  # unsigned
        return "Bearer " + jwt.encode(claims, "", algorithm="none", headers={"kid": idp.kid})
    if kind == "valid":
        return "Bearer " + idp.issue(sub)
    raise AssertionError(kind)


@dataclass
class _Gateway:
    client: Any
    idp: Any
    reached: list[str]


@pytest.fixture(scope="module")
def gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Gateway]:
    """The local gateway over every route of routes.py; a stand-in function answers 200 and
    records that it was reached."""
    from werkzeug.test import Client

    from local.gateway import InProcessInvoker, make_gateway

    reached: list[str] = []

    def function(event: dict[str, Any], context: Any) -> dict[str, Any]:
        reached.append(event["routeKey"])
        return {"statusCode": 200, "body": "{}", "headers": {"content-type": "application/json"}}

    root = tmp_path_factory.mktemp("gateway")
    app = make_gateway(
        8000,
        root / "site",
        root / "data",
        invoker=InProcessInvoker(lambda name: function),
        accounts=lambda: list(aw.ACCOUNTS.values()),
    )
    yield _Gateway(Client(app), app.idp, reached)
    app.close()


def _concrete_path(route: Any) -> str:
    row = ROWS[f"{route.method} {route.path}"]
    path = route.path
    for name in re.findall(r"{(\w+)}", route.path):
        value = row.params.get(name, "x1")
        path = path.replace("{" + name + "}", "x1" if value.startswith("{") else value)
    return path


GATEWAY_CELLS = [
    pytest.param(r, kind, id=f"{r.method} {r.path}|{kind}") for r in ROUTES for kind in BAD_TOKENS
]


@pytest.mark.parametrize(("route", "kind"), GATEWAY_CELLS)
def test_gateway_refuses_bad_tokens_before_any_function(
    gateway: _Gateway, route: Any, kind: str
) -> None:
    token = _token(kind, gateway.idp)
    headers = {"Authorization": token} if token else {}
    gateway.reached.clear()
    resp = gateway.client.open(_concrete_path(route), method=route.method, headers=headers)
    if route.public:
        assert resp.status_code == 200, resp.get_data(as_text=True)
        assert gateway.reached == [f"{route.method} {route.path}"]
    else:
        assert resp.status_code == 401, resp.get_data(as_text=True)
        assert resp.json == {"code": "unauthorized", "message": "登录已失效，请重新登录"}
        assert gateway.reached == []


@pytest.mark.parametrize("route", ROUTES, ids=lambda r: f"{r.method} {r.path}")
def test_gateway_passes_a_valid_token_to_the_function(gateway: _Gateway, route: Any) -> None:
    gateway.reached.clear()
    resp = gateway.client.open(
        _concrete_path(route),
        method=route.method,
        headers={"Authorization": _token("valid", gateway.idp) or ""},
    )
    assert resp.status_code == 200
    assert gateway.reached == [f"{route.method} {route.path}"]
