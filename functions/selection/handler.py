"""Selection API (routes only): select, withdraw, list mine, seats left."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Path, Query
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock
from functions.common.app import json_response, logger, make_app, tracer
from functions.common.auth import caller
from functions.common.http import request_key
from functions.selection import service
from schemas.selection import SelectionView, SelectRequest

app = make_app()
CLASS_ID = r"^[A-Za-z0-9_-]{2,60}$"


@app.get("/api/seats")
def seats(class_ids: Annotated[str, Query(min_length=1, max_length=6200)]) -> dict[str, Any]:
    return {"seats": [s.model_dump() for s in service.seats_left(class_ids)]}


@app.get("/api/selections")
def mine() -> dict[str, Any]:
    rows = service.my_selections(caller(app.current_event))
    return {"selections": [SelectionView.of(s).model_dump(mode="json") for s in rows]}


@app.post("/api/selections")
def select(body: SelectRequest) -> Response[dict[str, Any]]:
    sel = service.select_class(
        caller(app.current_event), body.class_id, clock.now(), request_key(app.current_event)
    )
    return json_response(201, SelectionView.of(sel).model_dump(mode="json"))


@app.delete("/api/selections/<class_id>")
def withdraw(class_id: Annotated[str, Path(pattern=CLASS_ID)]) -> dict[str, Any]:
    sel = service.withdraw_class(
        caller(app.current_event), class_id, clock.now(), request_key(app.current_event)
    )
    return SelectionView.of(sel).model_dump(mode="json")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
