"""Data access for projects: publication items and the catalog's source of truth.

Publishing a project writes its document, one descriptive item per class (read by the selection
function) and one seat counter per class (guarded by conditions in every seat change, SE-4).
"""

from __future__ import annotations

from typing import Any

from functions.common import keys, records, store
from schemas.catalog import ClassInfo, Project, ProjectStatus


def project_items(project: Project) -> list[dict[str, Any]]:
    """Every item that represents `project` (its document, and per class META + SEATS)."""
    items: list[dict[str, Any]] = [
        records.doc_item(
            keys.project(project.project_id),
            project.model_dump_json(),
            **keys.project_by_term(project.term, project.status.value, project.project_id),
            **keys.project_by_institution(project.institution_id, project.term, project.project_id),
        )
    ]
    if project.status == ProjectStatus.PUBLISHED:
        for klass in project.classes:
            info = ClassInfo.of(project, klass)
            items.append(records.doc_item(keys.class_meta(klass.class_id), info.model_dump_json()))
            items.append(
                {**keys.class_seats(klass.class_id), "capacity": klass.capacity, "held": 0}
            )
    return items


def load_published_projects(term: str) -> list[Project]:
    """All published projects of `term` (what build.py renders into the catalog)."""
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND begins_with(GSI1SK, :st)",
        ExpressionAttributeValues={
            ":pk": keys.project_by_term(term, "", "")["GSI1PK"],
            ":st": f"{ProjectStatus.PUBLISHED.value}#",
        },
    )
    return [Project.model_validate_json(i["doc"]) for i in items]
