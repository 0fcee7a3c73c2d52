"""What each event says (站内信): one builder per event, plain Chinese, the next step last.

Pure functions over the records the events are about; the writer puts the result into its own
transaction with `functions.common.outbox.put` (see that module). Links are site-relative.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import quote

from functions.common import outbox
from schemas.calendar import SHANGHAI, PhaseId, term_calendar
from schemas.catalog import ClassInfo
from schemas.notify import (
    Message,
    MessageKind,
    institution_party,
    teacher_party,
    user_party,
)
from schemas.selection import Expansion, Selection

WEEKDAYS = "一二三四五六日"

MY = "my/"
INBOX = "inbox/"


def fmt_day(d: date | datetime) -> str:
    """5月6日（周一）: the one date style of the pages."""
    if isinstance(d, datetime):
        d = d.astimezone(SHANGHAI).date()
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def _class_label(project_title: str, class_name: str) -> str:
    return f"《{project_title}》{class_name}"


def _window_text(term: str, phase: PhaseId) -> str:
    w = term_calendar(term).window(phase)
    if w.start == w.end:
        return fmt_day(w.start)
    return f"{fmt_day(w.start)}至{fmt_day(w.end)}"


def _to_my_selections(
    teacher_id: str,
    kind: MessageKind,
    title: str,
    body: str,
    at: datetime,
    *,
    key: str,
    critical: bool = False,
) -> Message:
    """A message to a teacher about one of their selections: it leads to 我的选课."""
    return outbox.message(
        teacher_party(teacher_id),
        kind,
        title,
        body,
        at,
        key=key,
        link=MY,
        link_text="查看我的选课",
        critical=critical,
    )


# --- selection (SE-1 … SE-4) ---------------------------------------------------------------


def _r2_hint(term: str, at: datetime) -> str:
    """The round-2 window while it is still ahead or open (only teachers of round 1 take part)."""
    w = term_calendar(term).window(PhaseId.R2)
    if at >= w.closes:
        return ""
    return f"第二轮选课时间为{_window_text(term, PhaseId.R2)}（限第一轮已选课的老师），可另选班期。"


def selection_rejected(
    teacher_id: str, klass: ClassInfo, reason: str, at: datetime, *, by_school: bool
) -> Message:
    """School review or institution recheck rejected a selection: the seat is released."""
    who = "学校审核" if by_school else "培训机构复核"
    label = _class_label(klass.project_title, klass.class_name)
    ask = "本校负责选课审核的老师" if by_school else klass.institution_name
    return _to_my_selections(
        teacher_id,
        MessageKind.SELECTION_REJECTED_SCHOOL
        if by_school
        else MessageKind.SELECTION_REJECTED_RECHECK,
        f"选课未通过{who}：{label}",
        f"你选的{label}（{klass.institution_name}）未通过{who}。\n原因：{reason}\n"
        f"名额已释放。{_r2_hint(klass.term, at)}如有疑问，请联系{ask}。",
        at,
        key=f"rejected:{klass.class_id}:{teacher_id}:{at.isoformat()}",
        critical=True,
    )


def selection_confirmed(teacher_id: str, klass: ClassInfo, at: datetime) -> Message:
    """The institution's recheck confirmed a selection: the final step of selection (SE-1)."""
    label = _class_label(klass.project_title, klass.class_name)
    return _to_my_selections(
        teacher_id,
        MessageKind.SELECTION_CONFIRMED,
        f"选课已确认：{label}",
        f"你选的{label}已通过学校审核和培训机构复核，选课已确认。\n"
        f"培训时间：{fmt_day(klass.start_date)}至{fmt_day(klass.end_date)}，请按时参加。",
        at,
        key=f"confirmed:{klass.class_id}:{teacher_id}:{at.isoformat()}",
    )


def promoted(teacher_id: str, klass: ClassInfo, seq: int, at: datetime) -> Message:
    """A seat freed (withdrawal, rejection, expansion) went to this waitlisted teacher."""
    label = _class_label(klass.project_title, klass.class_name)
    return _to_my_selections(
        teacher_id,
        MessageKind.WAITLIST_PROMOTED,
        f"候补成功：{label}",
        f"有名额释放，你已从候补递补进入{label}"
        f"（{fmt_day(klass.start_date)}至{fmt_day(klass.end_date)}）。\n"
        "下一步：等待学校审核。如不能参加，请在选课期间到“我的选课”退选，把名额让给其他老师。",
        at,
        key=f"promoted:{klass.class_id}:{seq}",
        critical=True,
    )


def waitlist_dropped(
    teacher_id: str, klass: ClassInfo, seq: int, reason: str, at: datetime
) -> Message:
    """The teacher's turn came but they could not take the seat (limit or date clash)."""
    label = _class_label(klass.project_title, klass.class_name)
    return _to_my_selections(
        teacher_id,
        MessageKind.WAITLIST_DROPPED,
        f"候补已取消：{label}",
        f"轮到你递补{label}时，{reason}，因此候补已取消，名额已给下一位老师。\n"
        "下一步：如仍想参加培训，可在选课期间另选班期。",
        at,
        key=f"dropped:{klass.class_id}:{seq}",
        critical=True,
    )


def expansion_decided(exp: Expansion, accept: bool, reason: str, at: datetime) -> Message:
    """SE-3: the bureau accepted or refused an institution's expansion application."""
    label = _class_label(exp.project_title, exp.class_name)
    if accept:
        title = f"扩班已同意：{label}"
        body = (
            f"教育局同意了{label}扩班 {exp.extra} 人的申请，名额已增加，候补教师已按顺序递补。\n"
            "下一步：请在复核时间内完成第一轮选课复核。"
        )
    else:
        title = f"扩班未同意：{label}"
        body = f"教育局未同意{label}扩班 {exp.extra} 人的申请。\n原因：{reason}\n名额保持不变。"
    return outbox.message(
        institution_party(exp.institution_id),
        MessageKind.EXPANSION_DECIDED,
        title,
        body,
        at,
        key=f"expansion:{exp.class_id}:{exp.term}",
        link="institution/",
        link_text="查看班期",
        critical=not accept,
    )


# --- projects (PH-REVIEW, PH-PUBLISH, CH-3) ------------------------------------------------


def project_returned(
    institution_id: str, project_id: str, title: str, term: str, reason: str, at: datetime
) -> Message:
    return outbox.message(
        institution_party(institution_id),
        MessageKind.PROJECT_RETURNED,
        f"项目被退回：《{title}》",
        f"你机构申报的《{title}》被教育局退回修改。\n原因：{reason}\n"
        f"下一步：请按意见修改后重新提交（申报时间：{_window_text(term, PhaseId.APPLY)}，"
        f"审核时间：{_window_text(term, PhaseId.REVIEW)}）。",
        at,
        key=f"returned:{project_id}:{at.isoformat()}",
        link="apply/",
        link_text="修改项目",
        critical=True,
    )


def project_approved(
    institution_id: str, project_id: str, title: str, term: str, at: datetime
) -> Message:
    return outbox.message(
        institution_party(institution_id),
        MessageKind.PROJECT_APPROVED,
        f"项目审核通过：《{title}》",
        f"你机构申报的《{title}》已通过教育局审核，将于{_window_text(term, PhaseId.PUBLISH)}发布。",
        at,
        key=f"approved:{project_id}",
        link="apply/",
        link_text="查看项目",
    )


def project_published(
    institution_id: str, project_id: str, title: str, term: str, at: datetime
) -> Message:
    return outbox.message(
        institution_party(institution_id),
        MessageKind.PROJECT_PUBLISHED,
        f"项目已发布：《{title}》",
        f"你机构的《{title}》已发布，教师可在选课目录中看到。\n"
        f"下一步：课程表须在开班前至少5天在平台发布；第一轮选课时间："
        f"{_window_text(term, PhaseId.R1)}。",
        at,
        key=f"published:{project_id}",
        link=f"projects/{project_id}/",
        link_text="查看项目页",
    )


def class_changed_template(
    title: str, what: str, why: str, at: datetime, *, withdrawable: bool = True
) -> Message:
    """CH-3: an approved major change, explained to every enrolled teacher (fan-out)."""
    nxt = (
        "下一步：如仍参加，无需操作；如不愿参加，可到“我的选课”退选（不受选课时间限制）。"
        if withdrawable
        else "请按变更后的安排参加培训。"
    )
    return outbox.template(
        MessageKind.CLASS_CHANGED,
        f"培训项目变更：《{title}》",
        f"你已选的《{title}》经教育局批准变更：{what}\n原因：{why}\n{nxt}",
        at,
        link=MY,
        link_text="查看我的选课",
        critical=True,
    )


# --- orders (PH-ORDER-PICK) ----------------------------------------------------------------


def order_picked(
    institution_id: str, order_id: str, title: str, term: str, at: datetime
) -> Message:
    return outbox.message(
        institution_party(institution_id),
        MessageKind.ORDER_PICKED,
        f"订单中选：《{title}》",
        f"你机构对订单《{title}》的响应方案已被县（市、区）教育局选中。\n"
        f"下一步：请在{_window_text(term, PhaseId.ORDER_REVISE)}修订方案并正式申报。",
        at,
        key=f"picked:{order_id}",
        link="orders/institution/",
        link_text="修订方案",
        critical=True,
    )


def order_not_picked_template(title: str, at: datetime) -> Message:
    return outbox.template(
        MessageKind.ORDER_NOT_PICKED,
        f"订单未中选：《{title}》",
        f"订单《{title}》已由县（市、区）教育局选定其他承训机构，你机构的响应方案未中选。"
        "感谢参与，可继续关注其他订单。",
        at,
        link="orders/institution/",
        link_text="查看订单",
    )


# --- records (TD-1) ------------------------------------------------------------------------


def import_finished(
    user_id: str, job_id: str, file_name: str, ok: bool, summary: str, at: datetime
) -> Message:
    if ok:
        title, body = (
            f"教师信息导入完成：{file_name}",
            f"文件“{file_name}”已导入完毕：{summary}。\n下一步：请查看导入报告，处理被拒绝的行。",
        )
    else:
        title, body = (
            f"教师信息导入失败：{file_name}",
            f"文件“{file_name}”未能导入：{summary}\n下一步：请按导入模板检查文件后重新导入。",
        )
    return outbox.message(
        user_party(user_id),
        MessageKind.IMPORT_FINISHED,
        title,
        body,
        at,
        key=f"import:{job_id}",
        link=f"records/import/#job={quote(job_id, safe='')}",
        link_text="查看导入报告",
    )


# --- training weeks (PH-TRAIN, QA-2, SE-2, CH-3; issue 18) -----------------------------------

TRAINING_MINE = "training/mine/"
CREDITS = "credits/"
REPORTS = "training/reports/"


def class_cancelled(sel: Selection, reason: str, at: datetime) -> Message:
    """取消办班: the teacher's seat and days are freed; round 2 is open to them (SE-2)."""
    label = _class_label(sel.project_title, sel.class_name)
    return _to_my_selections(
        sel.teacher_id,
        MessageKind.CLASS_CANCELLED,
        f"班期已取消：{label}",
        f"你已选的{label}（{sel.institution_name}）已由教育局取消。\n原因：{reason}\n"
        f"下一步：你的名额和培训日期已释放，可在第二轮选课时另选班期"
        f"（{_window_text(sel.term, PhaseId.R2)}）。",
        at,
        key=f"cancelled:{sel.class_id}:{sel.teacher_id}",
        critical=True,
    )


def waitlist_closed(
    teacher_id: str, class_id: str, label: str, reason: str, at: datetime
) -> Message:
    """The waitlist ended without a seat (the last recheck closed, or the class was cancelled)."""
    return _to_my_selections(
        teacher_id,
        MessageKind.WAITLIST_CLOSED,
        f"候补未递补：{label}",
        f"你在{label}的候补未能递补：{reason}。\n本学期的选课已经结束，如有疑问请联系本校负责选课的老师。",
        at,
        key=f"waitlist_closed:{class_id}:{teacher_id}",
    )


def dates_clash(sel: Selection, start: date, end: date, clash_with: str, at: datetime) -> Message:
    """CH-3: the class moved to days that clash with another class the teacher holds."""
    label = _class_label(sel.project_title, sel.class_name)
    return _to_my_selections(
        sel.teacher_id,
        MessageKind.CLASS_CHANGED,
        f"班期日期变更后与已选班期冲突：{label}",
        f"{label}的日期已变更为{fmt_day(start)}至{fmt_day(end)}，与你已选的{clash_with}日期冲突。\n"
        "下一步：请到“我的选课”退选其中一个班期（不受选课时间限制）。",
        at,
        key=f"clash:{sel.class_id}:{sel.teacher_id}:{start.isoformat()}",
        critical=True,
    )


def completion_decided(
    teacher_id: str,
    class_id: str,
    label: str,
    outcome_text: str,
    reason: str,
    version: int,
    at: datetime,
    credits: int = 0,
) -> Message:
    """结业: the institution (or the bureau) decided or corrected the teacher's completion, and
    the credits this posted to the ledger (issue 14): one message for both."""
    why = f"\n原因：{reason}" if reason else ""
    if credits > 0:
        posted = f"\n已为你登记 {credits} 学分，可在“我的学分”查看并打印结业证书。"
    elif credits < 0:
        posted = f"\n此前登记的 {-credits} 学分已冲销。"
    else:
        posted = ""
    return outbox.message(
        teacher_party(teacher_id),
        MessageKind.COMPLETION_DECIDED,
        f"结业认定：{label} {outcome_text}",
        f"{label}的结业认定结果为“{outcome_text}”。{why}{posted}\n如有疑问请联系培训机构。",
        at,
        key=f"completion:{class_id}:{teacher_id}:{version}",
        link=CREDITS if credits > 0 else TRAINING_MINE,
        link_text="查看我的学分" if credits > 0 else "查看我的培训",
        critical=True,
    )


def non_completion(
    party: str,
    teacher_id: str,
    teacher_name: str,
    class_id: str,
    label: str,
    institution_name: str,
    reason: str,
    version: int,
    at: datetime,
) -> Message:
    """QA-2: a teacher who did not complete, reported to their school and county bureau."""
    return outbox.message(
        party,
        MessageKind.NON_COMPLETION,
        f"未完成培训：{teacher_name} · {label}",
        f"{institution_name}认定{teacher_name}未完成{label}。\n原因：{reason}\n"
        "下一步：请在“未完成培训名单”中查看，并督促教师按要求另行参加培训。",
        at,
        key=f"noncompletion:{class_id}:{teacher_id}:{version}",
        link=REPORTS,
        link_text="查看未完成培训名单",
    )


# --- credits (issue 14: CR-1, CR-2) -----------------------------------------------------------


def credits_posted(
    teacher_id: str, entry_id: str, title: str, credits: int, what: str, note: str, at: datetime
) -> Message:
    """Credits posted to (or reversed from) the teacher's ledger outside a completion decision:
    an approved or revoked 校本研修 registration, a later segment (CR-2)."""
    why = f"\n说明：{note}" if note else ""
    if credits >= 0:
        head, body = f"学分已登记：{title}", f"“{title}”（{what}）已为你登记 {credits} 学分。{why}"
    else:
        head, body = (
            f"学分已冲销：{title}",
            f"“{title}”（{what}）此前登记的 {-credits} 学分已冲销。{why}",
        )
    return outbox.message(
        teacher_party(teacher_id),
        MessageKind.CREDITS_POSTED,
        head[:80],
        f"{body}\n可在“我的学分”查看本周期的学分和进度。",
        at,
        key=f"credits:{teacher_id}:{entry_id}",
        link=CREDITS,
        link_text="查看我的学分",
    )


def registration_rejected(
    school_party_id: str,
    registration_id: str,
    teacher_name: str,
    title: str,
    reason: str,
    at: datetime,
) -> Message:
    """The county bureau did not approve a school's 校本研修 registration (CR-1)."""
    return outbox.message(
        school_party_id,
        MessageKind.CREDITS_POSTED,
        f"校本研修学分登记未通过：{teacher_name} · {title}"[:80],
        f"{teacher_name}的校本研修“{title}”学分登记未通过县（市、区）教育局审核。\n原因：{reason}\n"
        "下一步：如需补充材料，请修改后重新登记；该教师的校本研修学分额度已释放。",
        at,
        key=f"sbreg-rejected:{registration_id}",
        link="credits/school/",
        link_text="查看校本研修登记",
    )


# --- quality monitoring (QA-1, issue 14) -------------------------------------------------------

QUALITY = "quality/monitoring/"


def quality_finding(
    institution_id: str, check_id: str, label: str, findings: str, by: str, at: datetime
) -> Message:
    """QA-1: a spot check found something the institution must answer (整改)."""
    return outbox.message(
        institution_party(institution_id),
        MessageKind.OTHER,
        f"质量监控需整改：{label}"[:80],
        f"{by}对{label}进行了检查，发现以下问题，需要你机构整改并答复：\n{findings}\n"
        "下一步：请在“质量监控”中填写整改情况。",
        at,
        key=f"qa:{check_id}",
        link=QUALITY,
        link_text="查看并答复",
        critical=True,
    )


def quality_answered(
    user_id: str, check_id: str, label: str, institution_name: str, at: datetime
) -> Message:
    """QA-1: the institution answered a finding; the monitor who recorded it reviews it."""
    return outbox.message(
        user_party(user_id),
        MessageKind.OTHER,
        f"机构已答复整改：{label}"[:80],
        f"{institution_name}已答复{label}的检查发现。\n下一步：请在“质量监控”中查看答复并确认整改。",
        at,
        key=f"qa-answer:{check_id}:{at.isoformat()}",
        link=QUALITY,
        link_text="查看答复",
    )
