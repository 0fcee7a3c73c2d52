"""Controlled vocabularies (受控词表): stage, subject, field and level, one data file
(`data/vocab.yaml`) shared by the application form, the order form, the catalog's filters and the
server's checks."""

from __future__ import annotations

import json
from functools import cache

from pydantic import ConfigDict, Field, model_validator

from schemas.base import Model
from schemas.calendar import DATA_DIR
from schemas.yamlfile import read_yaml

VOCAB_FILE = DATA_DIR / "vocab.yaml"
# The Chinese label of each vocabulary, as the forms name the field.
LABELS = {"stage": "学段", "subject": "学科", "field": "培训领域", "level": "培训层次"}


class Subject(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, max_length=20)
    stages: tuple[str, ...] = Field(default=(), description="stages teaching it; empty: any")


class Vocabulary(Model):
    model_config = ConfigDict(frozen=True, extra="forbid")

    stages: tuple[str, ...] = Field(min_length=1)
    all_stages: str = Field(min_length=1, max_length=20)
    subjects: tuple[Subject, ...] = Field(min_length=1)
    fields: tuple[str, ...] = Field(min_length=1)
    levels: tuple[str, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> Vocabulary:
        for name, values in (
            ("stages", (*self.stages, self.all_stages)),
            ("subjects", tuple(s.name for s in self.subjects)),
            ("fields", self.fields),
            ("levels", self.levels),
        ):
            if len(set(values)) != len(values):
                raise ValueError(f"{name}: a value repeats")
        unknown = {st for s in self.subjects for st in s.stages} - set(self.stages)
        if unknown:
            raise ValueError(f"subjects name stages not in `stages`: {sorted(unknown)}")
        return self

    @property
    def project_stages(self) -> tuple[str, ...]:
        """What a project may name: a stage, or every stage (全学段)."""
        return (*self.stages, self.all_stages)

    @property
    def subject_names(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.subjects)

    def allowed(self, kind: str, *, project: bool = True) -> tuple[str, ...]:
        """The values of `kind` (stage, subject, field, level); a project may also name 全学段."""
        if kind == "stage":
            return self.project_stages if project else self.stages
        if kind == "subject":
            return self.subject_names
        if kind == "field":
            return self.fields
        if kind == "level":
            return self.levels
        raise KeyError(kind)

    def problem(self, kind: str, value: str | None, *, project: bool = True) -> str | None:
        """The Chinese message when `value` is outside the vocabulary of `kind`, naming the field
        (None: the value is allowed, or empty: whether it is required is decided elsewhere)."""
        if not value or value in self.allowed(kind, project=project):
            return None
        return f"{LABELS[kind]}“{value}”不在{LABELS[kind]}目录中，请从列表中选择"

    def as_json(self) -> bytes:
        """What the pages read (assets/vocab.json), with the fee items the fee standards name
        (data/fees/: what the application form's 收费项目 offers)."""
        # Imported here: schemas.projects imports schemas.catalog, which imports this module.
        from schemas.projects import fee_standards

        fee_items = list(dict.fromkeys(n for std in fee_standards() for n in std.item_daily_caps))
        return json.dumps(
            {**self.model_dump(mode="json"), "labels": LABELS, "fee_items": fee_items},
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")


@cache
def vocabulary() -> Vocabulary:
    """`data/vocab.yaml`, validated (read once per process)."""
    raw = read_yaml(VOCAB_FILE)
    try:
        return Vocabulary.model_validate(raw)
    except ValueError as exc:
        raise ValueError(f"{VOCAB_FILE}: {exc}") from exc


STAGES: tuple[str, ...] = vocabulary().stages
ALL_STAGES: str = vocabulary().all_stages
