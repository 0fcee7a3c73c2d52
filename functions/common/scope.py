"""Scope: which regions, schools and teachers a user may see or act on, from the region tree.

province bureau and centre: everything; city bureau: its city's counties; county bureau: its
county; principal and school admin: their own school; teacher: their own record; institutions:
no teacher records. Every records endpoint asks these functions, never the role directly.
"""

from __future__ import annotations

from schemas.org import Institution, QualificationScope, School
from schemas.people import Role, Teacher, User
from schemas.regions import RegionCode, RegionTree, region_tree

PROVINCE: RegionCode = "330000"
BUREAUS = (Role.PROVINCE_BUREAU, Role.CITY_BUREAU, Role.COUNTY_BUREAU)
SCHOOL_STAFF = (Role.PRINCIPAL, Role.SCHOOL_ADMIN)


def region_scope(user: User) -> RegionCode | None:
    """The region a bureau-level user covers (None for school staff, teachers, institutions)."""
    if user.role in (Role.PROVINCE_BUREAU, Role.CENTRE):
        return PROVINCE
    if user.role in (Role.CITY_BUREAU, Role.COUNTY_BUREAU):
        return user.region_code
    return None


def covers_region(user: User, region: RegionCode, tree: RegionTree | None = None) -> bool:
    """May `user` see records of region `region` as a whole (a bureau's view)?"""
    scope = region_scope(user)
    return scope is not None and (tree or region_tree()).within(region, scope)


def covers_school(user: User, school: School, tree: RegionTree | None = None) -> bool:
    """May `user` see (and, if staff, act on) the teachers of `school`?"""
    if user.role in SCHOOL_STAFF:
        return user.school_id == school.school_id
    return covers_region(user, school.region_code, tree)


def covers_teacher(
    user: User, teacher: Teacher, school: School | None, tree: RegionTree | None = None
) -> bool:
    """May `user` see `teacher`'s record? `school` is the teacher's school if it exists.

    A teacher without a valid school is seen by the bureaus over the region recorded on it.
    """
    if user.role == Role.TEACHER:
        return user.teacher_id == teacher.teacher_id
    if user.role in SCHOOL_STAFF:
        return user.school_id == teacher.school_id
    region = school.region_code if school else teacher.region_code
    return covers_region(user, region, tree)


def sees_full_id_number(user: User, teacher: Teacher) -> bool:
    """ID numbers are shown unmasked only to the teacher and their school's admin."""
    if user.role == Role.TEACHER:
        return user.teacher_id == teacher.teacher_id
    return user.role == Role.SCHOOL_ADMIN and user.school_id == teacher.school_id


def counties_in(region: RegionCode, tree: RegionTree | None = None) -> list[RegionCode]:
    """The counties within `region` (itself if it is a county)."""
    t = tree or region_tree()
    return [c.code for c in t.counties() if t.within(c.code, region)]


def may_import(user: User) -> bool:
    """TD-1: provincial and city administrators import the national export."""
    return user.role in (Role.PROVINCE_BUREAU, Role.CITY_BUREAU) and bool(region_scope(user))


def sees_institution(user: User, inst: Institution, tree: RegionTree | None = None) -> bool:
    """The institution directory (the pickers that name an institution): bureaus and the centre
    see every institution qualified province-wide or for remote training, and a local one whose
    region and theirs lie one within the other (a county bureau sees its city's too)."""
    region = region_scope(user)
    if region is None:
        return False
    q = inst.qualification
    if q.scope != QualificationScope.LOCAL:
        return True
    t = tree or region_tree()
    home = q.region_code or ""
    return home in t.regions and (t.within(home, region) or t.within(region, home))
