"""The personal-information inventory (schemas/pi_inventory.py) is complete: every personal field
of every model in schemas/ is listed with where it is stored, who reads it and how it is masked,
and the operator page shows the inventory as it is."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

from pydantic import BaseModel

import schemas
from schemas.pi_inventory import FIELDS, PERSONAL_FIELD_NAMES, RETENTION, inventory_markdown
from schemas.privacy import SENSITIVE

ROOT = Path(__file__).resolve().parents[2]


def _models() -> dict[str, type[BaseModel]]:
    found: dict[str, type[BaseModel]] = {}
    for info in pkgutil.iter_modules(schemas.__path__):
        module = importlib.import_module(f"schemas.{info.name}")
        for name, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseModel) and obj.__module__ == module.__name__:
                found[name] = obj
    return found


def test_every_personal_field_of_every_schema_is_in_the_inventory() -> None:
    listed = {(f.model, f.field) for f in FIELDS}
    missing = sorted(
        (name, field)
        for name, model in _models().items()
        for field in model.model_fields
        if field in PERSONAL_FIELD_NAMES
        # a field inherited from a listed base (ImportRow from TeacherFields) is listed
        and not any((base.__name__, field) in listed for base in model.__mro__)
    )
    assert missing == [], "add these to schemas/pi_inventory.py FIELDS"


def test_every_inventory_entry_names_a_real_field() -> None:
    models = _models()
    for f in FIELDS:
        assert f.field in models[f.model].model_fields, f
        assert f.stored and f.full and f.others and f.label


def test_sensitive_kinds_are_id_number_birth_date_and_phone() -> None:
    sensitive = {f.kind for f in FIELDS if f.sensitive}
    assert sensitive == set(SENSITIVE)


def test_every_record_kind_has_a_retention_and_how_it_goes() -> None:
    for r in RETENTION.values():
        assert r.record and r.key and r.how
    assert RETENTION["id_read"].keep and RETENTION["import_upload"].keep


def test_the_operator_page_shows_the_inventory_as_it_is() -> None:
    page = (ROOT / "site" / "docs" / "operator" / "privacy.md").read_text(encoding="utf-8")
    assert inventory_markdown() in page, "paste inventory_markdown() into privacy.md"
