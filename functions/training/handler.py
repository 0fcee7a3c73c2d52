"""Training-week API (routes only): 开班管理 for institutions (classes, roster, QR check-in,
attendance, xlsx in and out, completion), the teacher's check-in and own record, school and
bureau non-completion lists, and the bureau's cancellation of a class."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from pydantic import BaseModel, ConfigDict

from functions.common import clock, coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.log import logger
from functions.training import service
from schemas.training import (
    AttendanceRequest,
    BulkCheckinRequest,
    CancelRequest,
    CancelResult,
    CheckinRequest,
    CheckinResult,
    ClassList,
    ClassRoster,
    ClassSummary,
    CodeView,
    CompletionRequest,
    ImportProgress,
    ImportRequest,
    ItemOutcomes,
    MyClasses,
    NonCompletionList,
    TrainingImport,
)

app = make_app()
CLASS_ID = r"^[A-Za-z0-9_-]{2,60}$"
JOB_ID = r"^[a-f0-9]{32}$"


class OpenRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    open: bool


def _origin() -> str:
    headers = app.current_event.headers or {}
    if headers.get("origin"):
        return str(headers["origin"])
    proto = headers.get("x-forwarded-proto", "https")
    return f"{proto}://{headers.get('host', 'localhost')}"


@app.get("/api/training/classes")
def classes() -> ClassList:
    return ClassList(classes=service.institution_classes(caller(app.current_event), clock.now()))


@app.get("/api/training/classes/<class_id>")
def roster(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> ClassRoster:
    return service.class_roster(caller(app.current_event), class_id, clock.now())


@app.post("/api/training/classes/<class_id>/checkin")
def open_checkin(
    class_id: Annotated[str, Path(pattern=CLASS_ID)], body: OpenRequest
) -> ClassSummary:
    return service.open_checkin(caller(app.current_event), class_id, clock.now(), body.open)


@app.get("/api/training/classes/<class_id>/checkin/code")
def checkin_code(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> CodeView:
    return service.checkin_code(caller(app.current_event), class_id, clock.now(), _origin())


@app.post("/api/training/classes/<class_id>/checkins")
def bulk_checkin(
    class_id: Annotated[str, Path(pattern=CLASS_ID)], body: BulkCheckinRequest
) -> ItemOutcomes:
    out = service.bulk_checkin(caller(app.current_event), class_id, body, clock.now())
    return ItemOutcomes(results=out)


@app.post("/api/training/classes/<class_id>/attendance")
def mark(class_id: Annotated[str, Path(pattern=CLASS_ID)], body: AttendanceRequest) -> ItemOutcomes:
    out = service.mark_session(caller(app.current_event), class_id, body, clock.now())
    return ItemOutcomes(results=out)


# The xlsx routes carry no return annotation: the resolver passes the binary response through.
@app.get("/api/training/classes/<class_id>/attendance/template")
def template(class_id: Annotated[str, Path(pattern=CLASS_ID)]):  # type: ignore[no-untyped-def]
    return xlsx.response(
        *service.attendance_template(caller(app.current_event), class_id, clock.now())
    )


@app.post("/api/training/classes/<class_id>/completion")
def completion(
    class_id: Annotated[str, Path(pattern=CLASS_ID)], body: CompletionRequest
) -> ItemOutcomes:
    out = service.decide(caller(app.current_event), class_id, body, clock.now())
    return ItemOutcomes(results=out)


@app.post("/api/training/classes/<class_id>/cancel")
def cancel(class_id: Annotated[str, Path(pattern=CLASS_ID)], body: CancelRequest) -> CancelResult:
    return service.cancel_class(caller(app.current_event), class_id, body, clock.now())


@app.post("/api/training/imports", status_code=202)
def start_import(body: ImportRequest) -> TrainingImport:
    return service.start_import(caller(app.current_event), body, clock.now())


@app.get("/api/training/imports/<job_id>")
def import_status(job_id: Annotated[str, Path(pattern=JOB_ID)]) -> ImportProgress:
    return service.import_status(caller(app.current_event), job_id)


@app.post("/api/training/checkin")
def check_in(body: CheckinRequest) -> CheckinResult:
    return service.check_in(caller(app.current_event), body, clock.now())


@app.get("/api/training/mine")
def mine() -> MyClasses:
    return MyClasses(classes=service.my_training(caller(app.current_event), clock.now()))


@app.get("/api/training/noncompletion")
def noncompletion() -> NonCompletionList:
    return NonCompletionList(rows=service.noncompletion(caller(app.current_event)))


@app.get("/api/training/noncompletion/export")
def noncompletion_export():  # type: ignore[no-untyped-def]
    return xlsx.response(*service.noncompletion_xlsx(caller(app.current_event)))


@app.get("/api/training/bureau/classes")
def bureau_classes() -> ClassList:
    return ClassList(classes=service.bureau_classes(caller(app.current_event), clock.now()))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
