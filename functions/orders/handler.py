"""Orders API (routes only): county demand, the centre's list and overview, institution
responses and revisions, the county's pick and publication, and the xlsx export."""

from __future__ import annotations

from typing import Annotated, Any

from aws_lambda_powertools.event_handler.openapi.params import Path
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from functions.common import clock, coldstart, xlsx
from functions.common.app import make_app
from functions.common.auth import caller
from functions.common.http import request_key
from functions.common.log import logger
from functions.orders import service
from schemas.orders import (
    ORDER_ID,
    CountedOrder,
    CountyOrders,
    CountyResponses,
    OfferedOrder,
    OpenOrders,
    OrderForm,
    OrderListPublished,
    OrdersOverview,
    OrderView,
    PickRequest,
    PublishedOrder,
    RespondRequest,
    ResponseView,
    ReviseRequest,
)

app = make_app()
OrderId = Annotated[str, Path(pattern=ORDER_ID)]


@app.get("/api/orders")
def county_orders() -> CountyOrders:
    return service.county_orders(caller(app.current_event))


@app.post("/api/orders", status_code=201)
def post_order(body: OrderForm) -> OrderView:
    order = service.post_order(
        caller(app.current_event), body, clock.now(), request_key(app.current_event)
    )
    return service.order_view(order)


@app.get("/api/orders/overview")
def overview() -> OrdersOverview:
    return service.overview(caller(app.current_event))


@app.post("/api/orders/list")
def publish_order_list() -> OrderListPublished:
    return service.publish_order_list(caller(app.current_event), clock.now())


@app.get("/api/orders/export")
def export_orders():  # type: ignore[no-untyped-def]
    return xlsx.response(*service.export_orders(caller(app.current_event)))


@app.get("/api/orders/open")
def visible_orders() -> OpenOrders:
    return service.visible_orders(caller(app.current_event))


@app.get("/api/orders/<order_id>")
def get_order(order_id: OrderId) -> OfferedOrder | CountedOrder:
    return service.get_order(caller(app.current_event), order_id)


@app.put("/api/orders/<order_id>")
def update_order(order_id: OrderId, body: OrderForm) -> OrderView:
    order = service.update_order(caller(app.current_event), order_id, body, clock.now())
    return service.order_view(order)


@app.get("/api/orders/<order_id>/responses")
def responses(order_id: OrderId) -> CountyResponses:
    return service.responses_for_county(caller(app.current_event), order_id)


@app.post("/api/orders/<order_id>/responses", status_code=201)
def respond(order_id: OrderId, body: RespondRequest) -> ResponseView:
    resp = service.respond(caller(app.current_event), order_id, body.plan, clock.now())
    return service.response_view(resp)


@app.get("/api/orders/<order_id>/response")
def my_response(order_id: OrderId) -> ResponseView:
    return service.my_response(caller(app.current_event), order_id)


@app.put("/api/orders/<order_id>/response")
def revise(order_id: OrderId, body: ReviseRequest) -> ResponseView:
    resp = service.revise(caller(app.current_event), order_id, body.plan, body.submit, clock.now())
    return service.response_view(resp)


@app.post("/api/orders/<order_id>/pick")
def pick(order_id: OrderId, body: PickRequest) -> OrderView:
    order = service.pick(caller(app.current_event), order_id, body.institution_id, clock.now())
    return service.order_view(order)


@app.post("/api/orders/<order_id>/publish")
def publish_order_project(order_id: OrderId) -> PublishedOrder:
    return service.publish_order_project(caller(app.current_event), order_id, clock.now())


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
