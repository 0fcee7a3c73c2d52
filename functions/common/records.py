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
GRANT = "grant"  # top-level attribute: what the account may do (`grant`), for conditions


def grant(user: User) -> str:
    """The fields an account's authorisation is decided from (role and scope), as one string:
    a write authorised from a cached copy conditions on it being unchanged."""
    fields = (user.role.value, user.school_id, user.region_code, user.institution_id)
    return "|".join(f or "" for f in (*fields, user.teacher_id))


def account_active_op(user: User) -> dict[str, Any]:
    """A transaction item that holds only while the account is as `user` (this Lambda's cached
    copy, at most `cache_ttl_seconds` old) says: present, not disabled, same role and scope. A
    write that carries it refuses an account disabled, re-roled or moved a moment ago by another
    Lambda, in the same call. Items written before the grant attribute existed are checked for
    being disabled only: any change of role or scope writes the item again (`user_item`), with
    the attribute."""
    return {
        "ConditionCheck": {
            "TableName": settings().table_name,
            "Key": keys.user(user.user_id),
            "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(#d) "
            "AND (attribute_not_exists(#g) OR #g = :g)",
            "ExpressionAttributeNames": {"#d": DISABLED, "#g": GRANT},
            "ExpressionAttributeValues": {":g": grant(user)},
            "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
        }
    }


def account_of(item: dict[str, Any] | None) -> User | None:
    """The account in a user item (a failed `account_active_op`'s old item, or one read with
    other records), if any; it refreshes this Lambda's cached copy."""
    doc = (item or {}).get(_DOC)
    if item is None or doc is None:
        return None
    _cache[(item["PK"], item["SK"])] = doc
    return User.model_validate_json(doc)


def read_with_account(user_id: str, record_keys: list[keys.Key]) -> dict[str, Any] | None:
    """The account `user_id`'s item read strongly consistently in the same call as the records
    not cached yet, which are cached (one BatchGetItem per 100; a bulk request's classes): a
    request that checks its caller's account before writing spends no call of its own on it."""
    account = keys.user(user_id)
    ck = (account["PK"], account["SK"])
    missing = {(k["PK"], k["SK"]) for k in record_keys if (k["PK"], k["SK"]) not in _cache}
    wanted = [{"PK": pk, "SK": sk} for pk, sk in sorted(missing - {ck})]
    found = store.batch_get([dict(account), *wanted], consistent=True)
    mine = None
    for item in found:
        if (item["PK"], item["SK"]) == ck:
            mine = item
        elif item.get(_DOC) is not None:
            _cache[(item["PK"], item["SK"])] = item[_DOC]
    return mine


def user_item(user: User) -> dict[str, Any]:
    """A user account; staff accounts are indexed by region (accounts page, TD-1 scope)."""
    item = doc_item(keys.user(user.user_id), user.model_dump_json(), role=user.role.value)
    item[GRANT] = grant(user)  # what `account_active_op` conditions on, with:
    if user.disabled:
        item[DISABLED] = True
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
