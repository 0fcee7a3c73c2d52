"""Selection API (routes only): select or join a waitlist, withdraw, list mine, seats left;
school review; institution demand, expansion, recheck and rosters; bureau expansion decisions;
xlsx exports."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.http import request_key
from functions.common.log import logger
from functions.selection import service
from schemas.selection import (
    Expansion,
    ExpansionDecided,
    ExpansionDecisionRequest,
    ExpansionList,
    ExpansionRequest,
    InstitutionClassList,
    InstitutionRoster,
    ItemResults,
    MySelections,
    RecheckRequest,
    ReviewRequest,
    SchoolOverview,
    SeatsAnswer,
    SelectionView,
    SelectRequest,
)

app = make_app()
CLASS_ID = r"^[A-Za-z0-9_-]{2,60}$"


@app.get("/api/seats")
def seats(class_ids: Annotated[str, Query(min_length=1, max_length=6200)]) -> SeatsAnswer:
    return SeatsAnswer(seats=service.seats_left(class_ids))


@app.get("/api/selections")
def mine() -> MySelections:
    return MySelections(
        selections=service.my_selection_views(caller(app.current_event), clock.now())
    )


@app.post("/api/selections", status_code=201)
def select(body: SelectRequest) -> SelectionView:
    sel, position = service.select_or_waitlist(
        # The seat's transaction checks the account (records.account_active_op): no extra read.
        caller(app.current_event, fresh=False),
        body.class_id,
        clock.now(),
        request_key(app.current_event),
        body.waitlist,
    )
    return SelectionView.of(sel, position)


@app.delete("/api/selections/<class_id>")
def withdraw(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> SelectionView:
    sel, _ = service.withdraw_or_leave(
        # The selection's read fetches the account too (auth.still): no read of its own.
        caller(app.current_event, fresh=False),
        class_id,
        clock.now(),
        request_key(app.current_event),
    )
    return SelectionView.of(sel)


@app.get("/api/school/selections")
def school_selections() -> SchoolOverview:
    return service.school_overview(caller(app.current_event))


@app.post("/api/school/reviews")
def school_reviews(body: ReviewRequest) -> ItemResults:
    # The classes' read fetches the account too (auth.still): N writes after one read.
    user = caller(app.current_event, fresh=False)
    return ItemResults(results=service.school_review(user, body, clock.now()))


# The xlsx routes carry no return annotation: the resolver then passes the binary response
# through instead of validating it as JSON.
@app.get("/api/school/export")
def school_export():  # type: ignore[no-untyped-def]
    return xlsx.response(*service.school_export(caller(app.current_event)))


@app.get("/api/institution/classes")
def institution_classes() -> InstitutionClassList:
    return service.institution_classes(caller(app.current_event))


@app.get("/api/institution/classes/<class_id>/roster")
def class_roster(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> InstitutionRoster:
    return service.class_roster(caller(app.current_event), class_id)


@app.get("/api/institution/classes/<class_id>/export")
def roster_export(class_id: Annotated[str, Path(pattern=CLASS_ID)]):  # type: ignore[no-untyped-def]
    return xlsx.response(*service.roster_export(caller(app.current_event), class_id))


@app.post("/api/institution/expansions", status_code=201)
def apply_expansion(body: ExpansionRequest) -> Expansion:
    return service.apply_expansion(caller(app.current_event), body, clock.now())


@app.post("/api/institution/rechecks")
def rechecks(body: RecheckRequest) -> ItemResults:
    # The classes' read fetches the account too (auth.still): N writes after one read.
    results = service.institution_recheck(caller(app.current_event, fresh=False), body, clock.now())
    return ItemResults(results=results)


@app.get("/api/bureau/expansions")
def bureau_expansions() -> ExpansionList:
    return ExpansionList(expansions=service.bureau_expansions(caller(app.current_event)))


@app.post("/api/bureau/expansions/<class_id>")
def decide_expansion(
    class_id: Annotated[str, Path(pattern=CLASS_ID)], body: ExpansionDecisionRequest
) -> ExpansionDecided:
    exp, promoted = service.decide_expansion(caller(app.current_event), class_id, body, clock.now())
    return ExpansionDecided(**exp.model_dump(), promoted=len(promoted))


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
