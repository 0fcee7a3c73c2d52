"""Minimisation (个人信息保护法 art. 6): a teacher record stores no separate birth date, because
the ID number encodes it; the pages that may see it (the school admin's, the teacher's own) get
it derived, everyone else gets nothing."""

from __future__ import annotations

import json

import pytest

from functions.common import keys, store
from tests.integration.test_records_api import (  # noqa: F401  (clock: the fixture)
    api,
    clock,
    csv_bytes,
    idno,
    report,
    row,
    upload,
)

pytestmark = pytest.mark.usefixtures("world", "clock")


def test_an_imported_record_keeps_no_birth_date_but_the_school_admin_still_sees_it():
    _, job = upload("bureau-330000", csv_bytes([row(51)]))
    tid = report("bureau-330000", job["job_id"])[2]["teacher_id"]
    full = idno(51, male=False)
    stored = json.loads(store.get_item(keys.teacher(tid))["doc"])
    assert stored["id_number"] == full and stored["birth_date"] is None
    born = f"{full[6:10]}-{full[10:12]}-{full[12:14]}"
    for sub, expected in (("a-s1", born), ("bureau-330106", "")):
        status, body, _ = api(
            "GET",
            f"/api/records/teachers/{tid}",
            sub,
            route="/api/records/teachers/{teacher_id}",
            params={"teacher_id": tid},
        )
        assert status == 200 and body["birth_date"] == expected, sub
