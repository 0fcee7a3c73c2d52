"""Every HTTP route of the API and the function that serves it: read by the local gateway and by
the CDK app, so the deployed API and the local one cannot drift. `public` routes carry no JWT
authorizer; every other route does.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # API Gateway route path; {name} marks a path parameter
    function: str  # package under functions/ whose handler.lambda_handler serves it
    public: bool = False


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/health", "platform", public=True),
    Route("GET", "/api/phases", "platform", public=True),
    Route("GET", "/api/me", "platform"),
    Route("GET", "/api/seats", "selection", public=True),
    Route("GET", "/api/selections", "selection"),
    Route("POST", "/api/selections", "selection"),
    Route("DELETE", "/api/selections/{class_id}", "selection"),
)


def functions() -> list[str]:
    return sorted({r.function for r in ROUTES})
