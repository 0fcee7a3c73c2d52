"""The published catalog: the one owner of the items a publication writes and the site reads.

Items (key formats in functions/common/keys.py):
- catalog document  PROJECT#<pid> | CATALOG   `doc` (schemas.catalog.Project), `updated_ms`
                    GSI1 CATALOG#<term> / <updated_ms>#<pid>: the site worker reads the
                    documents changed since its last publication, nothing else;
                    GSI2 INST#<iid> / PROJECT#<term>#<pid>: an institution's projects
- project item      PROJECT#<pid> | META      status and version of a project published without
                    an application record (order projects); regular projects keep theirs in the
                    projects context's application record (functions/projects/store.py)
- class             CLASS#<cid> | META        `doc` (schemas.catalog.ClassInfo), read by selection
- seat counter      CLASS#<cid> | SEATS       capacity, held: created at the first publication
                    only, then changed by seat transactions alone

The catalog document is an item of its own, apart from the application record (5 KB) and its
state guard: a rebuild reads only documents (half the bytes), and a document written by a change
to a published project moves in `updated_ms`, which is how the site worker finds it. Writers get
transaction operations from here and put them in their own transaction with their own guards.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from functions.common import clock, keys, records, store
from schemas.catalog import ClassInfo, Project, ProjectStatus


@dataclass(frozen=True)
class CatalogDocument:
    """A catalog document as stored: the JSON is validated by whoever renders it."""

    project_id: str
    doc: str
    updated_ms: int

    def project(self) -> Project:
        return Project.model_validate_json(self.doc)


# --- items ---------------------------------------------------------------------------------


def document_item(doc: Project, updated_ms: int | None = None) -> dict[str, Any]:
    """The document item, stamped with the system clock (`clock.wall_ms`) unless given."""
    ms = clock.wall_ms() if updated_ms is None else updated_ms
    return {
        **keys.project_catalog(doc.project_id),
        **keys.catalog_by_term(doc.term, ms, doc.project_id),
        **keys.project_by_institution(doc.institution_id, doc.term, doc.project_id),
        "doc": doc.model_dump_json(),
        "updated_ms": ms,
    }


def project_item(doc: Project, version: int = 1) -> dict[str, Any]:
    """The project item of a project published without an application record."""
    return {
        **keys.project(doc.project_id),
        **keys.project_by_term(doc.term, ProjectStatus.PUBLISHED.value, doc.project_id),
        **keys.project_by_institution(doc.institution_id, doc.term, doc.project_id),
        "status": ProjectStatus.PUBLISHED.value,
        "version": version,
        "institution_id": doc.institution_id,
        "term": doc.term,
        "kind": doc.kind.value,
    }


def class_items(doc: Project) -> list[dict[str, Any]]:
    return [
        records.doc_item(keys.class_meta(c.class_id), ClassInfo.of(doc, c).model_dump_json())
        for c in doc.classes
    ]


def seat_items(doc: Project) -> list[dict[str, Any]]:
    return [
        {**keys.class_seats(c.class_id), "capacity": c.capacity, "held": 0} for c in doc.classes
    ]


def seed_items(doc: Project, with_project_item: bool) -> list[dict[str, Any]]:
    """Every item of a published project, for bulk loads (demo data, tests)."""
    items = [document_item(doc), *class_items(doc), *seat_items(doc)]
    return [project_item(doc), *items] if with_project_item else items


# --- transaction operations ----------------------------------------------------------------


def publication_ops(doc: Project) -> list[dict[str, Any]]:
    """A first publication: the document, each class, and each seat counter only if absent (a
    class id already in use cancels the transaction; held seats are never reset). The document
    comes first, then per class its META and SEATS."""
    ops = [store.put_op(document_item(doc), "attribute_not_exists(PK)")]
    for meta, seats in zip(class_items(doc), seat_items(doc), strict=True):
        ops.append(store.put_op(meta))
        ops.append(store.put_op(seats, "attribute_not_exists(PK)"))
    return ops


def revision_ops(doc: Project) -> list[dict[str, Any]]:
    """A published project changed (CH-1 … CH-4): its document and class items; seat counters
    are left alone. The caller's transaction guards the project's version."""
    return [
        store.put_op(document_item(doc), "attribute_exists(PK)"),
        *(store.put_op(meta) for meta in class_items(doc)),
    ]


# --- reads ---------------------------------------------------------------------------------


def _document(item: dict[str, Any]) -> CatalogDocument:
    return CatalogDocument(
        project_id=str(item["PK"]).removeprefix("PROJECT#"),
        doc=str(item["doc"]),
        updated_ms=int(item.get("updated_ms", 0)),
    )


def documents(term: str, since_ms: int | None = None) -> list[CatalogDocument]:
    """The term's catalog documents, or those written at or after `since_ms`."""
    gsi = keys.catalog_by_term(term, since_ms or 0, "")
    items = store.query_pages(
        IndexName="GSI1",
        KeyConditionExpression="GSI1PK = :pk AND GSI1SK >= :from",
        ExpressionAttributeValues={":pk": gsi["GSI1PK"], ":from": gsi["GSI1SK"]},
    )
    return [_document(i) for i in items]


def documents_by_id(project_ids: Sequence[str]) -> list[CatalogDocument]:
    """The catalog documents of these projects as last written (strongly consistent)."""
    found = store.batch_get(
        [keys.project_catalog(p) for p in dict.fromkeys(project_ids)], consistent=True
    )
    return [_document(i) for i in found if "doc" in i]


def published_projects(term: str) -> list[Project]:
    """Every published project of `term`."""
    return [d.project() for d in documents(term)]


def get(project_id: str) -> Project | None:
    item = store.get_item(keys.project_catalog(project_id), consistent=True)
    return Project.model_validate_json(item["doc"]) if item and "doc" in item else None


def of_institution(institution_id: str, term: str) -> list[Project]:
    """The institution's published projects of `term`."""
    gsi = keys.project_by_institution(institution_id, term, "")
    items = store.query_pages(
        IndexName="GSI2",
        KeyConditionExpression="GSI2PK = :pk AND begins_with(GSI2SK, :p)",
        ExpressionAttributeValues={":pk": gsi["GSI2PK"], ":p": gsi["GSI2SK"]},
    )
    return [Project.model_validate_json(i["doc"]) for i in items if i.get("SK") == keys.CATALOG]
