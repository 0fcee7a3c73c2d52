"""The table's key layout: every PK/SK/GSI key format lives here and nowhere else.

Items (PK | SK | GSI1 | GSI2):
- user account        USER#<sub>        | PROFILE
- teacher record      TEACHER#<tid>     | PROFILE
- teacher term load   TEACHER#<tid>     | TERM#<term>          held count, occupied days, r1 flag
- selection           TEACHER#<tid>     | SEL#<term>#<cid>     | CLASS#<cid> / SEL#<tid>
                                                               | SCHOOL#<sid>#<term> / SEL#<cid>#<tid>
- institution         INST#<iid>        | PROFILE
- school              SCHOOL#<sid>      | PROFILE
- project             PROJECT#<pid>     | META                 | TERM#<term>#PROJECTS / <status>#<pid>
                                                               | INST#<iid> / PROJECT#<term>#<pid>
- class (descriptive) CLASS#<cid>       | META
- class seat counter  CLASS#<cid>       | SEATS                capacity, held
- term phases         TERM#<term>       | PHASES               active, as_of, as_of_ms, updated_at, published
"""

from __future__ import annotations

PROFILE = "PROFILE"
META = "META"
SEATS = "SEATS"


Key = dict[str, str]  # {"PK": ..., "SK": ...}


def user(user_id: str) -> Key:
    return {"PK": f"USER#{user_id}", "SK": PROFILE}


def teacher(teacher_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": PROFILE}


def teacher_term(teacher_id: str, term: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"TERM#{term}"}


def selection(teacher_id: str, term: str, class_id: str) -> Key:
    return {"PK": f"TEACHER#{teacher_id}", "SK": f"SEL#{term}#{class_id}"}


def selection_prefix(term: str) -> str:
    """SK prefix of one teacher's selections in a term."""
    return f"SEL#{term}#"


def selection_by_class(class_id: str, teacher_id: str) -> dict[str, str]:
    return {"GSI1PK": f"CLASS#{class_id}", "GSI1SK": f"SEL#{teacher_id}"}


def selection_by_school(
    school_id: str, term: str, class_id: str, teacher_id: str
) -> dict[str, str]:
    return {"GSI2PK": f"SCHOOL#{school_id}#{term}", "GSI2SK": f"SEL#{class_id}#{teacher_id}"}


def institution(institution_id: str) -> Key:
    return {"PK": f"INST#{institution_id}", "SK": PROFILE}


def school(school_id: str) -> Key:
    return {"PK": f"SCHOOL#{school_id}", "SK": PROFILE}


def project(project_id: str) -> Key:
    return {"PK": f"PROJECT#{project_id}", "SK": META}


def project_by_term(term: str, status: str, project_id: str) -> dict[str, str]:
    return {"GSI1PK": f"TERM#{term}#PROJECTS", "GSI1SK": f"{status}#{project_id}"}


def project_by_institution(institution_id: str, term: str, project_id: str) -> dict[str, str]:
    return {"GSI2PK": f"INST#{institution_id}", "GSI2SK": f"PROJECT#{term}#{project_id}"}


def class_meta(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": META}


def class_seats(class_id: str) -> Key:
    return {"PK": f"CLASS#{class_id}", "SK": SEATS}


def term_phases(term: str) -> Key:
    """The phases active in `term`, as recorded by the scheduled phase toggles."""
    return {"PK": f"TERM#{term}", "SK": "PHASES"}
