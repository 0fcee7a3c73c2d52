"""Records API (routes only): import, school maintenance, anomalies, accounts (TD-1 … TD-3)."""

from __future__ import annotations

import base64
from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.errors import BadImportFile
from functions.common.http import request_key
from functions.common.log import logger
from functions.records import corrections, service
from schemas.org import SchoolList
from schemas.records import (
    AccountList,
    AccountRequest,
    AccountRow,
    AccountStatusRequest,
    AccountView,
    Anomaly,
    AnomalyList,
    CheckIndexing,
    CheckProgress,
    CorrectionDecision,
    CorrectionRequest,
    CorrectionView,
    ImportJob,
    ImportUpload,
    LocalTeacherRequest,
    MyRecord,
    PartReceived,
    RecordsScope,
    ResolveRequest,
    SchoolCorrections,
    TeacherList,
    TeacherView,
)

app = make_app()
ID = r"^[A-Za-z0-9_.:-]{2,80}$"


def _body_bytes() -> bytes:
    event = app.current_event
    body = event.body or ""
    data = base64.b64decode(body) if event.is_base64_encoded else body.encode("utf-8")
    if not data:
        raise BadImportFile("上传的文件分段为空")
    return data


@app.get("/api/records/scope")
def my_scope() -> RecordsScope:
    return service.scope_info(caller(app.current_event))


@app.post("/api/records/imports", status_code=201)
def announce(body: ImportUpload) -> ImportJob:
    return service.create_import(
        caller(app.current_event), body, request_key(app.current_event), clock.now()
    )


@app.put("/api/records/imports/<job_id>/parts/<part>")
def upload_part(
    job_id: Annotated[str, Path(pattern=ID)], part: Annotated[int, Path(ge=1, le=1000)]
) -> PartReceived:
    return service.put_part(caller(app.current_event), job_id, part, _body_bytes())


@app.post("/api/records/imports/<job_id>/start")
def start(job_id: Annotated[str, Path(pattern=ID)]) -> ImportJob:
    return service.start_import(caller(app.current_event), job_id, clock.now())


@app.get("/api/records/imports/<job_id>")
def job(job_id: Annotated[str, Path(pattern=ID)]) -> ImportJob:
    return service.get_job(caller(app.current_event), job_id)


@app.get("/api/records/imports/<job_id>/report")
def job_report(
    job_id: Annotated[str, Path(pattern=ID)],
    outcome: Annotated[str | None, Query(pattern=r"^(created|updated|unchanged|rejected)$")] = None,
    offset: Annotated[int, Query(ge=0)] = 0,
    format: Annotated[str, Query(pattern=r"^(json|xlsx)$")] = "json",
):  # no return annotation: powertools would re-serialize the xlsx bytes as JSON
    user = caller(app.current_event)
    if format == "xlsx":
        name = f"导入结果-{job_id}{'-' + outcome if outcome else ''}.xlsx"
        return xlsx.response(name, service.report_xlsx(user, job_id, outcome))
    return service.report(user, job_id, outcome, offset).model_dump(mode="json")


@app.get("/api/records/schools")
def schools(region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None) -> SchoolList:
    return SchoolList(schools=service.list_schools(caller(app.current_event), region))


@app.get("/api/records/teachers")
def teachers(school_id: Annotated[str, Query(pattern=ID)]) -> TeacherList:
    return TeacherList(teachers=service.list_teachers(caller(app.current_event), school_id))


@app.post("/api/records/teachers", status_code=201)
def add_teacher(body: LocalTeacherRequest) -> TeacherView:
    return service.save_local_teacher(caller(app.current_event), None, body)


@app.get("/api/records/teachers/<teacher_id>")
def teacher(teacher_id: Annotated[str, Path(pattern=ID)]) -> TeacherView:
    return service.get_teacher(caller(app.current_event), teacher_id)


@app.put("/api/records/teachers/<teacher_id>")
def edit_teacher(
    teacher_id: Annotated[str, Path(pattern=ID)], body: LocalTeacherRequest
) -> TeacherView:
    return service.save_local_teacher(caller(app.current_event), teacher_id, body)


@app.get("/api/records/anomalies")
def anomalies(
    status: Annotated[str | None, Query(pattern=r"^(open|resolved)$")] = None,
) -> AnomalyList:
    return service.list_anomalies(caller(app.current_event), status)


@app.post("/api/records/anomalies/check")
def check(
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    start: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
) -> CheckIndexing | CheckProgress:
    return service.run_check(caller(app.current_event), clock.now(), region, start)


@app.post("/api/records/anomalies/<anomaly_id>/resolve")
def resolve(anomaly_id: Annotated[str, Path(pattern=ID)], body: ResolveRequest) -> Anomaly:
    return service.resolve_anomaly(caller(app.current_event), anomaly_id, body, clock.now())


@app.get("/api/records/accounts")
def accounts(
    region: Annotated[str | None, Query(pattern=r"^\d{6}$")] = None,
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
) -> AccountList:
    return service.list_accounts(caller(app.current_event), region, school_id)


@app.put("/api/records/accounts/<user_id>")
def assign(
    user_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")], body: AccountRequest
) -> AccountView:
    return service.assign_account(caller(app.current_event), user_id, body)


@app.put("/api/records/accounts/<user_id>/status")
def account_status(
    user_id: Annotated[str, Path(pattern=r"^[A-Za-z0-9_.@-]{2,64}$")], body: AccountStatusRequest
) -> AccountRow:
    return service.set_account_status(caller(app.current_event), user_id, body, clock.now())


# --- PH-1: the teacher's own record and correction requests --------------------------------


@app.get("/api/records/me")
def my_record() -> MyRecord:
    return corrections.my_record(caller(app.current_event), clock.now())


@app.post("/api/records/me/corrections", status_code=201)
def ask_correction(body: CorrectionRequest) -> CorrectionView:
    return corrections.request_correction(caller(app.current_event), body, clock.now())


@app.get("/api/records/corrections")
def school_corrections(
    status: Annotated[str | None, Query(pattern=r"^(pending|approved|refused)$")] = None,
) -> SchoolCorrections:
    return corrections.school_corrections(caller(app.current_event), status, clock.now())


@app.post("/api/records/corrections/<teacher_id>/<request_id>/decision")
def decide_correction(
    teacher_id: Annotated[str, Path(pattern=ID)],
    request_id: Annotated[str, Path(pattern=ID)],
    body: CorrectionDecision,
) -> CorrectionView:
    return corrections.decide_correction(
        caller(app.current_event), teacher_id, request_id, body, clock.now()
    )


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
