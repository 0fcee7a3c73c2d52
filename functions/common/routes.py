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
    # Largest body the function reads (bigger: 413 before it runs, functions.common.validation).
    max_body_bytes: int = 1024 * 1024


@dataclass(frozen=True)
class Worker:
    """A function no route serves: other functions start it by asynchronous invocation."""

    name: str  # deployed (and served locally) as zjtrain-<name>
    module: str  # module whose lambda_handler it runs
    timeout_seconds: int
    memory_mb: int
    setting: str  # environment variable that tells its callers the function's name
    callers: tuple[str, ...]  # contexts of ROUTES (or "phases") that start it
    concurrency: int | None = None  # runs at once (reserved concurrency); None: unlimited
    layer: str = "runtime"  # the dependency layer it needs (infra/layers.py)
    # Started every this many minutes by a schedule too (EventBridge Scheduler deployed, the
    # local stack's ticker locally); None: only by its callers.
    every_minutes: int | None = None


WORKERS: tuple[Worker, ...] = (
    # TD-1: imports of the national export (100,000 rows and more) run to the end here.
    Worker(
        "records-import",
        "functions.records.worker",
        timeout_seconds=900,
        memory_mb=2048,
        setting="ZJT_RECORDS_IMPORT_FUNCTION",
        callers=("records",),
    ),
    # 数据看板: the scheduled aggregation of the dashboard's statistics (infra runs it every few
    # minutes, the local stack on a timer); it continues itself when a run's time runs low.
    Worker(
        "stats-aggregate",
        "functions.stats.worker",
        timeout_seconds=900,
        memory_mb=1024,
        setting="ZJT_STATS_FUNCTION",
        callers=(),
    ),
    # Credits (issue 14): the bureaus' credit progress by region, kept on a schedule like the
    # dashboard's statistics (infra runs it every few minutes, the local stack on a timer).
    Worker(
        "credits-aggregate",
        "functions.credits.worker",
        timeout_seconds=900,
        memory_mb=1024,
        setting="ZJT_CREDITS_FUNCTION",
        callers=(),
    ),
    # PH-TRAIN: attendance workbooks (10,000 rows and more) and online hours imports.
    Worker(
        "training-import",
        "functions.training.worker",
        timeout_seconds=900,
        memory_mb=1024,
        setting="ZJT_TRAINING_IMPORT_FUNCTION",
        callers=("training",),
    ),
    # The static site: renders what changed since its last run and uploads it. One run at a
    # time (they share the published manifest); requests made meanwhile start the next.
    Worker(
        "site-publish",
        "functions.site.worker",
        timeout_seconds=900,
        memory_mb=2048,
        setting="ZJT_SITE_FUNCTION",
        callers=("projects", "orders", "phases"),
        concurrency=1,
        layer="publish",
    ),
    # Issue 15: email from the outbox and the sweep of unfinished fan-outs; a schedule starts it
    # every minute, and a run with emails left starts the next one.
    Worker(
        "notify-send",
        "functions.notify.worker",
        timeout_seconds=300,
        memory_mb=512,
        setting="ZJT_NOTIFY_SEND_FUNCTION",
        callers=(),
        every_minutes=1,
    ),
    # Issue 15: deadline reminders (五(一)), started by the phase job for each firing; it fans
    # out into one run per batch of counties and restarts itself before its time limit.
    Worker(
        "notify-remind",
        "functions.notify.remind_worker",
        timeout_seconds=900,
        memory_mb=1024,
        setting="ZJT_NOTIFY_REMIND_FUNCTION",
        callers=(),
    ),
)


ROUTES: tuple[Route, ...] = (
    Route("GET", "/api/health", "platform", public=True),
    Route("GET", "/api/phases", "platform", public=True),
    Route("GET", "/api/me", "platform"),
    Route("GET", "/api/me/export", "platform"),  # the teacher's own data as xlsx (PIPL art. 45)
    Route("GET", "/api/site/publication", "platform", public=True),
    Route("GET", "/api/institutions", "platform"),  # the directory the institution pickers read
    Route("GET", "/api/seats", "selection", public=True),
    Route("GET", "/api/selections", "selection"),
    Route("POST", "/api/selections", "selection"),
    Route("DELETE", "/api/selections/{class_id}", "selection"),
    # selection workflow (SE-1 … SE-4): school review, expansion, recheck, exports
    Route("GET", "/api/school/selections", "selection"),
    Route("POST", "/api/school/reviews", "selection"),
    Route("GET", "/api/school/export", "selection"),
    Route("GET", "/api/institution/classes", "selection"),
    Route("GET", "/api/institution/classes/{class_id}/roster", "selection"),
    Route("GET", "/api/institution/classes/{class_id}/export", "selection"),
    Route("POST", "/api/institution/expansions", "selection"),
    Route("POST", "/api/institution/rechecks", "selection"),
    Route("GET", "/api/bureau/expansions", "selection"),
    Route("POST", "/api/bureau/expansions/{class_id}", "selection"),
    # records (TD-1 … TD-3): import, school maintenance, anomalies, accounts
    Route("GET", "/api/records/scope", "records"),
    Route("POST", "/api/records/imports", "records"),
    Route("PUT", "/api/records/imports/{job_id}/parts/{part}", "records"),
    Route("POST", "/api/records/imports/{job_id}/start", "records"),
    Route("GET", "/api/records/imports/{job_id}", "records"),
    Route("GET", "/api/records/imports/{job_id}/report", "records"),
    Route("GET", "/api/records/schools", "records"),
    Route("GET", "/api/records/teachers", "records"),
    Route("POST", "/api/records/teachers", "records"),
    Route("GET", "/api/records/teachers/{teacher_id}", "records"),
    Route("PUT", "/api/records/teachers/{teacher_id}", "records"),
    Route("GET", "/api/records/anomalies", "records"),
    Route("POST", "/api/records/anomalies/check", "records"),
    Route("POST", "/api/records/anomalies/{anomaly_id}/resolve", "records"),
    Route("GET", "/api/records/accounts", "records"),
    Route("PUT", "/api/records/accounts/{user_id}", "records"),
    Route("PUT", "/api/records/accounts/{user_id}/status", "records"),
    # PH-1: a teacher's own record and the corrections her school decides
    Route("GET", "/api/records/me", "records"),
    Route("POST", "/api/records/me/corrections", "records"),
    Route("GET", "/api/records/corrections", "records"),
    Route("POST", "/api/records/corrections/{teacher_id}/{request_id}/decision", "records"),
    # projects (PH-APPLY, PH-REVIEW, PH-PUBLISH, AP-*, Q-*, CR-*, CH-*)
    Route("GET", "/api/projects", "projects"),
    Route("POST", "/api/projects", "projects"),
    Route("GET", "/api/projects/quotas/local", "projects"),
    Route("PUT", "/api/projects/quotas/local/{region_code}", "projects"),
    Route("GET", "/api/projects/{project_id}", "projects"),
    Route("PUT", "/api/projects/{project_id}", "projects"),
    Route("POST", "/api/projects/{project_id}/submit", "projects"),
    Route("POST", "/api/projects/{project_id}/changes", "projects"),
    Route("POST", "/api/projects/{project_id}/classes/{class_id}/timetable", "projects"),
    Route("GET", "/api/timetable-risks", "projects"),
    Route("GET", "/api/people/{id_number}", "projects"),
    Route("GET", "/api/experts", "projects"),
    Route("GET", "/api/reviews", "projects"),
    Route("POST", "/api/reviews/publish", "projects"),
    Route("POST", "/api/reviews/{project_id}/spot-check/draw", "projects"),  # AP-5, secrets
    Route("POST", "/api/reviews/{project_id}/spot-check", "projects"),
    Route("POST", "/api/reviews/{project_id}/decision", "projects"),
    Route("GET", "/api/changes", "projects"),
    Route("POST", "/api/changes/{project_id}/{change_id}/decision", "projects"),
    Route("GET", "/api/audit", "projects"),
    # orders (PH-ORDER-*, OD-1 … OD-5, Q-5, Q-7, AP-6)
    Route("GET", "/api/orders", "orders"),
    Route("POST", "/api/orders", "orders"),
    Route("GET", "/api/orders/overview", "orders"),
    Route("POST", "/api/orders/list", "orders"),
    Route("GET", "/api/orders/export", "orders"),
    Route("GET", "/api/orders/open", "orders"),
    Route("GET", "/api/orders/{order_id}", "orders"),
    Route("PUT", "/api/orders/{order_id}", "orders"),
    Route("GET", "/api/orders/{order_id}/responses", "orders"),
    Route("POST", "/api/orders/{order_id}/responses", "orders"),
    Route("GET", "/api/orders/{order_id}/response", "orders"),
    Route("PUT", "/api/orders/{order_id}/response", "orders"),
    Route("POST", "/api/orders/{order_id}/pick", "orders"),
    Route("POST", "/api/orders/{order_id}/publish", "orders"),
    # 数据看板: statistics kept by the stats-aggregate worker, read by bureaus and the centre
    Route("GET", "/api/stats", "stats"),
    Route("GET", "/api/stats/export", "stats"),
    # notifications (issue 15): inbox, unread count, mark read, email choice
    Route("GET", "/api/inbox", "notify"),
    Route("GET", "/api/inbox/unread", "notify"),
    Route("POST", "/api/inbox/read", "notify"),
    Route("GET", "/api/notify/settings", "notify"),
    Route("PUT", "/api/notify/settings", "notify"),
    # training weeks (PH-TRAIN, QA-2, SE-2): check-in, attendance, completion, cancellation
    Route("GET", "/api/training/classes", "training"),
    Route("GET", "/api/training/classes/{class_id}", "training"),
    Route("POST", "/api/training/classes/{class_id}/checkin", "training"),
    Route("GET", "/api/training/classes/{class_id}/checkin/code", "training"),
    Route("POST", "/api/training/classes/{class_id}/checkins", "training"),
    Route("POST", "/api/training/classes/{class_id}/attendance", "training"),
    Route("GET", "/api/training/classes/{class_id}/attendance/template", "training"),
    Route("POST", "/api/training/classes/{class_id}/completion", "training"),
    Route("POST", "/api/training/classes/{class_id}/cancel", "training"),
    # an attendance or online-hours workbook inside the JSON body: up to Lambda's 6 MB payload
    Route("POST", "/api/training/imports", "training", max_body_bytes=6 * 1024 * 1024),
    Route("GET", "/api/training/imports/{job_id}", "training"),
    Route("POST", "/api/training/checkin", "training"),
    Route("GET", "/api/training/mine", "training"),
    Route("GET", "/api/training/noncompletion", "training"),
    Route("GET", "/api/training/noncompletion/export", "training"),
    Route("GET", "/api/training/bureau/classes", "training"),
    # a teacher's private calendar feed (.ics): its address, a new one, revoke; the feed itself
    # is public because calendar apps cannot log in (the address is the secret)
    Route("GET", "/api/calendar/feed", "notify"),
    Route("POST", "/api/calendar/feed", "notify"),
    Route("DELETE", "/api/calendar/feed", "notify"),
    Route("GET", "/api/calendar/{feed}", "notify", public=True),
    # the API contract: the OpenAPI document of every route (functions/apidoc)
    Route("GET", "/api/openapi.json", "apidoc", public=True),
    # credits (issue 14: CR-1, CR-2): ledger, 培训档案, certificates, progress, 校本研修
    Route("GET", "/api/credits/mine", "credits"),
    Route("GET", "/api/credits/archive", "credits"),
    Route("GET", "/api/credits/archive/view", "credits"),
    Route("GET", "/api/credits/certificates", "credits"),
    Route("GET", "/api/credits/certificates/{code}", "credits"),
    Route("GET", "/api/verify/{code}", "credits", public=True),
    Route("GET", "/api/credits/progress", "credits"),
    Route("GET", "/api/credits/progress/region", "credits"),
    Route("GET", "/api/credits/progress/export", "credits"),
    Route("GET", "/api/credits/school-based", "credits"),
    Route("POST", "/api/credits/school-based", "credits"),
    Route("GET", "/api/credits/school-based/template", "credits"),
    Route("POST", "/api/credits/school-based/imports", "credits"),
    Route("POST", "/api/credits/school-based/decisions", "credits"),
    Route("GET", "/api/credits/segments/{project_id}/{segment}", "credits"),
    Route("POST", "/api/credits/segments/{project_id}/{segment}/completion", "credits"),
    # quality (issue 14: 满意度测评, QA-1, reports by term and region)
    Route("GET", "/api/quality/evaluations/mine", "quality"),
    Route("POST", "/api/quality/evaluations", "quality"),
    Route("GET", "/api/quality/evaluations", "quality"),
    Route("GET", "/api/quality/evaluations/{class_id}", "quality"),
    Route("GET", "/api/quality/classes", "quality"),
    Route("GET", "/api/quality/checks", "quality"),
    Route("POST", "/api/quality/checks", "quality"),
    Route("GET", "/api/quality/checks/export", "quality"),
    Route("POST", "/api/quality/checks/{institution_id}/{check_id}/answer", "quality"),
    Route("POST", "/api/quality/checks/{institution_id}/{check_id}/close", "quality"),
    Route("GET", "/api/quality/institutions/{institution_id}", "quality"),
    Route("GET", "/api/quality/review/{project_id}", "quality"),
    Route("GET", "/api/quality/reports", "quality"),
    Route("GET", "/api/quality/reports/export", "quality"),
)


MAX_BODY_BYTES = {f"{r.method} {r.path}": r.max_body_bytes for r in ROUTES}


def functions() -> list[str]:
    return sorted({r.function for r in ROUTES})
