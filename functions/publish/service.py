"""Publishing: render the published projects of a term into the site and sync the bucket.

Runs the same `build.build` as `python build.py`, into /tmp, then uploads what changed. Started by
the phase toggle when PH-PUBLISH or PH-ORDER-PUBLISH opens, and by a bureau's 发布 action.
"""

from __future__ import annotations

import fnmatch
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from functions.common import catalog
from functions.publish import bucket
from schemas.catalog import Project

BuildSite = Callable[[Sequence[Project], Path, str], Any]


class PublishSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZJT_", extra="ignore")

    site_bucket: str = ""
    # Files rewritten at every publish (the same list infra/config.yaml gives CloudFront).
    data_paths: str = "data/*,projects/*"
    data_max_age: int = 60
    page_max_age: int = 300
    # Set in the China regions, where CloudFront has no edge function to rewrite /x/ to
    # /x/index.html (infra/target.py): each directory index is also written at its directory key.
    directory_index_copies: bool = False


class PublishRequest(BaseModel):
    model_config = ConfigDict(extra="ignore")

    term: str | None = Field(default=None, pattern=r"^\d{4}H[12]$")
    reason: str = "manual"


class PublishResult(BaseModel):
    term: str
    projects: int
    uploaded: int
    unchanged: int
    deleted: int


def _build_site(projects: Sequence[Project], out_dir: Path, term: str) -> Any:
    import build  # heavy (jinja2, mkdocs): only the publish function loads it

    return build.build(projects, out_dir, term)


def cache_control(cfg: PublishSettings) -> Callable[[str], str]:
    patterns = [p.strip() for p in cfg.data_paths.split(",") if p.strip()]

    def header(key: str) -> str:
        data = any(fnmatch.fnmatch(key, p) for p in patterns)
        return f"public, max-age={cfg.data_max_age if data else cfg.page_max_age}"

    return header


def publish(term: str, build_site: BuildSite | None = None) -> PublishResult:
    """Build the site of `term` from the table and make the bucket match it."""
    cfg = PublishSettings()
    if not cfg.site_bucket:
        raise RuntimeError("ZJT_SITE_BUCKET is not set")
    projects = catalog.published_projects(term)
    with tempfile.TemporaryDirectory(prefix="zjt-publish-") as tmp:
        out = Path(tmp) / "site"
        (build_site or _build_site)(projects, out, term)
        sync = bucket.sync_dir(
            out,
            cfg.site_bucket,
            cache_control(cfg),
            directory_index_copies=cfg.directory_index_copies,
        )
    return PublishResult(
        term=term,
        projects=len(projects),
        uploaded=len(sync.uploaded),
        unchanged=sync.unchanged,
        deleted=len(sync.deleted),
    )
