"""Credits API (routes only, issue 14): 我的学分 and the 培训档案, certificates and their public
verification, school and bureau progress, school-based registrations (CR-1) and the later
segments of segmented projects (CR-2)."""

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
from functions.credits import certificates, schoolbased, segments, service
from schemas.credits import (
    Archive,
    Certificate,
    CertificateList,
    DecisionResults,
    MyCredits,
    ProgressView,
    RegistrationDecision,
    RegistrationList,
    RegistrationView,
    SchoolBasedImport,
    SchoolBasedRequest,
    SegmentRoster,
)
from schemas.training import CompletionRequest, ItemOutcomes

app = make_app()
CODE = r"^[A-Za-z0-9-]{10,20}$"
CYCLE = r"^\d{4}-\d{4}$"
ID = r"^[A-Za-z0-9_-]{2,60}$"
REGION = r"^\d{6}$"


def _site() -> str:
    """The site's origin for verification URLs: the configured one, else the request's."""
    from functions.training.service import TrainingSettings

    configured = TrainingSettings().site_url
    if configured:
        return configured
    headers = app.current_event.headers or {}
    if headers.get("origin"):
        return str(headers["origin"])
    proto = headers.get("x-forwarded-proto", "https")
    return f"{proto}://{headers.get('host', 'localhost')}"


@app.get("/api/credits/mine")
def mine(cycle: Annotated[str | None, Query(pattern=CYCLE)] = None) -> MyCredits:
    view = service.my_credits(caller(app.current_event), cycle, clock.now())
    return view


# The xlsx routes carry no return annotation: the resolver passes the binary response through.
@app.get("/api/credits/archive")
def archive():  # type: ignore[no-untyped-def]
    return xlsx.response(*service.archive_xlsx(caller(app.current_event)))


@app.get("/api/credits/archive/view")
def archive_view() -> Archive:
    return service.archive(caller(app.current_event), clock.now())


@app.get("/api/credits/certificates")
def my_certificates() -> CertificateList:
    return CertificateList(certificates=certificates.my_certificates(caller(app.current_event)))


@app.get("/api/credits/certificates/<code>")
def my_certificate(code: Annotated[str, Path(pattern=CODE)]) -> Certificate:
    cert = certificates.my_certificate(caller(app.current_event), code, _site())
    return cert


@app.get("/api/verify/<code>")
def verify(code: Annotated[str, Path(pattern=CODE)]) -> Certificate:
    return certificates.verify(code)


@app.get("/api/credits/progress")
def progress(
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    cycle: Annotated[str | None, Query(pattern=CYCLE)] = None,
) -> ProgressView:
    view = service.school_progress(caller(app.current_event), school_id, cycle, clock.now())
    return view


@app.get("/api/credits/progress/region")
def region_progress(
    region: Annotated[str | None, Query(pattern=REGION)] = None,
    cycle: Annotated[str | None, Query(pattern=CYCLE)] = None,
) -> ProgressView:
    view = service.region_progress(caller(app.current_event), region, cycle, clock.now())
    return view


@app.get("/api/credits/progress/export")
def progress_export(  # type: ignore[no-untyped-def]
    school_id: Annotated[str | None, Query(pattern=ID)] = None,
    region: Annotated[str | None, Query(pattern=REGION)] = None,
    cycle: Annotated[str | None, Query(pattern=CYCLE)] = None,
):
    user = caller(app.current_event)
    if school_id or user.role.value in ("principal", "school_admin"):
        view = service.school_progress(user, school_id, cycle, clock.now())
    else:
        view = service.region_progress(user, region, cycle, clock.now())
    return xlsx.response(*service.progress_xlsx(view))


@app.post("/api/credits/school-based", status_code=201)
def register(body: SchoolBasedRequest) -> RegistrationView:
    return schoolbased.register_one(
        caller(app.current_event), body, request_key(app.current_event), clock.now()
    )


@app.get("/api/credits/school-based")
def registrations(
    status: Annotated[str | None, Query(pattern=r"^[a-z]{4,12}$")] = None,
) -> RegistrationList:
    rows = schoolbased.list_registrations(caller(app.current_event), status)
    return RegistrationList(registrations=rows)


@app.get("/api/credits/school-based/template")
def template():  # type: ignore[no-untyped-def]
    return xlsx.response(*schoolbased.template_xlsx(caller(app.current_event)))


@app.post("/api/credits/school-based/imports")
def register_file(body: SchoolBasedImport) -> dict[str, Any]:
    rows = schoolbased.register_xlsx(caller(app.current_event), body, clock.now())
    return {
        "registered": sum(1 for r in rows if r.ok),
        "refused": sum(1 for r in rows if not r.ok),
        "rows": [r.model_dump() for r in rows],
    }


@app.post("/api/credits/school-based/decisions")
def decide(body: RegistrationDecision) -> DecisionResults:
    return DecisionResults(results=schoolbased.decide(caller(app.current_event), body, clock.now()))


@app.get("/api/credits/segments/<project_id>/<segment>")
def segment_roster(
    project_id: Annotated[str, Path(pattern=ID)], segment: Annotated[int, Path(ge=2, le=6)]
) -> SegmentRoster:
    view = segments.roster(caller(app.current_event), project_id, segment, clock.now())
    return view


@app.post("/api/credits/segments/<project_id>/<segment>/completion")
def segment_completion(
    project_id: Annotated[str, Path(pattern=ID)],
    segment: Annotated[int, Path(ge=2, le=6)],
    body: CompletionRequest,
) -> ItemOutcomes:
    out = segments.decide(caller(app.current_event), project_id, segment, body, clock.now())
    return ItemOutcomes(results=out)


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)


# The last line: this function has loaded (functions/__init__.py pauses the collector until now).
coldstart.loaded()
