"""The catalog's data as the 选课目录 page downloads it: a small index, then one part per stage.

    data/catalog/index.json  {"v": 1, "term", "total", "page", "parts": [{"stage", "n", "file"}],
                              "facets": {"subject": [...], "field": [...], "level": [...],
                                         "form": [...]},
                              "first": [row objects of the first page, in start order]}
    data/catalog/<i>.json    {"stage", "cols": [...], "dict": {column: [values]},
                              "rows": [[...], ...]}   one stage's projects, in start order
    data/regions.json        [{"code", "name", "parent"}]: cities and counties for 地区

The first view reads only index.json (its first page of cards is in it); a teacher's stage,
once chosen (the page remembers it), costs one part: about a sixth of the catalog. Rows are
arrays under `cols`, with repeated strings (institution, subject, …) replaced by their index in
`dict`, which halves the bytes before gzip. A project's page is its details.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from schemas.catalog import STAGES, CatalogEntry, Project, ProjectKind
from schemas.regions import RegionLevel, region_tree

PREFIX = "data/catalog/"
REGIONS = "data/regions.json"
FIRST_PAGE = 20
COLS = (
    "id",
    "title",
    "inst",
    "subject",
    "field",
    "level",
    "form",
    "credits",
    "fee",
    "start",
    "end",
    "classes",
    "capacity",
    "regions",
    "kind",
)
DICT_COLS = ("inst", "subject", "field", "level", "form")
FORMS = ("面授", "线上", "混合")


def project_url(project_id: str) -> str:
    return f"projects/{project_id}/"


def catalog_entry(p: Project) -> CatalogEntry:
    regions = list(p.target.region_codes)
    if p.kind == ProjectKind.ORDER and p.order_county and p.order_county not in regions:
        regions.append(p.order_county)
    return CatalogEntry(
        id=p.project_id,
        title=p.title,
        inst=p.institution_name,
        stage=p.stage,
        subject=p.subject,
        field=p.field,
        level=p.level,
        form=p.form.value,
        credits=p.credits_total,
        fee=f"{p.fee.total:.2f}",
        start=min(c.start_date for c in p.classes),
        end=max(c.end_date for c in p.classes),
        classes=len(p.classes),
        capacity=sum(c.capacity for c in p.classes),
        regions=tuple(regions),
        kind=p.kind.value,
        url=project_url(p.project_id),
    )


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _ordered(values: Iterable[str], order: Sequence[str] = ()) -> list[str]:
    rank = {v: i for i, v in enumerate(order)}
    return sorted(set(values), key=lambda v: (rank.get(v, len(rank)), v))


def _row(e: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in e.items() if k != "url"}


def catalog_row(p: Project) -> dict[str, Any]:
    """A project's catalog row as JSON data (what the parts are built from)."""
    return catalog_entry(p).model_dump(mode="json")


def catalog_files(rows: Iterable[dict[str, Any]], term: str) -> dict[str, bytes]:
    """index.json and one part per stage from the catalog rows (`catalog_row`, any order)."""
    rows = sorted(rows, key=lambda r: (r["start"], r["id"]))
    stages = _ordered((r["stage"] for r in rows), STAGES)
    files: dict[str, bytes] = {}
    parts = []
    for i, stage in enumerate(stages):
        mine = [r for r in rows if r["stage"] == stage]
        dicts = {c: _ordered(r[c] for r in mine) for c in DICT_COLS}
        index = {c: {v: n for n, v in enumerate(vs)} for c, vs in dicts.items()}
        path = f"{PREFIX}{i}.json"
        files[path] = _dump(
            {
                "stage": stage,
                "cols": COLS,
                "dict": dicts,
                "rows": [[index[c][r[c]] if c in index else r[c] for c in COLS] for r in mine],
            }
        )
        parts.append({"stage": stage, "n": len(mine), "file": path})
    files[f"{PREFIX}index.json"] = _dump(
        {
            "v": 1,
            "term": term,
            "total": len(rows),
            "page": FIRST_PAGE,
            "parts": parts,
            "facets": {
                "subject": _ordered(r["subject"] for r in rows),
                "field": _ordered(r["field"] for r in rows),
                "level": _ordered(r["level"] for r in rows),
                "form": _ordered((r["form"] for r in rows), FORMS),
            },
            "first": [_row(r) for r in rows[:FIRST_PAGE]],
        }
    )
    return files


def regions_json() -> bytes:
    """Cities and counties for the catalog's 地区 filter (codes, names, parents)."""
    tree = region_tree()
    rows = [
        {"code": r.code, "name": r.name, "parent": r.parent}
        for r in tree.regions.values()
        if r.level != RegionLevel.PROVINCE
    ]
    return _dump(rows)
