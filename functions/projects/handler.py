"""Projects API (routes only): drafts, submission, review, publication, changes, audit."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, pi_audit, xlsx
from functions.common.app import json_response, make_app
from functions.common.auth import caller
from functions.common.log import logger
from functions.projects import service
from schemas.projects import (
    AuditRows,
    ChangeDecisionRequest,
    ChangeList,
    ChangeRecord,
    ChangeRequest,
    DecisionRequest,
    Experts,
    ExpertView,
    LocalCapChanged,
    LocalCapRequest,
    LocalCaps,
    MaskedProjectView,
    MyProjects,
    ProjectDraft,
    ProjectView,
    PublishedProjects,
    PublishedTimetable,
    ReviewList,
    SaveDraftRequest,
    SpotCheckDrawRequest,
    SpotCheckRequest,
    TimetableRequest,
    TimetableRisks,
    VersionRequest,
)

app = make_app()
ID = r"^[A-Za-z0-9_-]{2,80}$"
ID_NUMBER = r"^\d{17}[\dXx]$"
REGION = r"^\d{6}$"


@app.get("/api/projects")
def mine() -> MyProjects:
    return service.my_projects(caller(app.current_event))


@app.post("/api/projects", status_code=201)
def create(body: ProjectDraft, check: Annotated[bool, Query()] = False) -> ProjectView:
    user = caller(app.current_event)
    rec = service.create_draft(user, body, clock.now())
    return service.draft_view(user, rec, check)


@app.get("/api/projects/quotas/local")
def local_caps() -> LocalCaps:
    return service.local_caps(caller(app.current_event))


@app.put("/api/projects/quotas/local/<region_code>")
def set_local_cap(
    region_code: Annotated[str, Path(pattern=REGION)], body: LocalCapRequest
) -> LocalCapChanged:
    return service.set_local_cap(caller(app.current_event), region_code, body.cap, clock.now())


@app.get("/api/projects/<project_id>")
def get(project_id: Annotated[str, Path(pattern=ID)]) -> ProjectView | MaskedProjectView:
    return service.get_project(caller(app.current_event), project_id)


@app.put("/api/projects/<project_id>")
def save(
    project_id: Annotated[str, Path(pattern=ID)],
    body: SaveDraftRequest,
    check: Annotated[bool, Query()] = False,
) -> ProjectView:
    user = caller(app.current_event)
    rec = service.save_draft(user, project_id, body.draft, body.version, clock.now())
    return service.draft_view(user, rec, check)


@app.post("/api/projects/<project_id>/submit")
def submit(project_id: Annotated[str, Path(pattern=ID)], body: VersionRequest) -> ProjectView:
    rec = service.submit(caller(app.current_event), project_id, body.version, clock.now())
    return service.own_view(rec)


@app.post("/api/projects/<project_id>/changes", status_code=201)
def change(project_id: Annotated[str, Path(pattern=ID)], body: ChangeRequest) -> ChangeRecord:
    return service.request_change(caller(app.current_event), project_id, body, clock.now())


@app.post("/api/projects/<project_id>/classes/<class_id>/timetable")
def timetable(
    project_id: Annotated[str, Path(pattern=ID)],
    class_id: Annotated[str, Path(pattern=ID)],
    body: TimetableRequest,
) -> PublishedTimetable:
    doc = service.publish_timetable(
        caller(app.current_event), project_id, class_id, body.sessions, clock.now()
    )
    return PublishedTimetable(project_id=doc.project_id, classes=[c.class_id for c in doc.classes])


@app.get("/api/timetable-risks")
def risks() -> TimetableRisks:
    return service.timetable_risks(caller(app.current_event), clock.now())


@app.get("/api/people/<id_number>")
def person(id_number: Annotated[str, Path(pattern=ID_NUMBER)]) -> ExpertView:
    event = app.current_event
    return service.lookup_person(
        caller(event),
        id_number.upper(),
        clock.now(),
        page=pi_audit.page_of(event.headers),
        route=str(event.raw_event.get("routeKey") or ""),
    )


@app.get("/api/experts")
def experts(q: Annotated[str, Query(max_length=40)] = "") -> Experts:
    return service.search_experts(caller(app.current_event), q)


@app.get("/api/reviews")
def reviews() -> ReviewList:
    return service.review_list(caller(app.current_event))


@app.post("/api/reviews/<project_id>/spot-check/draw")
def spot_check_draw(
    project_id: Annotated[str, Path(pattern=ID)], body: SpotCheckDrawRequest
) -> MaskedProjectView:
    rec = service.draw_spot_check(caller(app.current_event), project_id, body.version, clock.now())
    return service.reviewer_view(rec)


@app.post("/api/reviews/<project_id>/spot-check")
def spot_check(
    project_id: Annotated[str, Path(pattern=ID)], body: SpotCheckRequest
) -> MaskedProjectView:
    rec = service.record_spot_check(
        caller(app.current_event), project_id, body.version, body.outcome, body.note, clock.now()
    )
    return service.reviewer_view(rec)


@app.post("/api/reviews/<project_id>/decision")
def decision(
    project_id: Annotated[str, Path(pattern=ID)], body: DecisionRequest
) -> MaskedProjectView:
    rec = service.decide(
        caller(app.current_event), project_id, body.version, body.action, body.reason, clock.now()
    )
    return service.reviewer_view(rec)


@app.post("/api/reviews/publish")
def publish_approved() -> PublishedProjects:
    return service.publish_approved(caller(app.current_event), clock.now())


@app.get("/api/changes")
def changes() -> ChangeList:
    return service.list_changes(caller(app.current_event))


@app.post("/api/changes/<project_id>/<change_id>/decision")
def change_decision(
    project_id: Annotated[str, Path(pattern=ID)],
    change_id: Annotated[str, Path(pattern=ID)],
    body: ChangeDecisionRequest,
) -> ChangeRecord:
    return service.decide_change(
        caller(app.current_event), project_id, change_id, body.approve, body.note, clock.now()
    )


@app.get(
    "/api/audit",
    # Declared here: the route has no return annotation (see below), so the document would
    # otherwise not know what either format answers.
    responses={
        200: {
            "description": "变更记录（JSON 或 xlsx）",
            "content": {
                "application/json": {"model": AuditRows},
                xlsx.MIME: {"schema": {"type": "string", "format": "binary"}},
            },
        }
    },
)
def audit(
    project_id: Annotated[str | None, Query(pattern=ID)] = None,
    institution_id: Annotated[str | None, Query(pattern=ID)] = None,
    region_code: Annotated[str | None, Query(pattern=REGION)] = None,
    format: Annotated[str, Query(pattern=r"^(json|xlsx)$")] = "json",
):  # type: ignore[no-untyped-def]  # no return annotation: the resolver would re-serialize xlsx

    entries = service.audit_history(
        caller(app.current_event), project_id, institution_id, region_code
    )
    if format == "xlsx":
        return xlsx.response("变更记录.xlsx", service.audit_xlsx(entries))
    return json_response(200, service.audit_rows(entries).model_dump(mode="json"))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
