"""The import's long-file path (TD-1): a file sent in parts, run by the import worker in as many
runs as it takes, each run resuming where the last one stopped, never counting a chunk twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from functions.common import keys, store
from functions.common.clock import now as clock_now
from functions.common.table_def import TABLE
from functions.records import service, worker
from functions.records import store as records_store
from functions.records.handler import lambda_handler
from tests.integration import test_records_api as records_api
from tests.integration.test_records_api import (
    api,
    clock,  # noqa: F401 - fixture
    csv_bytes,
    idno,
    put_part,
    report,
    row,
    upload,
)
from tests.support.events import FakeContext, call, http_event

pytestmark = pytest.mark.usefixtures("world", "clock")

BUREAU = "bureau-330000"


@pytest.fixture
def small_parts(monkeypatch: pytest.MonkeyPatch) -> int:
    """Parts of 300 bytes, so a few rows make a file of several parts."""
    monkeypatch.setenv("ZJT_RECORDS_IMPORT_PART_BYTES", "300")
    return 300


def announce(content: bytes, name: str = "export.csv") -> dict[str, Any]:
    status, job = records_api.announce(BUREAU, content, name)
    assert status == 201, job
    return job


def start(job_id: str) -> tuple[int, dict[str, Any]]:
    return records_api.start(BUREAU, job_id)


def upload_items(job_id: str) -> list[dict[str, Any]]:
    return [
        i
        for i in store.table().scan()["Items"]
        if i["PK"] == keys.import_job(job_id)["PK"] and str(i["SK"]).startswith("UPLOAD#")
    ]


def test_a_file_in_parts_sent_out_of_order_imports_whole_TD_1(small_parts: int) -> None:
    content = csv_bytes([row(i) for i in range(1, 16)])
    job = announce(content)
    assert job["status"] == "uploading" and job["parts"] == -(-len(content) // small_parts) > 2
    pieces = [content[at : at + small_parts] for at in range(0, len(content), small_parts)]
    for part in reversed(range(1, len(pieces) + 1)):
        assert put_part(BUREAU, job["job_id"], part, pieces[part - 1])[0] == 200
    status, done = start(job["job_id"])
    assert status == 200 and done["status"] == "done"
    assert done["counts"]["created"] == 15 and done["total"] == 15
    assert upload_items(job["job_id"]) == []  # the bytes are dropped, the report stays
    assert len(report(BUREAU, job["job_id"])) == 15


def test_start_refuses_a_file_with_a_missing_part_and_imports_nothing_TD_1(
    small_parts: int,
) -> None:
    content = csv_bytes([row(i) for i in range(1, 16)])
    job = announce(content)
    put_part(BUREAU, job["job_id"], 1, content[:small_parts])
    status, body = start(job["job_id"])
    assert status == 422 and body["code"] == "validation_error" and "未上传" in body["message"]
    assert store.get_item(keys.teacher_identity(idno(1, male=False))) is None
    assert records_store.get_job(job["job_id"]).status == "uploading"  # can still be completed
    # An upload never completed does not stay: the table's TTL drops its parts after 7 days.
    (kept,) = upload_items(job["job_id"])
    created = datetime.fromisoformat(job["created_at"]).timestamp()
    assert int(kept[TABLE.ttl_attribute]) == int(created) + 7 * 86400


def test_a_part_of_the_wrong_size_or_number_is_refused_TD_1(small_parts: int) -> None:
    content = csv_bytes([row(i) for i in range(1, 16)])
    job = announce(content)
    status, body = put_part(BUREAU, job["job_id"], 1, content[: small_parts - 1])
    assert status == 422 and f"应为 {small_parts} 字节" in body["message"]
    status, body = put_part(BUREAU, job["job_id"], job["parts"] + 1, b"x")
    assert status == 422 and body["code"] == "validation_error"
    assert upload_items(job["job_id"]) == []


def test_parts_are_refused_once_the_import_started_TD_1() -> None:
    content = csv_bytes([row(1)])
    status, job = upload(BUREAU, content)
    assert status == 200 and job["status"] == "done"
    status, body = put_part(BUREAU, job["job_id"], 1, content)
    assert status == 409 and body["code"] == "conflict"


def test_only_the_uploader_sends_parts_and_starts_TD_1() -> None:
    content = csv_bytes([row(1)])
    job = announce(content)
    assert put_part("bureau-330100", job["job_id"], 1, content)[0] == 403
    status, _ = records_api.start("bureau-330100", job["job_id"])
    assert status == 403 and upload_items(job["job_id"]) == []


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_at_once_TD_1() -> None:
    status, body = records_api.announce(BUREAU, b"x" * 10, "教师.doc")
    assert status == 422 and body["code"] == "bad_import_file"
    status, body, _ = api(
        "POST", "/api/records/imports", BUREAU, body={"file_name": "a.csv", "size": 10**9}
    )
    assert status == 422 and body["code"] == "validation_error"


def uploaded_job(content: bytes) -> str:
    """A job whose parts are all in, queued for a worker that is not run yet."""
    job = announce(content)
    assert put_part(BUREAU, job["job_id"], 1, content)[0] == 200
    assert records_store.move_job(job["job_id"], "uploading", "queued")
    return str(job["job_id"])


def test_a_long_import_resumes_run_after_run_and_counts_each_row_once_TD_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "CHUNK", 4)
    rows = [row(i) for i in range(1, 11)]
    rows.append({**row(2), "姓名": "第二次出现"})  # a duplicate of row 3 (file row), in run 3
    job_id = uploaded_job(csv_bytes(rows))
    runs = 0
    while True:
        budget = iter([1000.0, 0.0])  # each run may do one chunk, then must hand over
        resumed: list[bool] = []
        runs += 1
        job = service.continue_import(
            job_id, clock_now(), lambda b=budget: next(b), lambda r=resumed: r.append(True)
        )
        assert job is not None
        if job.status == "done":
            break
        assert resumed == [True] and job.processed == 4 * runs
    assert runs == 3 and job.runs == 3
    assert job.counts == {"created": 10, "updated": 0, "unchanged": 0, "rejected": 1}
    r = report(BUREAU, job_id)
    assert len(r) == 11 and "与第 3 行的身份证件号重复" in r[12]["reason"]


def test_a_run_that_died_after_writing_reports_what_it_decided_TD_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "CHUNK", 4)
    job_id = uploaded_job(csv_bytes([row(i) for i in range(1, 7)]))
    real = records_store.update_job

    def dies_saving_progress(job: Any, expect_processed: int | None = None) -> bool:
        if expect_processed is not None:
            raise RuntimeError("run killed")
        return real(job, expect_processed)

    monkeypatch.setattr(records_store, "update_job", dies_saving_progress)
    with pytest.raises(RuntimeError):
        service.continue_import(job_id, clock_now(), lambda: 1000.0, lambda: None)
    monkeypatch.setattr(records_store, "update_job", real)
    # Lambda retries the run: the first chunk's records are already written, yet the report
    # and the counts say "created" (what the dead run decided), and nothing is counted twice.
    job = service.continue_import(job_id, clock_now(), lambda: 1000.0, lambda: None)
    assert job is not None and job.status == "done"
    assert job.counts == {"created": 6, "updated": 0, "unchanged": 0, "rejected": 0}
    assert [r["outcome"] for r in report(BUREAU, job_id).values()] == ["created"] * 6


def test_two_runs_of_one_job_never_count_a_chunk_twice_TD_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "CHUNK", 4)
    job_id = uploaded_job(csv_bytes([row(i) for i in range(1, 9)]))
    stale = records_store.get_job(job_id)
    service.continue_import(job_id, clock_now(), lambda: 1000.0, lambda: None)
    # A duplicate delivery that read the job before the first run saved anything loses the
    # progress guard on its first chunk and stops.
    assert stale is not None and not records_store.update_job(stale, expect_processed=0)
    job = records_store.get_job(job_id)
    assert job is not None and job.counts["created"] == 8 and job.processed == 8


def test_start_hands_the_job_to_the_worker_function_when_one_is_configured_TD_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    started: list[tuple[str, str]] = []
    monkeypatch.setenv("ZJT_RECORDS_IMPORT_FUNCTION", "zjtrain-records-import")
    monkeypatch.setattr(records_store, "start_worker", lambda f, j: started.append((f, j)))
    content = csv_bytes([row(1)])
    job = announce(content)
    put_part(BUREAU, job["job_id"], 1, content)
    status, body = start(job["job_id"])
    assert status == 200 and body["status"] == "queued"
    assert started == [("zjtrain-records-import", job["job_id"])]
    assert store.get_item(keys.teacher_identity(idno(1, male=False))) is None
    # Starting again (a retried click) does not start a second worker.
    assert start(job["job_id"])[1]["status"] == "queued" and len(started) == 1


class ShortContext(FakeContext):
    invoked_function_arn = "arn:aws:lambda:cn-north-1:000000000000:function:zjtrain-records-import"

    def __init__(self, millis: list[int]) -> None:
        self.millis = millis

    def get_remaining_time_in_millis(self) -> int:
        return self.millis.pop(0) if self.millis else 0


def test_the_worker_hands_over_to_its_next_run_before_its_time_is_up_TD_1(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(service, "CHUNK", 4)
    started: list[tuple[str, str]] = []
    monkeypatch.setattr(records_store, "start_worker", lambda f, j: started.append((f, j)))
    job_id = uploaded_job(csv_bytes([row(i) for i in range(1, 10)]))
    # 800 s left before the first chunk, 30 s before the second: one chunk, then hand over.
    out = worker.lambda_handler({"job_id": job_id}, ShortContext([800_000, 30_000]))
    assert out == {"job_id": job_id, "status": "running", "processed": 4}
    assert started == [(ShortContext.invoked_function_arn, job_id)]
    out = worker.lambda_handler({"job_id": job_id}, ShortContext([800_000] * 5))
    assert out["status"] == "done" and out["processed"] == 9


def test_the_worker_refuses_a_malformed_event() -> None:
    with pytest.raises(ValueError):
        worker.lambda_handler({"job_id": "../etc"}, FakeContext())


def test_announcing_needs_a_json_body_with_name_and_size_TD_1() -> None:
    status, body, _ = call(
        lambda_handler,
        http_event("POST", "/api/records/imports", sub=BUREAU, body={"file_name": "a.csv"}),
    )
    assert status == 422 and body["code"] == "validation_error"
    assert [i for i in store.table().scan()["Items"] if str(i["PK"]).startswith("IMPORT#")] == []


def test_a_reimport_that_moves_a_teacher_keeps_a_disabled_account_disabled_TD_1() -> None:
    _, job = upload(BUREAU, csv_bytes([row(1)]))
    tid = report(BUREAU, job["job_id"])[2]["teacher_id"]
    status, _, _ = api(
        "PUT",
        f"/api/records/accounts/{tid}/status",
        BUREAU,
        route="/api/records/accounts/{user_id}/status",
        params={"user_id": tid},
        body={"disabled": True, "reason": "调出本省"},
    )
    assert status == 200
    _, again = upload(BUREAU, csv_bytes([row(1, school="s2")]))
    assert again["counts"]["updated"] == 1
    account = records_store.users([tid])[tid]
    assert account.school_id == "s2"  # the account follows the record ...
    assert account.disabled and account.disabled_reason == "调出本省"  # ... and stays disabled
