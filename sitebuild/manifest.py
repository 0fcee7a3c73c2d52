"""What a build published, so the next build renders and uploads only what changed.

A manifest records, for one term:
- `source`: the digest of everything the handwritten pages and the project-page shell come from
  (site sources, renderer code, schemas, data files): when it changes the next build is full;
- `shell` and `pages`: the project-page shell and the handwritten pages' search terms, so an
  incremental build neither runs mkdocs nor re-reads them;
- `files`: every published file and the digest of its bytes, so a file is written (uploaded,
  invalidated) only when its bytes change, and one no longer built is removed;
- `projects`: per project the digest of its document, its search number (stable, so one
  project's change moves few search files), its catalog row and its search terms: the catalog
  parts and the search index are rebuilt from these without the other projects' documents;
- `snapshot_ms`: set by the publisher, the system time before it read the documents; the next
  publication reads the documents changed since then.

Stored gzip-compressed JSON with the search terms as indexes into one vocabulary.
"""

from __future__ import annotations

import gzip
import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

VERSION = 1


def digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=12).hexdigest()


@dataclass(frozen=True)
class ProjectEntry:
    digest: str
    number: int
    row: dict[str, Any]
    terms: frozenset[str]
    title_terms: frozenset[str]


@dataclass
class Manifest:
    term: str
    source: str
    shell: str = ""
    pages: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)  # url, title
    files: dict[str, str] = field(default_factory=dict)
    projects: dict[str, ProjectEntry] = field(default_factory=dict)
    snapshot_ms: int = 0

    def next_number(self) -> int:
        return max((e.number for e in self.projects.values()), default=-1) + 1

    def to_bytes(self) -> bytes:
        vocab: dict[str, int] = {}

        def ids(terms: frozenset[str]) -> list[int]:
            return [vocab.setdefault(t, len(vocab)) for t in sorted(terms)]

        data = {
            "v": VERSION,
            "term": self.term,
            "source": self.source,
            "snapshot_ms": self.snapshot_ms,
            "shell": self.shell,
            "pages": [[url, title, ids(terms)] for url, title, terms in self.pages],
            "files": self.files,
            "projects": {
                pid: [e.digest, e.number, e.row, ids(e.terms), ids(e.title_terms)]
                for pid, e in sorted(self.projects.items())
            },
        }
        data["vocab"] = list(vocab)
        text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        return gzip.compress(text.encode("utf-8"), 6, mtime=0)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Manifest | None:
        """The manifest in `blob`, or None if it is unreadable or of another version (the next
        build is then a full one)."""
        try:
            data = json.loads(gzip.decompress(blob))
        except (OSError, EOFError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("v") != VERSION:
            return None
        vocab = data["vocab"]

        def terms(ids: list[int]) -> frozenset[str]:
            return frozenset(vocab[i] for i in ids)

        return cls(
            term=data["term"],
            source=data["source"],
            shell=data["shell"],
            pages=[(url, title, terms(ids)) for url, title, ids in data["pages"]],
            files=dict(data["files"]),
            projects={
                pid: ProjectEntry(d, n, row, terms(t), terms(tt))
                for pid, (d, n, row, t, tt) in data["projects"].items()
            },
            snapshot_ms=int(data.get("snapshot_ms", 0)),
        )
