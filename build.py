"""Build the static site: handwritten pages (mkdocs-material) plus the catalog and project pages.

    python build.py [--source store|demo|FILE.json] [--out build/site] [--term 2024H1]

Published projects are validated with `schemas.catalog.Project`, turned into the catalog's data
(`data/catalog/`: a small index and one part per stage, see sitebuild/catalog.py), the site
search index (`data/search/`, sitebuild/search.py) and one page per project at
`projects/<project_id>/`, rendered by jinja2 into the theme's shell (see site/hooks/site_hooks.py).
mkdocs builds into a staging directory that is then synced into the output; every file in the
output is written only when its bytes changed, so an unchanged rebuild touches nothing.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import jinja2
from pydantic import ValidationError

from schemas.catalog import Project, ProjectStatus
from schemas.regions import region_tree
from sitebuild.catalog import REGIONS, catalog_entry, catalog_files, project_url, regions_json
from sitebuild.search import SearchDoc, SearchPage, search_files, tokens

ROOT = Path(__file__).resolve().parent
SITE_DIR = ROOT / "site"
MKDOCS_YML = SITE_DIR / "mkdocs.yml"
TEMPLATES_DIR = SITE_DIR / "templates"
DEFAULT_OUT = ROOT / "build" / "site"
DEFAULT_TERM = "2024H1"

# Written into the output so a later build knows it may delete stale files there.
MARKER = ".zjt-site"
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
    projects: int = 0
    skipped_unpublished: int = 0
    project_pages_written: int = 0
    project_pages_unchanged: int = 0
    site_files_written: int = 0
    files_removed: int = 0
    total_files: int = 0
    total_bytes: int = 0
    mkdocs_seconds: float = 0.0
    render_seconds: float = 0.0
    seconds: float = 0.0
    written: list[str] = field(default_factory=list, repr=False)

    def summary(self) -> str:
        return (
            f"{self.projects} projects ({self.skipped_unpublished} unpublished skipped) -> "
            f"{self.out_dir}: {self.project_pages_written} project pages written, "
            f"{self.project_pages_unchanged} unchanged, {self.site_files_written} other files "
            f"written, {self.files_removed} removed; {self.total_files} files, "
            f"{self.total_bytes / 1e6:.1f} MB; mkdocs {self.mkdocs_seconds:.1f} s, "
            f"projects {self.render_seconds:.1f} s, total {self.seconds:.1f} s"
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


def load_projects_store(term: str) -> list[Project]:
    # Imported lazily: the store pulls in boto3 and table settings a file build never needs.
    try:
        from functions.common.catalog import published_projects
    except ModuleNotFoundError as exc:
        if not (exc.name or "").startswith("functions"):
            raise
        raise BuildError(
            "--source store: functions/common/catalog.py (published_projects) is not "
            "available; build from a JSON export with --source FILE.json"
        ) from None
    try:
        return list(published_projects(term))
    except ValidationError as exc:
        raise BuildError(f"store (term {term}): {_field_errors(exc)}") from None


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


def search_index(
    projects: Sequence[Project], pages: Sequence[tuple[str, str, str]]
) -> dict[str, bytes]:
    """The search files: projects numbered in id order, then every handwritten page."""
    docs = [
        SearchDoc(
            number=n,
            project_id=p.project_id,
            title=p.title,
            institution=p.institution_name,
            terms=tokens(project_text(p)),
            title_terms=tokens(p.title),
        )
        for n, p in enumerate(sorted(projects, key=lambda p: p.project_id))
    ]
    found = [SearchPage(title, url, tokens(f"{title} {text}")) for url, title, text in pages]
    return search_files(docs, found)


def project_text(p: Project) -> str:
    """What a search finds a project by."""
    return " ".join(
        (p.title, p.institution_name, p.stage, p.subject, p.field, p.level, p.form.value, p.theme)
    )


def build(
    projects: Sequence[Project], out_dir: Path | str, term: str = DEFAULT_TERM
) -> BuildReport:
    """Build the whole site for `term` into `out_dir` from already-validated projects.

    Unpublished projects and projects of other terms are skipped (never rendered).
    """
    t0 = time.perf_counter()
    out_dir = Path(out_dir).resolve()
    report = BuildReport(out_dir=out_dir, term=term)
    published = [p for p in projects if p.status == ProjectStatus.PUBLISHED and p.term == term]
    report.skipped_unpublished = len(projects) - len(published)
    published.sort(key=lambda p: p.project_id)
    check_unique(published)
    report.projects = len(published)
    _prepare_out(out_dir)

    expected: set[Path] = {out_dir / MARKER}

    def put(rel: str, data: bytes) -> bool:
        path = out_dir / rel
        expected.add(path)
        changed = write_if_changed(path, data)
        if changed:
            report.written.append(rel)
        return changed

    with tempfile.TemporaryDirectory(prefix="zjt-mkdocs-") as tmp:
        staging = Path(tmp) / "site"
        t = time.perf_counter()
        shell, pages = _run_mkdocs(staging, term)
        report.mkdocs_seconds = time.perf_counter() - t
        for src in sorted(staging.rglob("*")):
            if src.is_file():
                rel = src.relative_to(staging).as_posix()
                report.site_files_written += put(rel, src.read_bytes())

    t = time.perf_counter()
    template = template_env().get_template("project.html")
    for p in published:
        page = render_project_page(shell, template, p).encode("utf-8")
        if put(f"{project_url(p.project_id)}index.html", page):
            report.project_pages_written += 1
        else:
            report.project_pages_unchanged += 1
    data = {
        **catalog_files([catalog_entry(p) for p in published], term),
        REGIONS: regions_json(),
        **search_index(published, pages),
    }
    for rel, blob in data.items():
        report.site_files_written += put(rel, blob)
    report.render_seconds = time.perf_counter() - t

    for path in sorted(out_dir.rglob("*"), reverse=True):
        if path.is_file() and path not in expected:
            path.unlink()
            report.files_removed += 1
        elif path.is_dir() and not any(path.iterdir()):
            path.rmdir()
    report.total_files = len(expected)
    report.total_bytes = sum(p.stat().st_size for p in expected)
    report.seconds = time.perf_counter() - t0
    return report


# ---------------------------------------------------------------------------------------------
# CLI


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Build the training platform's static site.")
    ap.add_argument(
        "--source",
        default="store",
        help="'store' (DynamoDB), 'demo' (the local demo data) or a JSON export file",
    )
    ap.add_argument("--out", default=str(DEFAULT_OUT), help="output directory (default build/site)")
    ap.add_argument("--term", default=DEFAULT_TERM, help="term, e.g. 2024H1")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        if args.source == "store":
            projects, skipped = load_projects_store(args.term), 0
        elif args.source == "demo":
            from local.demo import demo_data

            projects = [p for p in demo_data().projects if p.term == args.term]
            skipped = 0
        else:
            projects, skipped = load_projects_file(Path(args.source), args.term)
        report = build(projects, Path(args.out), args.term)
    except BuildError as exc:
        print(f"build failed: {exc}", file=sys.stderr)
        return 1
    report.skipped_unpublished += skipped
    print(report.summary())
    return 0


if __name__ == "__main__":
    sys.exit(main())
