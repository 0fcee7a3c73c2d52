"""Completion certificates (结业证书): generated from the completion each time they are shown,
never stored as files that could drift from the ledger. A 合格 decision gets a verification
code (functions/common/ledger.settle); revising the decision gives the new version another
code, and the old one then verifies as revoked. Anyone can verify a code at a public URL; the
name is masked there."""

from __future__ import annotations

from functions.common import catalog
from functions.common.auth import require
from functions.common.errors import NotFound
from functions.common.ledger import format_code, normalize_code
from functions.credits import store
from functions.training import rules as training_rules
from schemas.calendar import SHANGHAI, term_calendar
from schemas.credits import Certificate, CertificateSummary
from schemas.people import Role, User
from schemas.privacy import mask_name
from schemas.training import Completion, Outcome

VERIFY_PATH = "verify/"


def _hours(c: Completion) -> float:
    """The class's scheduled hours (a later segment's: its credits at the term's hours per
    credit, as it has no timetable of its own here)."""
    try:
        tr = term_calendar(c.term).training
    except (FileNotFoundError, OSError):
        tr = None
    project = catalog.get(c.project_id)
    if project is not None and c.segment <= 1 and tr is not None:
        klass = next((k for k in project.classes if k.class_id == c.class_id), None)
        if klass is not None:
            return round(sum(s.hours for s in training_rules.sessions_of(klass, tr)), 1)
    return round(c.credits * (tr.hours_per_credit if tr else 1.0), 1)


def _dates(c: Completion) -> tuple[object, object]:
    project = catalog.get(c.project_id)
    if project is None or c.segment > 1:
        return None, c.class_end
    klass = next((k for k in project.classes if k.class_id == c.class_id), None)
    return (klass.start_date, klass.end_date) if klass else (None, c.class_end)


def _segment_name(c: Completion) -> str:
    if c.segment < 1:
        return ""
    project = catalog.get(c.project_id)
    if project is None or c.segment > len(project.segments):
        return ""
    return project.segments[c.segment - 1].name


def _lookup(code: str) -> tuple[str, Completion, bool]:
    norm = normalize_code(code)
    ref = store.certificate_ref(norm)
    if ref is None:
        raise NotFound("证书编号不存在，请核对后重新输入")
    c = store.completion_at(ref)
    if c is None:
        raise NotFound("证书编号不存在，请核对后重新输入")
    valid = c.outcome == Outcome.PASS and c.version == int(ref["version"]) and c.certificate == norm
    return norm, c, valid


def _certificate(norm: str, c: Completion, valid: bool, name: str, base_url: str) -> Certificate:
    start, end = _dates(c)
    url = f"{base_url.rstrip('/')}/{VERIFY_PATH}?c={format_code(norm)}" if base_url else ""
    return Certificate(
        code=format_code(norm),
        valid=valid,
        status_text="有效" if valid else "已撤销（结业认定已更正）",
        teacher_name=name,
        project_title=c.project_title,
        class_name=c.class_name,
        segment_name=_segment_name(c),
        institution_name=c.institution_name,
        start_date=start,  # type: ignore[arg-type]
        end_date=end,  # type: ignore[arg-type]
        hours=_hours(c),
        credits=c.credits,
        credits_online=c.credits_online,
        issued_on=c.decided_at.astimezone(SHANGHAI).date(),
        verify_url=url,
    )


def verify(code: str, base_url: str = "") -> Certificate:
    """Public verification: valid or revoked, the name masked (张*明)."""
    norm, c, valid = _lookup(code)
    return _certificate(norm, c, valid, mask_name(c.teacher_name), base_url)


def my_certificate(user: User, code: str, base_url: str) -> Certificate:
    """The teacher's own certificate, print-ready: full name and the QR of its verification
    URL. A revoked one is still shown, marked, so a teacher sees why it no longer counts."""
    import segno

    require(user, Role.TEACHER)
    norm, c, valid = _lookup(code)
    if c.teacher_id != user.teacher_id:
        raise NotFound("证书编号不存在，请核对后重新输入")
    cert = _certificate(norm, c, valid, c.teacher_name, base_url)
    qr = segno.make(cert.verify_url or cert.code, error="m")
    svg = qr.svg_inline(scale=4, border=2, dark="#000", light="#fff")
    return cert.model_copy(update={"qr_svg": svg})


def my_certificates(user: User) -> list[CertificateSummary]:
    """The teacher's valid certificates (one per 合格 completion standing), newest first."""
    require(user, Role.TEACHER)
    out = [
        CertificateSummary(
            code=format_code(c.certificate),
            project_title=c.project_title,
            class_name=c.class_name,
            institution_name=c.institution_name,
            credits=c.credits,
            issued_on=c.decided_at.astimezone(SHANGHAI).date(),
        )
        for c in store.completions_of_teacher(user.teacher_id or "")
        if c.outcome == Outcome.PASS and c.certificate
    ]
    return sorted(out, key=lambda s: s.issued_on, reverse=True)
