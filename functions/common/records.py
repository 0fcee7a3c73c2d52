"""Reads of shared records (users, teachers, classes), cached per warm Lambda for a short TTL.

A stale cache entry is harmless for correctness: seat, limit and uniqueness rules are enforced in
the condition expressions of the write itself, never from these cached reads.
"""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache

from functions.common import keys, store
from functions.common.settings import settings
from schemas.org import Institution, QualificationScope, School
from schemas.people import Role, Teacher, User

_cache: TTLCache[tuple[str, str], str] = TTLCache(maxsize=20_000, ttl=settings().cache_ttl_seconds)

_DOC = "doc"  # attribute holding a record's validated JSON document


def clear_cache() -> None:
    _cache.clear()


def _cached_doc(key: keys.Key) -> str | None:
    ck = (key["PK"], key["SK"])
    if ck in _cache:
        return _cache[ck]
    item = store.get_item(dict(key))
    doc: str | None = item.get(_DOC) if item else None
    if doc is not None:
        _cache[ck] = doc
    return doc


def prefetch(record_keys: list[keys.Key]) -> None:
    """Read the records not cached yet into the cache, in one BatchGetItem per 100 (a bulk
    request's classes), so the request's later `get_*` calls read nothing."""
    missing = {(k["PK"], k["SK"]) for k in record_keys if (k["PK"], k["SK"]) not in _cache}
    found = store.batch_get([{"PK": pk, "SK": sk} for pk, sk in sorted(missing)])
    for item in found:
        if item.get(_DOC) is not None:
            _cache[(item["PK"], item["SK"])] = item[_DOC]


def get_user(user_id: str, fresh: bool = False) -> User | None:
    """The user account; `fresh` reads it strongly consistently past the cache (and refreshes
    the cache with it), for a caller about to write."""
    key = keys.user(user_id)
    if fresh:
        item = store.get_item(dict(key), consistent=True)
        doc: str | None = item.get(_DOC) if item else None
        ck = (key["PK"], key["SK"])
        if doc is None:
            _cache.pop(ck, None)
        else:
            _cache[ck] = doc
    else:
        doc = _cached_doc(key)
    return User.model_validate_json(doc) if doc else None


def get_teacher(teacher_id: str) -> Teacher | None:
    doc = _cached_doc(keys.teacher(teacher_id))
    return Teacher.model_validate_json(doc) if doc else None


def get_class_doc(class_id: str) -> str | None:
    """The class's descriptive record (JSON of `schemas.selection.ClassInfo`)."""
    return _cached_doc(keys.class_meta(class_id))


def teachers_of_school(school_id: str) -> list[Teacher]:
    """Every teacher record of a school (its GSI1 partition), by teacher id; not cached."""
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk",
        ExpressionAttributeValues={":pk": keys.teacher_by_school(school_id, "")["GSI1PK"]},
    )
    return sorted((Teacher.model_validate_json(i[_DOC]) for i in items), key=lambda t: t.teacher_id)


def doc_item(key: keys.Key, doc: str, **attrs: Any) -> dict[str, Any]:
    """An item holding a record document plus any index attributes."""
    return {**key, _DOC: doc, **attrs}


UNKNOWN_REGION = "000000"  # index bucket for records whose region code is not a region


def region_key(region: str) -> str:
    return region if region.isdigit() and len(region) == 6 else UNKNOWN_REGION


def account_region(user: User) -> str | None:
    """The region a staff account is listed under on the accounts page."""
    return user.region_code or ("330000" if user.role in (Role.INSTITUTION, Role.CENTRE) else None)


DISABLED = "disabled"  # top-level attribute of a disabled account's item


def account_active_op(user_id: str) -> dict[str, Any]:
    """A transaction item that holds only while the account `user_id` is not disabled: a write
    that carries it refuses an account disabled a moment ago by another Lambda, in the same
    call (this Lambda's cached record may be `cache_ttl_seconds` old)."""
    return {
        "ConditionCheck": {
            "TableName": settings().table_name,
            "Key": keys.user(user_id),
            "ConditionExpression": "attribute_not_exists(#d)",
            "ExpressionAttributeNames": {"#d": DISABLED},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def disabled_account(item: dict[str, Any] | None) -> User | None:
    """The account of an `account_active_op` that failed (its old item), if readable."""
    doc = (item or {}).get(_DOC)
    return User.model_validate_json(doc) if doc else None


def user_item(user: User) -> dict[str, Any]:
    """A user account; staff accounts are indexed by region (accounts page, TD-1 scope)."""
    item = doc_item(keys.user(user.user_id), user.model_dump_json(), role=user.role.value)
    if user.disabled:
        item[DISABLED] = True  # what `account_active_op` conditions on
    region = account_region(user)
    if user.role != Role.TEACHER and region:
        item.update(keys.account_by_region(region, user.role.value, user.user_id))
    return item


def teacher_item(teacher: Teacher) -> dict[str, Any]:
    """A teacher record, indexed by school and by the county recorded on it."""
    return doc_item(
        keys.teacher(teacher.teacher_id),
        teacher.model_dump_json(),
        **keys.teacher_by_school(teacher.school_id, teacher.teacher_id),
        **keys.teacher_by_region(region_key(teacher.region_code), teacher.teacher_id),
    )


def institution_item(inst: Institution) -> dict[str, Any]:
    """An institution, in the directory of all institutions; a local (Q-6) one is indexed by its
    region too, whose cap applies to it."""
    q = inst.qualification
    index = (
        keys.local_institution(q.region_code, inst.institution_id)
        if q.scope == QualificationScope.LOCAL and q.region_code
        else {}
    )
    return doc_item(
        keys.institution(inst.institution_id),
        inst.model_dump_json(),
        **index,
        **keys.institution_directory(inst.institution_id),
    )


def school_item(school: School) -> dict[str, Any]:
    """A school, indexed by its county."""
    return doc_item(
        keys.school(school.school_id),
        school.model_dump_json(),
        **keys.school_by_region(school.region_code, school.school_id),
    )
