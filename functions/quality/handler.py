"""Quality API (routes only, issue 14): 满意度测评 (the teacher's answers, the results), QA-1
spot checks and quality monitoring, an institution's record for the review page, and the
bureaus' per-term reports."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.log import logger
from functions.quality import evaluation, monitoring, reports
from schemas.quality import (
    AnswerRequest,
    CheckList,
    CheckRequest,
    CheckView,
    ClassChoiceList,
    CloseRequest,
    EvaluationOpen,
    EvaluationRequest,
    EvaluationResult,
    EvaluationResultList,
    InstitutionQuality,
    OpenEvaluationList,
    ReportView,
)

app = make_app()
ID = r"^[A-Za-z0-9_-]{2,60}$"
CHECK_ID = r"^[0-9]{14}-[0-9a-f]{8}$"
REGION = r"^\d{6}$"
TERM = r"^\d{4}H[12]$"


@app.get("/api/quality/evaluations/mine")
def my_evaluations() -> OpenEvaluationList:
    return OpenEvaluationList(classes=evaluation.open_for(caller(app.current_event), clock.now()))


@app.post("/api/quality/evaluations", status_code=201)
def evaluate(body: EvaluationRequest) -> EvaluationOpen:
    return evaluation.evaluate(caller(app.current_event), body, clock.now())


@app.get("/api/quality/evaluations")
def results() -> EvaluationResultList:
    return EvaluationResultList(classes=evaluation.results(caller(app.current_event)))


@app.get("/api/quality/evaluations/<class_id>")
def class_result(class_id: Annotated[str, Path(pattern=ID)]) -> EvaluationResult:
    return evaluation.class_result(caller(app.current_event), class_id)


@app.get("/api/quality/classes")
def classes(q: Annotated[str, Query(max_length=40)] = "") -> ClassChoiceList:
    return ClassChoiceList(classes=monitoring.classes(caller(app.current_event), q))


@app.get("/api/quality/checks")
def checks(
    institution_id: Annotated[str | None, Query(pattern=ID)] = None,
) -> CheckList:
    return CheckList(checks=monitoring.list_checks(caller(app.current_event), institution_id))


@app.post("/api/quality/checks", status_code=201)
def record(body: CheckRequest) -> CheckView:
    return monitoring.record(caller(app.current_event), body, clock.now())


@app.get("/api/quality/checks/export")
def checks_export(  # type: ignore[no-untyped-def]
    institution_id: Annotated[str | None, Query(pattern=ID)] = None,
):
    return xlsx.response(*monitoring.checks_xlsx(caller(app.current_event), institution_id))


@app.post("/api/quality/checks/<institution_id>/<check_id>/answer")
def answer(
    institution_id: Annotated[str, Path(pattern=ID)],
    check_id: Annotated[str, Path(pattern=CHECK_ID)],
    body: AnswerRequest,
) -> CheckView:
    return monitoring.answer(caller(app.current_event), institution_id, check_id, body, clock.now())


@app.post("/api/quality/checks/<institution_id>/<check_id>/close")
def close(
    institution_id: Annotated[str, Path(pattern=ID)],
    check_id: Annotated[str, Path(pattern=CHECK_ID)],
    body: CloseRequest,
) -> CheckView:
    c = monitoring.close(caller(app.current_event), institution_id, check_id, body, clock.now())
    return c


@app.get("/api/quality/institutions/<institution_id>")
def institution(institution_id: Annotated[str, Path(pattern=ID)]) -> InstitutionQuality:
    view = monitoring.institution_quality(caller(app.current_event), institution_id)
    return view


@app.get("/api/quality/review/<project_id>")
def for_review(project_id: Annotated[str, Path(pattern=ID)]) -> InstitutionQuality:
    view = monitoring.quality_for_project(caller(app.current_event), project_id)
    return view


@app.get("/api/quality/reports")
def report(
    term: Annotated[str | None, Query(pattern=TERM)] = None,
    region: Annotated[str | None, Query(pattern=REGION)] = None,
) -> ReportView:
    return reports.report(caller(app.current_event), term, region)


@app.get("/api/quality/reports/export")
def report_export(  # type: ignore[no-untyped-def]
    term: Annotated[str | None, Query(pattern=TERM)] = None,
    region: Annotated[str | None, Query(pattern=REGION)] = None,
):
    return xlsx.response(*reports.report_xlsx(caller(app.current_event), term, region))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
