"""An order's pick tells the picked institution and those not picked, in the pick's own
transaction (outbox); a pick whose message fails picks nothing."""

from __future__ import annotations

from schemas.notify import institution_party
from tests.integration import test_orders_api as orders
from tests.integration.test_orders_api import orders_world  # noqa: F401 (autouse fixture)
from tests.support.notify import failing_messages, messages

# --- orders (PH-ORDER-PICK) --------------------------------------------------------------------


def test_a_pick_tells_the_picked_and_the_not_picked_institutions(clock_at):
    order = orders.listed_with_responses(clock_at, "zjnu", "hznu")
    oid = order["order_id"]
    clock_at(orders.PICK)
    with failing_messages() as failed:
        status, _ = orders.api(
            "POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "zjnu"}
        )
    assert failed and status >= 400
    assert orders.stored_stage(oid) == "listed" and messages() == []
    status, _ = orders.api(
        "POST", f"/api/orders/{oid}/pick", "bureau-330106", {"institution_id": "zjnu"}
    )
    assert status == 200
    [picked] = messages(institution_party("zjnu"))
    assert picked.kind == "order_picked" and "3月16日（周六）至3月17日（周日）" in picked.body
    [other] = messages(institution_party("hznu"))
    assert other.kind == "order_not_picked" and "未中选" in other.title
