"""Selection API (routes only): select or join a waitlist, withdraw, list mine, seats left;
school review; institution demand, expansion, recheck and rosters; bureau expansion decisions;
xlsx exports."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, xlsx
from functions.common.app import json_response, logger, make_app, tracer
from functions.common.auth import caller
from functions.common.http import request_key
from functions.selection import service
from schemas.selection import (
    ExpansionDecisionRequest,
    ExpansionRequest,
    RecheckRequest,
    ReviewRequest,
    SelectionView,
    SelectRequest,
)

app = make_app()
CLASS_ID = r"^[A-Za-z0-9_-]{2,60}$"


@app.get("/api/seats")
def seats(class_ids: Annotated[str, Query(min_length=1, max_length=6200)]) -> dict[str, Any]:
    return {"seats": [s.model_dump() for s in service.seats_left(class_ids)]}


@app.get("/api/selections")
def mine() -> dict[str, Any]:
    rows = service.my_selection_views(caller(app.current_event), clock.now())
    return {"selections": [v.model_dump(mode="json") for v in rows]}


@app.post("/api/selections")
def select(body: SelectRequest) -> Response[dict[str, Any]]:
    sel, position = service.select_or_waitlist(
        caller(app.current_event),
        body.class_id,
        clock.now(),
        request_key(app.current_event),
        body.waitlist,
    )
    return json_response(201, SelectionView.of(sel, position).model_dump(mode="json"))


@app.delete("/api/selections/<class_id>")
def withdraw(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> dict[str, Any]:
    sel, _ = service.withdraw_or_leave(
        caller(app.current_event), class_id, clock.now(), request_key(app.current_event)
    )
    return SelectionView.of(sel).model_dump(mode="json")


@app.get("/api/school/selections")
def school_selections() -> dict[str, Any]:
    return service.school_overview(caller(app.current_event))


@app.post("/api/school/reviews")
def school_reviews(body: ReviewRequest) -> dict[str, Any]:
    results = service.school_review(caller(app.current_event), body, clock.now())
    return {"results": [r.model_dump() for r in results]}


# The xlsx routes carry no return annotation: the resolver then passes the binary response
# through instead of validating it as JSON.
@app.get("/api/school/export")
def school_export():  # type: ignore[no-untyped-def]
    return xlsx.response(*service.school_export(caller(app.current_event)))


@app.get("/api/institution/classes")
def institution_classes() -> dict[str, Any]:
    return {"classes": service.institution_classes(caller(app.current_event))}


@app.get("/api/institution/classes/<class_id>/roster")
def class_roster(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> dict[str, Any]:
    return service.class_roster(caller(app.current_event), class_id)


@app.get("/api/institution/classes/<class_id>/export")
def roster_export(class_id: Annotated[str, Path(pattern=CLASS_ID)]):  # type: ignore[no-untyped-def]
    return xlsx.response(*service.roster_export(caller(app.current_event), class_id))


@app.post("/api/institution/expansions")
def apply_expansion(body: ExpansionRequest) -> Response[dict[str, Any]]:
    exp = service.apply_expansion(caller(app.current_event), body, clock.now())
    return json_response(201, exp.model_dump(mode="json"))


@app.post("/api/institution/rechecks")
def rechecks(body: RecheckRequest) -> dict[str, Any]:
    results = service.institution_recheck(caller(app.current_event), body, clock.now())
    return {"results": [r.model_dump() for r in results]}


@app.get("/api/bureau/expansions")
def bureau_expansions() -> dict[str, Any]:
    rows = service.bureau_expansions(caller(app.current_event))
    return {"expansions": [e.model_dump(mode="json") for e in rows]}


@app.post("/api/bureau/expansions/<class_id>")
def decide_expansion(
    class_id: Annotated[str, Path(pattern=CLASS_ID)], body: ExpansionDecisionRequest
) -> dict[str, Any]:
    exp, promoted = service.decide_expansion(caller(app.current_event), class_id, body, clock.now())
    return {**exp.model_dump(mode="json"), "promoted": len(promoted)}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
