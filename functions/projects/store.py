"""Data access for projects: application records, counters, people, change requests, the audit
history and the local caps bureaus set (Q-6).

The project item (PROJECT#<pid> | META) carries `status` and `version` attributes and `app`, the
application record (`schemas.projects.ProjectRecord`). Every state change is a conditional write
on status AND version, in one TransactWriteItems with the counters it moves (Q-*, AP-3, AP-4)
and its audit entry (CH-5). Publishing adds the published catalog's items to that transaction:
the catalog document, class and seat items belong to `functions.common.catalog`.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from botocore.exceptions import ClientError

from functions.common import catalog, keys, records, store
from functions.common.errors import (
    Conflict,
    LeaderClassLimit,
    LeaderOtherInstitution,
    NotFound,
    PersonMismatch,
    QuotaExceeded,
    StaleVersion,
)
from functions.common.settings import settings
from schemas.catalog import Project, ProjectKind, ProjectStatus
from schemas.org import Institution
from schemas.privacy import mask_id_number
from schemas.projects import (
    AuditEntry,
    ChangeRecord,
    ChangeStatus,
    LocalCapSetting,
    PersonRecord,
    ProjectDraft,
    ProjectRecord,
)
from schemas.selection import SEAT_HOLDING

COUNTED = (ProjectStatus.SUBMITTED, ProjectStatus.APPROVED, ProjectStatus.PUBLISHED)


# --- items ---------------------------------------------------------------------------------


def record_item(rec: ProjectRecord) -> dict[str, Any]:
    """The project item of an application record."""
    item: dict[str, Any] = {
        **keys.project(rec.project_id),
        **keys.project_by_term(rec.term, rec.status.value, rec.project_id),
        **keys.project_by_institution(rec.institution_id, rec.term, rec.project_id),
        "status": rec.status.value,
        "version": rec.version,
        "institution_id": rec.institution_id,
        "term": rec.term,
        "app": rec.model_dump_json(),
    }
    return item


def person_item(p: PersonRecord) -> dict[str, Any]:
    return records.doc_item(
        keys.person(p.id_number),
        p.model_dump_json(),
        **keys.person_index(p.name, p.id_number),
        name=p.name,
    )


def audit_item(e: AuditEntry) -> dict[str, Any]:
    at, n = e.at.isoformat(), uuid.uuid4().hex[:8]
    if e.region_code and not e.project_id:  # a region's local cap
        return {**keys.local_cap_audit(e.term, e.region_code, at, n), "doc": e.model_dump_json()}
    return {
        **keys.audit_entry(e.project_id, at, n),
        **keys.audit_by_institution(e.institution_id, at, e.project_id, n),
        "doc": e.model_dump_json(),
    }


def change_item(c: ChangeRecord) -> dict[str, Any]:
    return {
        **keys.change_request(c.project_id, c.change_id),
        **keys.change_by_term(c.term, c.status.value, c.change_id),
        "status": c.status.value,
        "doc": c.model_dump_json(),
    }


_put = store.put_op


def _state_guard(
    statuses: Sequence[ProjectStatus], version: int
) -> tuple[str, dict[str, str], dict[str, Any]]:
    """Condition: the item is in one of `statuses` at `version` (0 = a seeded item, no version)."""
    names = {"#st": "status", "#v": "version"}
    values: dict[str, Any] = {f":s{i}": s.value for i, s in enumerate(statuses)}
    sts = ", ".join(values)
    if version:
        values[":v"] = version
        return f"#st IN ({sts}) AND #v = :v", names, values
    # Seeded catalog items carry neither status nor version attributes.
    return (
        f"(attribute_not_exists(#st) OR #st IN ({sts})) AND attribute_not_exists(#v)",
        names,
        values,
    )


def _guarded_put(
    item: dict[str, Any], statuses: Sequence[ProjectStatus], version: int
) -> dict[str, Any]:
    cond, names, values = _state_guard(statuses, version)
    return _put(item, cond, ExpressionAttributeNames=names, ExpressionAttributeValues=values)


# --- reads ---------------------------------------------------------------------------------


def get_project_item(project_id: str) -> dict[str, Any] | None:
    return store.get_item(keys.project(project_id), consistent=True)


def get_published(project_id: str) -> tuple[dict[str, Any], Project] | None:
    """A published project's item (status, version) and its catalog document, in one read."""
    found = {
        i["SK"]: i
        for i in store.batch_get(
            [keys.project(project_id), keys.project_catalog(project_id)], consistent=True
        )
    }
    item, doc = found.get(keys.META), found.get(keys.CATALOG)
    if item is None or doc is None:
        return None
    return item, Project.model_validate_json(doc["doc"])


def get_record(project_id: str) -> ProjectRecord:
    item = get_project_item(project_id)
    if not item or "app" not in item:
        raise NotFound("项目不存在")
    return ProjectRecord.model_validate_json(item["app"])


def list_for_institution(institution_id: str, term: str) -> list[dict[str, Any]]:
    return list(
        store.query_pages(
            IndexName="GSI2",
            KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
            ExpressionAttributeValues={
                ":pk": f"INST#{institution_id}",
                ":p": f"PROJECT#{term}#",
            },
        )
    )


def list_by_status(term: str, status: ProjectStatus) -> list[dict[str, Any]]:
    return list(
        store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :st)",
            ExpressionAttributeValues={
                ":pk": keys.project_by_term(term, "", "")["GSI1PK"],
                ":st": f"{status.value}#",
            },
        )
    )


def quota_used(institution_id: str, term: str) -> int | None:
    item = store.get_item(keys.institution_quota(institution_id, term), consistent=True)
    return int(item["used"]) if item and "used" in item else None


def leader_registration(id_number: str) -> str | None:
    item = store.get_item(keys.leader_registration(id_number), consistent=True)
    return str(item["institution_id"]) if item else None


def leader_classes(id_number: str, term: str) -> int:
    item = store.get_item(keys.leader_load(id_number, term), consistent=True)
    return int(item.get("classes", 0)) if item else 0


def get_person(id_number: str) -> PersonRecord | None:
    item = store.get_item(keys.person(id_number))
    return PersonRecord.model_validate_json(item["doc"]) if item else None


def institution_people(institution_id: str) -> set[str]:
    """The ID numbers of every leader and instructor in the institution's own applications, of
    every term: the people its forms may look up at any time."""
    out: set[str] = set()
    for item in store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.project_by_institution(institution_id, "", "")["GSI2PK"],
            ":p": "PROJECT#",
        },
    ):
        if "app" in item:
            d = ProjectRecord.model_validate_json(item["app"]).draft
            out.update(p.id_number for p in (d.leader, *d.instructors) if p.id_number)
    return out


def search_people(text: str, limit: int = 50) -> list[PersonRecord]:
    """Expert search (AP-7): names starting with `text`, or any field containing it."""
    out = []
    for item in store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": "PEOPLE"},
    ):
        p = PersonRecord.model_validate_json(item["doc"])
        if not text or text in p.name or text in p.organisation or text in p.expertise:
            out.append(p)
        if len(out) >= limit:
            break
    return out


# --- quota counter (Q-1 … Q-6) ---------------------------------------------------------------


def backfill_quota(institution_id: str, term: str) -> int:
    """Create the institution's quota counter from the projects already in the table (seeded or
    migrated ones count as submitted). Only when absent: a submission cannot pass the counter's
    condition before it exists, so the count cannot race with one."""
    used = 0
    for item in list_for_institution(institution_id, term):
        if item.get("SK") != keys.META or item.get("status") not in {s.value for s in COUNTED}:
            continue
        if "app" in item:
            rec = ProjectRecord.model_validate_json(item["app"])
            used += 1 if rec.counted_quota else 0
        else:  # published without an application record (functions.common.catalog)
            used += 1 if item.get("kind") == ProjectKind.REGULAR.value else 0
    try:
        store.put_item(
            {**keys.institution_quota(institution_id, term), "used": used},
            condition="attribute_not_exists(PK)",
        )
    except ClientError as exc:
        if store.error_code(exc) != "ConditionalCheckFailedException":
            raise
    return used


def quotas_used(institution_ids: Sequence[str], term: str) -> dict[str, int]:
    """The quota counters of `institution_ids` that exist (one batch read)."""
    found = store.batch_get([keys.institution_quota(i, term) for i in institution_ids])
    return {str(i["PK"]).removeprefix("INST#"): int(i["used"]) for i in found if "used" in i}


# --- local caps (Q-6) --------------------------------------------------------------------------


def local_institutions() -> list[Institution]:
    """Every institution of a local (Q-6) qualification, by region."""
    gsi = keys.local_institution("", "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"]},
    )
    return [Institution.model_validate_json(i["doc"]) for i in items]


def get_local_cap(term: str, region: str) -> LocalCapSetting | None:
    item = store.get_item(keys.local_cap(term, region), consistent=True)
    return LocalCapSetting.model_validate_json(item["doc"]) if item else None


def list_local_caps(term: str) -> dict[str, LocalCapSetting]:
    """The caps bureaus stored for `term`, by region."""
    key = keys.local_cap(term, "")
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": key["PK"], ":p": key["SK"]},
        ConsistentRead=True,
    )
    caps = [LocalCapSetting.model_validate_json(i["doc"]) for i in items]
    return {c.region_code: c for c in caps}


def put_local_cap(setting: LocalCapSetting, expected: int | None, audit: AuditEntry) -> None:
    """Store a region's cap and its audit entry (CH-5) in one transaction, if the stored cap is
    still `expected` (None: none stored): of two bureaus changing it at once, one is told."""
    item = {
        **keys.local_cap(setting.term, setting.region_code),
        "cap": setting.cap,
        "doc": setting.model_dump_json(),
    }
    if expected is None:
        put = _put(item, "attribute_not_exists(PK)")
    else:
        put = _put(
            item,
            "#c = :old",
            ExpressionAttributeNames={"#c": "cap"},
            ExpressionAttributeValues={":old": expected},
        )
    try:
        store.transact_write([put, _put(audit_item(audit))])
    except ClientError as exc:
        store.failed_conditions(exc)
        raise Conflict("该地区的申报上限刚被他人修改，请刷新后再设置") from exc


def audit_for_region(term: str, region: str) -> list[AuditEntry]:
    """CH-5: the history of a region's local cap (Q-6) in `term`."""
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={
            ":pk": keys.local_cap(term, region)["PK"],
            ":p": keys.local_cap_audit_prefix(region),
        },
    )
    return [AuditEntry.model_validate_json(i["doc"]) for i in items]


# --- writes --------------------------------------------------------------------------------


def create_draft(rec: ProjectRecord, audit: AuditEntry) -> None:
    try:
        store.transact_write(
            [
                _put(record_item(rec), "attribute_not_exists(PK)"),
                _put(audit_item(audit)),
            ]
        )
    except ClientError as exc:
        store.failed_conditions(exc)
        raise Conflict("项目编号已存在") from exc


def replace_record(
    rec: ProjectRecord,
    expect: Sequence[ProjectStatus],
    version: int,
    audit: AuditEntry | None = None,
    extra: Sequence[dict[str, Any]] = (),
) -> None:
    """Write `rec` if the stored project is in `expect` at `version`; else StaleVersion."""
    ops = [_guarded_put(record_item(rec), expect, version), *extra]
    if audit is not None:
        ops.append(_put(audit_item(audit)))
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise StaleVersion() from exc
        raise


def submit(
    rec: ProjectRecord,
    version: int,
    *,
    quota_cap: int | None,
    leader_id: str,
    leader_room: int,
    people: Sequence[PersonRecord],
    audit: AuditEntry,
    local_cap: tuple[str, int | None] | None = None,
) -> None:
    """Submit in ONE transaction (no read on the way):
    0 the project (draft/returned at `version`), 1 the institution's quota counter
    (`used < cap`, Q-1 … Q-6; skipped for Q-4), 2 the leader's term load (`classes <= room`,
    AP-3), 3 the leader registration (absent or this institution, AP-4), for a local institution
    4 the region's stored cap still what `quota_cap` came from (`local_cap` = (region, stored cap
    or None), Q-6: a cap changed since it was read cancels the submission), then the person
    records (absent or same name, AP-7) and the audit entry (CH-5).
    """
    name = settings().table_name
    ops: list[dict[str, Any]] = [
        _guarded_put(record_item(rec), (ProjectStatus.DRAFT, ProjectStatus.RETURNED), version)
    ]
    if quota_cap is not None:
        ops.append(
            store.counter_op(
                keys.institution_quota(rec.institution_id, rec.term),
                "used",
                1,
                "#a < :cap",
                {":cap": quota_cap},
            )
        )
    else:  # keep the indexes stable with a no-op check on the project itself
        ops.append(
            {
                "ConditionCheck": {
                    "TableName": name,
                    "Key": keys.institution(rec.institution_id),
                    "ConditionExpression": "attribute_exists(PK)",
                }
            }
        )
    ops.append(
        store.counter_op(
            keys.leader_load(leader_id, rec.term),
            "classes",
            rec.leader_classes,
            "attribute_not_exists(#a) OR #a <= :room",
            {":room": leader_room},
        )
    )
    ops.append(
        {
            "Update": {
                "TableName": name,
                "Key": keys.leader_registration(leader_id),
                "UpdateExpression": "SET #i = :iid",
                "ConditionExpression": "attribute_not_exists(PK) OR #i = :iid",
                "ExpressionAttributeNames": {"#i": "institution_id"},
                "ExpressionAttributeValues": {":iid": rec.institution_id},
                "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
            }
        }
    )
    cap_check = len(ops) if local_cap is not None else -1
    if local_cap is not None:
        region, stored = local_cap
        check: dict[str, Any] = {
            "TableName": name,
            "Key": keys.local_cap(rec.term, region),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
        if stored is not None:
            check["ConditionExpression"] = "#c = :cap"
            check["ExpressionAttributeNames"] = {"#c": "cap"}
            check["ExpressionAttributeValues"] = {":cap": stored}
        ops.append({"ConditionCheck": check})
    first_person = len(ops)
    for p in people:
        ops.append(
            _put(
                person_item(p),
                "attribute_not_exists(PK) OR #n = :n",
                ExpressionAttributeNames={"#n": "name"},
                ExpressionAttributeValues={":n": p.name},
            )
        )
    ops.append(_put(audit_item(audit)))
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise StaleVersion() from exc
        if 1 in failed and quota_cap is not None:
            if store.cancellation_item(exc, 1) is None:
                raise _QuotaCounterMissing() from exc
            raise QuotaExceeded(
                f"本机构本学期可申报 {quota_cap} 个项目，已达上限",
                errors=[{"field": "", "code": "quota_exceeded", "message": "申报数已达上限"}],
            ) from exc
        if 2 in failed:
            raise LeaderClassLimit(
                errors=[
                    {
                        "field": "leader.id_number",
                        "code": "leader_class_limit",
                        "message": "该负责人本学期负责的班期数将超过上限",
                    }
                ]
            ) from exc
        if cap_check in failed:
            raise _LocalCapChanged() from exc
        if 3 in failed:
            raise LeaderOtherInstitution(
                errors=[
                    {
                        "field": "leader.id_number",
                        "code": "leader_other_institution",
                        "message": "该负责人已在其他机构负责项目",
                    }
                ]
            ) from exc
        bad = [i - first_person for i in failed if first_person <= i < first_person + len(people)]
        if bad:
            raise PersonMismatch(
                f"身份证号 {mask_id_number(people[bad[0]].id_number)} 已登记为另一位专家，请核对姓名"
            ) from exc
        raise


class _QuotaCounterMissing(Exception):
    """The institution's quota counter does not exist yet (backfill, then retry)."""


QuotaCounterMissing = _QuotaCounterMissing


class _LocalCapChanged(Exception):
    """The region's Q-6 cap changed between reading it and the submission (read it again)."""


LocalCapChanged = _LocalCapChanged


def release_counters(rec: ProjectRecord, leader_id: str) -> list[dict[str, Any]]:
    """The counter updates that give back a returned project's quota slot and leader classes."""
    ops = []
    if rec.counted_quota:
        ops.append(
            store.counter_op(
                keys.institution_quota(rec.institution_id, rec.term), "used", -1, None, {}
            )
        )
    if rec.leader_classes and leader_id:
        ops.append(
            store.counter_op(
                keys.leader_load(leader_id, rec.term), "classes", -rec.leader_classes, None, {}
            )
        )
    return ops


def write_publication(
    rec: ProjectRecord,
    version: int,
    doc: Project,
    audit: AuditEntry,
    extra: Sequence[dict[str, Any]] = (),
) -> None:
    """Approved -> published (PH-PUBLISH) in one transaction: the application record, its audit
    entry and the catalog's items (`catalog.publication_ops`: document, classes, seat counters
    created only if absent, so a class id in use cancels it and held seats are never reset);
    `extra` ops (the institution's message) commit with it."""
    ops = [
        _guarded_put(record_item(rec), (ProjectStatus.APPROVED,), version),
        _put(audit_item(audit)),
        *catalog.publication_ops(doc),
        *extra,
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise StaleVersion() from exc
        raise Conflict("班期编号已被占用，无法发布") from exc


def write_revision(
    item: dict[str, Any], doc: Project, extra: Sequence[dict[str, Any]], audit: AuditEntry
) -> None:
    """A published project changed (an approved or minor change, a timetable): its version moves
    on (guarded), its catalog document and class items are rewritten, seat counters stay."""
    version = int(item.get("version", 0))
    new_item = {**item, "version": version + 1, "status": ProjectStatus.PUBLISHED.value}
    if "app" in item:
        rec = ProjectRecord.model_validate_json(item["app"])
        new_item["app"] = rec.model_copy(update={"version": version + 1}).model_dump_json()
    ops = [
        _guarded_put(new_item, (ProjectStatus.PUBLISHED,), version),
        *extra,
        _put(audit_item(audit)),
        *catalog.revision_ops(doc),
    ]
    try:
        store.transact_write(ops)
    except ClientError as exc:
        failed = store.failed_conditions(exc)
        if 0 in failed:
            raise StaleVersion() from exc
        if 1 in failed and extra:
            raise Conflict("该变更申请已被处理") from exc
        raise


def change_decision_op(c: ChangeRecord) -> dict[str, Any]:
    """Put the decided change only if it is still pending."""
    return _put(
        change_item(c),
        "#st = :p",
        ExpressionAttributeNames={"#st": "status"},
        ExpressionAttributeValues={":p": ChangeStatus.PENDING.value},
    )


def put_change(c: ChangeRecord, audit: AuditEntry) -> None:
    store.transact_write(
        [_put(change_item(c), "attribute_not_exists(PK)"), _put(audit_item(audit))]
    )


def decide_change_only(c: ChangeRecord, audit: AuditEntry) -> None:
    try:
        store.transact_write([change_decision_op(c), _put(audit_item(audit))])
    except ClientError as exc:
        store.failed_conditions(exc)
        raise Conflict("该变更申请已被处理") from exc


def get_change(project_id: str, change_id: str) -> ChangeRecord:
    item = store.get_item(keys.change_request(project_id, change_id), consistent=True)
    if not item:
        raise NotFound("变更申请不存在")
    return ChangeRecord.model_validate_json(item["doc"])


def list_changes(term: str, status: ChangeStatus | None = None) -> list[ChangeRecord]:
    values = {":pk": f"TERM#{term}#CHANGES"}
    cond = "GSI1PK = :pk"
    if status:  # DynamoDB refuses begins_with on an empty string
        values[":p"] = f"{status.value}#"
        cond += " AND begins_with(GSI1SK, :p)"
    items = store.query_pages(
        IndexName="GSI1", KeyConditionExpression=cond, ExpressionAttributeValues=values
    )
    return [ChangeRecord.model_validate_json(i["doc"]) for i in items]


def enrolled_teachers(class_ids: Sequence[str]) -> list[str]:
    """Teachers holding a seat in any of `class_ids` (pending or confirmed selections)."""
    holding = {s.value for s in SEAT_HOLDING}
    out: list[str] = []
    for cid in class_ids:
        for item in store.query_pages(
            IndexName="GSI1",
            KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :p)",
            ExpressionAttributeValues={":pk": f"CLASS#{cid}", ":p": "SEL#"},
        ):
            if item.get("status") in holding:
                out.append(str(item["teacher_id"]))
    return list(dict.fromkeys(out))


def audit_for_project(project_id: str) -> list[AuditEntry]:
    items = store.query_pages(
        KeyConditionExpression="PK = :pk AND begins_with(SK, :p)",
        ExpressionAttributeValues={":pk": keys.project(project_id)["PK"], ":p": "AUDIT#"},
    )
    return [AuditEntry.model_validate_json(i["doc"]) for i in items]


def audit_for_institution(institution_id: str) -> list[AuditEntry]:
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk",
        ExpressionAttributeValues={":pk": f"AUDIT#INST#{institution_id}"},
    )
    return [AuditEntry.model_validate_json(i["doc"]) for i in items]


def record_seed_items(
    recs: Sequence[ProjectRecord], docs: Mapping[str, Project] | None = None
) -> list[dict[str, Any]]:
    """Project items of records loaded in bulk (demo data, migrations): each record's project
    item, with the catalog's items when `docs` holds its published document."""
    docs = docs or {}
    items: list[dict[str, Any]] = []
    for r in recs:
        items.append(record_item(r))
        doc = docs.get(r.project_id)
        if doc is not None:
            items += catalog.seed_items(doc, with_project_item=False)
    return items


def holding_seed_items(
    recs: Sequence[ProjectRecord], order_plans: Sequence[tuple[str, str, ProjectDraft]] = ()
) -> list[dict[str, Any]]:
    """What the submitting transactions of bulk-loaded records would have written, for those in
    COUNTED statuses: the institutions' quota counters (Q-1 … Q-6), the leaders' term loads
    (AP-3, summed per leader) and registrations (AP-4), the person records (AP-7).

    `order_plans` are (institution_id, term, plan) of order plans formally submitted through the
    orders context: they hold their leader's classes too (AP-3 via AP-6), never a quota slot.
    Counters are written whole: pass everything that holds one in ONE call.
    """
    used: dict[tuple[str, str], int] = {}
    load: dict[tuple[str, str], int] = {}
    regs: dict[str, str] = {}
    people: dict[str, PersonRecord] = {}
    counted = [r for r in recs if r.status in COUNTED]
    for r in counted:
        key = (r.institution_id, r.term)
        used[key] = used.get(key, 0) + (1 if r.counted_quota else 0)
    held = [(r.institution_id, r.term, r.draft, r.leader_classes) for r in counted]
    held += [(iid, term, plan, len(plan.classes)) for iid, term, plan in order_plans]
    for iid, term, draft, classes in held:
        leader_id = draft.leader.id_number or ""
        if leader_id:
            load[(leader_id, term)] = load.get((leader_id, term), 0) + classes
            regs[leader_id] = iid
        for p in [draft.leader, *draft.instructors]:
            if p.id_number and p.name:
                people[p.id_number] = PersonRecord(
                    id_number=p.id_number,
                    name=p.name,
                    title=p.title or "",
                    organisation=p.organisation or "",
                    expertise=p.expertise,
                )
    items = [{**keys.institution_quota(i, t), "used": n} for (i, t), n in used.items()]
    items += [{**keys.leader_load(i, t), "classes": n} for (i, t), n in load.items()]
    items += [{**keys.leader_registration(i), "institution_id": iid} for i, iid in regs.items()]
    items += [person_item(p) for p in people.values()]
    return items
