"""Render the static site: handwritten pages (mkdocs-material), project pages, catalog data and
the search index. A pure renderer: it knows `schemas/` and `sitebuild/`, never the table.

    python build.py --source FILE.json [--out build/site] [--term 2024H1] [--full]

`build()` takes validated projects and an output directory and writes there only the files whose
bytes differ from what the previous build published, described by its manifest
(sitebuild/manifest.py):

- the handwritten pages and the project-page shell come from one mkdocs run, made only when
  their sources changed (a deployment); otherwise the shell is the manifest's;
- a project page is rendered only when the project's document changed; given only the changed
  projects (`complete=False`), the build reads nothing else;
- the catalog's data (`data/catalog/`, sitebuild/catalog.py) and the search index
  (`data/search/`, sitebuild/search.py) are rebuilt from the manifest's rows and terms, and
  written only where they changed.

The report lists the files written and the files to remove; a publisher uploads and
invalidates exactly those (functions/site). `build_dir()` keeps the manifest in the output
directory itself (the CLI, `make site`, the local stack).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
from pydantic import ValidationError

from schemas.catalog import Project, ProjectStatus
from schemas.regions import region_tree
from sitebuild.catalog import REGIONS, catalog_files, catalog_row, project_url, regions_json
from sitebuild.manifest import VERSION, Manifest, ProjectEntry, digest
from sitebuild.search import SearchDoc, SearchPage, search_files, tokens

ROOT = Path(__file__).resolve().parent
SITE_DIR = ROOT / "site"
MKDOCS_YML = SITE_DIR / "mkdocs.yml"
TEMPLATES_DIR = SITE_DIR / "templates"
DEFAULT_OUT = ROOT / "build" / "site"
DEFAULT_TERM = "2024H1"
# What the handwritten pages and the shell are made from: a change here makes a full build.
SOURCES = ("build.py", "sitebuild", "site", "schemas", "data")

# Written into an output directory so a later build knows it may delete stale files there.
MARKER = ".zjt-site"
MANIFEST_FILE = ".zjt-manifest.json.gz"
TITLE_MARK = "@@ZJT_TITLE@@"
# Contains "<h1" so the theme does not add its own heading: the body brings the title.
CONTENT_MARK = "<h1>@@ZJT_CONTENT@@</h1>"
SHELL_KEY = "zjt_project_shell"
PAGES_KEY = "zjt_pages"  # [(url, title, text)] of the handwritten pages, for the search index
WEEKDAYS = "一二三四五六日"

log = logging.getLogger("build")


class BuildError(Exception):
    """Invalid input or an unsafe output directory; the message says where."""


@dataclass
class BuildReport:
    out_dir: Path
    term: str
    manifest: Manifest
    full: bool = False
    projects: int = 0
    skipped_unpublished: int = 0
    project_pages_written: int = 0
    project_pages_unchanged: int = 0
    site_files_written: int = 0
    mkdocs_seconds: float = 0.0
    render_seconds: float = 0.0
    seconds: float = 0.0
    written: list[str] = field(default_factory=list, repr=False)
    removed: list[str] = field(default_factory=list, repr=False)

    @property
    def files_removed(self) -> int:
        return len(self.removed)

    @property
    def total_files(self) -> int:
        return len(self.manifest.files)

    def summary(self) -> str:
        kind = "full" if self.full else "incremental"
        return (
            f"{kind} build of {self.projects} projects ({self.skipped_unpublished} unpublished "
            f"skipped) -> {self.out_dir}: {self.project_pages_written} project pages written, "
            f"{self.project_pages_unchanged} unchanged, {self.site_files_written} other files "
            f"written, {self.files_removed} removed; {self.total_files} files; "
            f"mkdocs {self.mkdocs_seconds:.1f} s, projects {self.render_seconds:.1f} s, "
            f"total {self.seconds:.1f} s"
        )


# ---------------------------------------------------------------------------------------------
# Loading and validation


def _field_errors(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        loc = ".".join(str(x) for x in err["loc"]) or "(project)"
        parts.append(f"field '{loc}': {err['msg']}")
    return "; ".join(parts)


def validate_projects(raw: Any, source: str, term: str | None = None) -> tuple[list[Project], int]:
    """Validate a list of Project dicts; return the published ones (of `term`) and the skip count.

    Unpublished rows are skipped before full validation (drafts may be incomplete), but their
    `status` must still be a known one. Any invalid published row fails with file, index, field.
    """
    if not isinstance(raw, list):
        raise BuildError(f"{source}: expected a JSON list of projects, got {type(raw).__name__}")
    out: list[Project] = []
    skipped = 0
    for i, row in enumerate(raw):
        where = f"{source}[{i}]"
        if not isinstance(row, dict):
            raise BuildError(f"{where}: expected an object, got {type(row).__name__}")
        if isinstance(row.get("project_id"), str):
            where += f" (project_id={row['project_id']})"
        status = row.get("status")
        if status not in {s.value for s in ProjectStatus}:
            raise BuildError(f"{where}: field 'status': unknown status {status!r}")
        if status != ProjectStatus.PUBLISHED.value or (term and row.get("term") != term):
            skipped += 1
            continue
        try:
            out.append(Project.model_validate(row))
        except ValidationError as exc:
            raise BuildError(f"{where}: {_field_errors(exc)}") from None
    return out, skipped


def load_projects_file(path: Path, term: str | None = None) -> tuple[list[Project], int]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise BuildError(f"{path}: cannot read projects: {exc}") from None
    return validate_projects(raw, str(path), term)


def check_unique(projects: Sequence[Project]) -> None:
    """Project ids and class ids are keys of the site and of the table: they must not repeat."""
    seen_p: set[str] = set()
    seen_c: dict[str, str] = {}
    for p in projects:
        if p.project_id in seen_p:
            raise BuildError(f"project_id={p.project_id}: field 'project_id': appears twice")
        seen_p.add(p.project_id)
        for c in p.classes:
            if c.class_id in seen_c:
                raise BuildError(
                    f"project_id={p.project_id}: field 'classes.class_id': {c.class_id} "
                    f"is also used by project {seen_c[c.class_id]}"
                )
            seen_c[c.class_id] = p.project_id


# ---------------------------------------------------------------------------------------------
# Rendering


def fmt_yuan(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"{int(amount):,} 元"
    return f"{amount:,.2f} 元"


def fmt_day(d: date) -> str:
    """The one date style of the pages: 5月6日（周一）."""
    return f"{d.month}月{d.day}日（周{WEEKDAYS[d.weekday()]}）"


def template_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=False,
        lstrip_blocks=False,
    )
    env.filters["yuan"] = fmt_yuan
    env.filters["day"] = fmt_day
    env.globals["region_name"] = lambda code: region_tree().full_name(code) if code else ""
    return env


def render_project_page(shell: str, template: jinja2.Template, p: Project) -> str:
    body = template.render(p=p)
    title = jinja2.utils.markupsafe.escape(f"{p.title} · {p.institution_name}")
    return shell.replace(TITLE_MARK, str(title)).replace(CONTENT_MARK, body)


# ---------------------------------------------------------------------------------------------
# Output


def write_if_changed(path: Path, data: bytes) -> bool:
    """Write `data` unless the file already holds exactly it; True if written."""
    try:
        if path.stat().st_size == len(data) and path.read_bytes() == data:
            return False
    except FileNotFoundError:
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)
    return True


def source_digest(term: str) -> str:
    """The digest of everything the handwritten pages and the shell are made from."""
    parts = [f"{VERSION}|{term}|mkdocs-material {metadata.version('mkdocs-material')}"]
    for top in SOURCES:
        base = ROOT / top
        paths = [base] if base.is_file() else sorted(base.rglob("*"))
        for path in paths:
            rel = path.relative_to(ROOT).as_posix()
            if path.is_file() and "__pycache__" not in rel and "/build/" not in f"/{rel}":
                parts.append(f"{rel}:{digest(path.read_bytes())}")
    return digest("\n".join(parts).encode())


def needs_full_build(manifest: Manifest | None, term: str) -> bool:
    """True when the next build must render everything: nothing published yet, another term,
    or the site's sources changed since (a deployment). A publisher then passes every project."""
    return manifest is None or manifest.term != term or manifest.source != source_digest(term)


# ---------------------------------------------------------------------------------------------
# mkdocs and the search index


def _run_mkdocs(staging: Path, term: str) -> tuple[str, list[tuple[str, str, str]]]:
    """Build the handwritten pages into `staging`; return the project-page shell and the pages'
    (url, title, text) for the search index."""
    from mkdocs.commands.build import build as mkdocs_build
    from mkdocs.config import load_config

    for name in ("mkdocs", "material"):
        logging.getLogger(name).setLevel(logging.WARNING)
    cfg = load_config(str(MKDOCS_YML), site_dir=str(staging))
    cfg.extra["term"] = term
    mkdocs_build(cfg)
    shell = cfg.extra.get(SHELL_KEY)
    if not isinstance(shell, str) or CONTENT_MARK not in shell:
        raise BuildError(f"{MKDOCS_YML}: the site hook did not produce the project page shell")
    return shell, list(cfg.extra.get(PAGES_KEY) or [])


def search_docs(manifest: Manifest) -> list[SearchDoc]:
    return [
        SearchDoc(
            number=e.number,
            project_id=pid,
            title=e.row["title"],
            institution=e.row["inst"],
            terms=e.terms,
            title_terms=e.title_terms,
        )
        for pid, e in manifest.projects.items()
    ]


def project_text(p: Project) -> str:
    """What a search finds a project by."""
    return " ".join(
        (p.title, p.institution_name, p.stage, p.subject, p.field, p.level, p.form.value, p.theme)
    )


def build(
    projects: Iterable[Project],
    out_dir: Path | str,
    term: str = DEFAULT_TERM,
    *,
    manifest: Manifest | None = None,
    complete: bool = True,
) -> BuildReport:
    """Render `projects` into `out_dir`, writing only what differs from `manifest` (what was
    published before; None: nothing was). `complete`: `projects` is every published project
    of the term (one absent from it is removed); otherwise only those changed since `manifest`.

    Unpublished projects and projects of other terms are skipped (never rendered). The report's
    `manifest` describes the site as now published; `removed` lists the files to delete.
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    given_all = list(projects)
    given = [p for p in given_all if p.status == ProjectStatus.PUBLISHED and p.term == term]
    check_unique(given)
    source = source_digest(term)
    full = manifest is None or manifest.term != term or manifest.source != source
    if full and not complete:
        raise BuildError(
            f"term {term}: the site must be built in full (nothing published yet, or its "
            "sources changed): pass every published project"
        )
    old_files = dict(manifest.files) if manifest is not None else {}
    numbers = {pid: e.number for pid, e in (manifest.projects if manifest else {}).items()}
    new = Manifest(term=term, source=source)
    if manifest is not None and not full:
        new.shell, new.pages, new.snapshot_ms = manifest.shell, manifest.pages, manifest.snapshot_ms
        new.files, new.projects = dict(old_files), dict(manifest.projects)
    report = BuildReport(out_dir=out_dir, term=term, manifest=new, full=full)
    report.skipped_unpublished = len(given_all) - len(given)
    out_dir.mkdir(parents=True, exist_ok=True)

    def put(rel: str, data: bytes) -> bool:
        d = digest(data)
        new.files[rel] = d
        if old_files.get(rel) == d:
            return False
        write_if_changed(out_dir / rel, data)
        report.written.append(rel)
        return True

    if full:
        with tempfile.TemporaryDirectory(prefix="zjt-mkdocs-") as tmp:
            staging = Path(tmp) / "site"
            t = time.perf_counter()
            new.shell, texts = _run_mkdocs(staging, term)
            report.mkdocs_seconds = time.perf_counter() - t
            new.pages = [(url, title, tokens(f"{title} {text}")) for url, title, text in texts]
            for src in sorted(staging.rglob("*")):
                if src.is_file():
                    report.site_files_written += put(
                        src.relative_to(staging).as_posix(), src.read_bytes()
                    )

    t = time.perf_counter()
    template = template_env().get_template("project.html")
    for p in sorted(given, key=lambda p: p.project_id):
        doc_digest = digest(p.model_dump_json().encode())
        entry = new.projects.get(p.project_id)
        if entry is not None and entry.digest == doc_digest:
            continue
        page = render_project_page(new.shell, template, p).encode("utf-8")
        if put(f"{project_url(p.project_id)}index.html", page):
            report.project_pages_written += 1
        if p.project_id not in numbers:
            numbers[p.project_id] = max(numbers.values(), default=-1) + 1
        new.projects[p.project_id] = ProjectEntry(
            digest=doc_digest,
            number=numbers[p.project_id],
            row=catalog_row(p),
            terms=tokens(project_text(p)),
            title_terms=tokens(p.title),
        )
    if complete:
        present = {p.project_id for p in given}
        for pid in [pid for pid in new.projects if pid not in present]:
            del new.projects[pid]
    project_pages = {f"{project_url(pid)}index.html" for pid in new.projects}
    report.projects = len(new.projects)
    report.project_pages_unchanged = report.projects - report.project_pages_written

    data = {
        **catalog_files([e.row for e in new.projects.values()], term),
        REGIONS: regions_json(),
        **search_files(
            search_docs(new), [SearchPage(title, url, terms) for url, title, terms in new.pages]
        ),
    }
    for rel, blob in data.items():
        report.site_files_written += put(rel, blob)
    for rel in list(new.files):
        stale_page = rel.startswith("projects/") and rel not in project_pages
        stale_data = rel.startswith("data/") and rel not in data
        if stale_page or stale_data:
            del new.files[rel]
    report.removed = sorted(set(old_files) - set(new.files))
    report.render_seconds = time.perf_counter() - t
    report.seconds = time.perf_counter() - t0
    return report


# ---------------------------------------------------------------------------------------------
# An output directory that keeps its own manifest (CLI, make site, local stack)


def _prepare_out(out_dir: Path) -> None:
    if out_dir.exists():
        if not out_dir.is_dir():
            raise BuildError(f"{out_dir}: output path exists and is not a directory")
        if any(out_dir.iterdir()) and not (out_dir / MARKER).exists():
            # Never clean a directory a previous build did not create.
            raise BuildError(f"{out_dir}: not empty and not a site built by build.py; refusing")
    out_dir.mkdir(parents=True, exist_ok=True)
    write_if_changed(
        out_dir / MARKER, b"Built by build.py; its files are replaced on every build.\n"
    )


def read_manifest(out_dir: Path) -> Manifest | None:
    try:
        return Manifest.from_bytes((out_dir / MANIFEST_FILE).read_bytes())
    except FileNotFoundError:
        return None


def remove_files(root: Path, rels: Iterable[str]) -> None:
    """Delete published files (and the directories they leave empty) under `root`."""
    for rel in rels:
        path = root / rel
        path.unlink(missing_ok=True)
        for parent in path.parents:
            if parent == root or not parent.is_dir() or any(parent.iterdir()):
                break
            parent.rmdir()


def prune(root: Path, keep: Iterable[str]) -> list[str]:
    """Delete every file under `root` that is not in `keep` (dotfiles aside): what an earlier
    build left that no manifest knows of."""
    wanted = set(keep)
    stale = [
        rel
        for path in root.rglob("*")
        if path.is_file()
        and not (rel := path.relative_to(root).as_posix()).startswith(".")
        and "/." not in rel
        and rel not in wanted
    ]
    remove_files(root, stale)
    return stale


def build_dir(
    projects: Iterable[Project],
    out_dir: Path | str,
    term: str = DEFAULT_TERM,
    *,
    complete: bool = True,
    full: bool = False,
) -> BuildReport:
    """`build` into a directory holding its own manifest: stale files are deleted and the new
    manifest saved next to them. `full` ignores the manifest (everything is rendered again)."""
    out = Path(out_dir).resolve()
    _prepare_out(out)
    manifest = None if full else read_manifest(out)
    report = build(projects, out, term, manifest=manifest, complete=complete)
    remove_files(out, report.removed)
    if manifest is None:
        report.removed += prune(out, report.manifest.files)
    write_if_changed(out / MANIFEST_FILE, report.manifest.to_bytes())
    return report


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Render the training platform's static site.")
    ap.add_argument("--source", required=True, help="a JSON export of the published projects")
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default build/site)")
    ap.add_argument("--term", default=DEFAULT_TERM, help="term, e.g. 2024H1")
    ap.add_argument("--full", action="store_true", help="render everything again")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        projects, skipped = load_projects_file(Path(args.source), args.term)
        report = build_dir(projects, Path(args.out), args.term, full=args.full)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    report.skipped_unpublished += skipped
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
