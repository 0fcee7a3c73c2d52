"""ClassInfo.naming: the one copy of a class's names (ids, titles, institution, dates) into the
records and views that repeat them; nothing else of the class goes with it."""

from __future__ import annotations

from schemas.selection import ClassSeats
from schemas.training import CheckinResult
from tests.unit.test_training_rules import info


def test_naming_gives_a_model_the_class_names_it_has_and_nothing_else() -> None:
    i = info()
    assert i.naming(CheckinResult) == {
        "class_id": i.class_id,
        "class_name": i.class_name,
        "project_title": i.project_title,
    }
    # ClassSeats has a capacity of its own (the seat counter's): not the class's.
    assert i.naming(ClassSeats) == {
        "class_id": i.class_id,
        "class_name": i.class_name,
        "project_id": i.project_id,
        "project_title": i.project_title,
        "start_date": i.start_date,
        "end_date": i.end_date,
    }
