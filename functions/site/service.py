"""Publishing the static site: render what changed since the last publication and send it.

One run (`publish_site`):
1. read the manifest the last publication left in the target (sitebuild/manifest.py);
2. read the catalog documents: all of them when the build must be full (first publication, or
   the site's sources changed with a deployment), otherwise only those written since the last
   run began (less a margin for the index's lag) plus the projects a request named (read
   strongly consistent: a bureau's just-published project is never missed);
3. `build.build` renders into a scratch directory exactly the files whose bytes changed;
4. the target receives those files, deletes the removed ones, invalidates both, and keeps the
   new manifest.

Started asynchronously by `functions.common.site.request_publication` (a bureau's 发布, an order
publication, a change to a published project, a publish phase opening), never inside a request.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from functions.common import catalog
from functions.site.target import Target

# Documents written this long before the last run began are read again: the GSI the changed
# documents are read from lags its table by well under a second, a writer's stamp by its run.
SINCE_MARGIN_MS = 5 * 60 * 1000


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    term: str | None = Field(default=None, pattern=r"^\d{4}H[12]$")
    reason: str = "manual"


class SiteResult(BaseModel):
    term: str
    full: bool
    documents: int  # catalog documents read
    projects: int  # projects on the site
    uploaded: int
    deleted: int
    cpu_seconds: float
    seconds: float


def publish_site(
    term: str, target: Target, snapshot_ms: int, project_ids: list[str] | None = None
) -> SiteResult:
    """Bring `target` up to date with the catalog documents of `term` as of `snapshot_ms`."""
    import build  # jinja2, mkdocs, jieba: only the site worker loads the renderer
    from sitebuild.manifest import Manifest

    t0, c0 = time.perf_counter(), time.process_time()
    blob = target.read_manifest()
    manifest = Manifest.from_bytes(blob) if blob else None
    full = build.needs_full_build(manifest, term)
    if full or manifest is None:
        docs = catalog.documents(term)
    else:
        since = catalog.documents(term, since_ms=max(0, manifest.snapshot_ms - SINCE_MARGIN_MS))
        named = catalog.documents_by_id(project_ids or [])
        docs = list({d.project_id: d for d in [*since, *named]}.values())
    with tempfile.TemporaryDirectory(prefix="zjt-site-") as tmp:
        scratch = Path(tmp) / "site"
        report = build.build(
            [d.project() for d in docs], scratch, term, manifest=manifest, complete=full
        )
        report.manifest.snapshot_ms = snapshot_ms
        target.put(scratch, report.written)
        removed = list(report.removed)
        if manifest is None:
            removed += target.prune(report.manifest.files)
        else:
            target.delete(removed)
        target.invalidate([*report.written, *removed])
        target.write_manifest(report.manifest.to_bytes())
    return SiteResult(
        term=term,
        full=full,
        documents=len(docs),
        projects=report.projects,
        uploaded=len(report.written),
        deleted=len(removed),
        cpu_seconds=round(time.process_time() - c0, 3),
        seconds=round(time.perf_counter() - t0, 3),
    )
