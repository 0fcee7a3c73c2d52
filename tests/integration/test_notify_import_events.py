"""A finished (or failed) teacher-records import tells its uploader once, in the transaction
that ends the job (outbox), TD-1."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from functions.records import service as records_service
from schemas.notify import user_party
from tests.integration import test_records_import_runs as imports
from tests.integration.test_records_api import clock  # noqa: F401 (fixture)
from tests.support.notify import failing_messages, messages

# --- records (TD-1) ------------------------------------------------------------------------


@pytest.mark.usefixtures("world", "clock")
def test_a_finished_import_tells_the_uploader_once_TD_1():
    rows = [imports.row(i) for i in range(1, 4)]
    job_id = imports.uploaded_job(imports.csv_bytes(rows))
    now = imports.clock_now()
    with failing_messages() as failed, pytest.raises(ClientError):
        records_service.continue_import(job_id, now, lambda: 1000.0, lambda: None)
    assert failed and messages() == []
    assert records_service.store.get_job(job_id).status.value == "running"
    job = records_service.continue_import(job_id, now, lambda: 1000.0, lambda: None)
    assert job is not None and job.status.value == "done"
    [msg] = messages(user_party(imports.BUREAU))
    assert msg.kind == "import_finished" and "新增 3" in msg.body
    assert msg.link.startswith("records/import/#job=")
    records_service.continue_import(job_id, now, lambda: 1000.0, lambda: None)  # a late retry
    assert len(messages()) == 1


@pytest.mark.usefixtures("world", "clock")
def test_an_import_of_an_unreadable_file_tells_the_uploader_it_failed_TD_1():
    job_id = imports.uploaded_job(b"\x00\x01 not a csv at all")
    records_service.continue_import(job_id, imports.clock_now(), lambda: 1000.0, lambda: None)
    msgs = messages(user_party(imports.BUREAU))
    assert [m.title.startswith("教师信息导入失败") for m in msgs] == [True]
