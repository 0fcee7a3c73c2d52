"""Publish function: build the site from the published projects and upload only what changed."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import boto3
import pytest

from functions.publish import bucket, handler, service
from schemas.catalog import Project
from tests.support import world as w

BUCKET = "zjt-site-test"


@dataclass
class FakeContext:
    function_name: str = "publish"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:publish"
    aws_request_id: str = "req-1"


class FakeBuild:
    """Stands in for build.build (mkdocs): writes a catalog and one page per project."""

    def __init__(self) -> None:
        self.calls: list[tuple[list[str], str]] = []
        self.index = b"<h1>home</h1>"

    def __call__(self, projects: Sequence[Project], out_dir: Path, term: str) -> None:
        self.calls.append(([p.project_id for p in projects], term))
        out_dir.mkdir(parents=True)
        (out_dir / ".zjt-site").touch()
        (out_dir / "index.html").write_bytes(self.index)
        (out_dir / "data").mkdir()
        (out_dir / "data" / "catalog.json").write_text(str(sorted(p.project_id for p in projects)))
        for p in projects:
            page = out_dir / "projects" / p.project_id / "index.html"
            page.parent.mkdir(parents=True)
            page.write_text(p.model_dump_json())


@pytest.fixture
def site_bucket(world: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    monkeypatch.setenv("ZJT_SITE_BUCKET", BUCKET)
    monkeypatch.setenv("ZJT_DATA_MAX_AGE", "60")
    bucket.reset_clients()
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    yield s3
    bucket.reset_clients()


def keys(s3: Any) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def test_publish_builds_the_published_projects_and_uploads_the_site(site_bucket: Any) -> None:
    build = FakeBuild()
    result = service.publish("2024H1", build_site=build)

    published = sorted(p.project_id for p in w.PROJECTS if p.status.value == "published")
    assert build.calls == [(sorted(build.calls[0][0]), "2024H1")]
    assert sorted(build.calls[0][0]) == published
    assert keys(site_bucket) == {
        "index.html",
        "data/catalog.json",
        *(f"projects/{pid}/index.html" for pid in published),
    }
    assert result.uploaded == len(keys(site_bucket)) and result.deleted == 0
    catalog = site_bucket.head_object(Bucket=BUCKET, Key="data/catalog.json")
    assert catalog["CacheControl"] == "public, max-age=60"
    assert catalog["ContentType"] == "application/json; charset=utf-8"
    page = site_bucket.head_object(Bucket=BUCKET, Key="index.html")
    assert page["CacheControl"] == "public, max-age=300"
    assert page["ContentType"] == "text/html; charset=utf-8"


def test_republish_uploads_only_changed_files_and_deletes_stale_ones(site_bucket: Any) -> None:
    service.publish("2024H1", build_site=FakeBuild())
    site_bucket.put_object(Bucket=BUCKET, Key="projects/withdrawn/index.html", Body=b"old")

    build = FakeBuild()
    build.index = b"<h1>home, new notice</h1>"
    result = service.publish("2024H1", build_site=build)

    assert result.uploaded == 1
    assert result.deleted == 1
    assert result.unchanged == len(keys(site_bucket)) - 1
    assert "projects/withdrawn/index.html" not in keys(site_bucket)
    body = site_bucket.get_object(Bucket=BUCKET, Key="index.html")["Body"].read()
    assert body == b"<h1>home, new notice</h1>"


def test_handler_defaults_to_the_configured_term(
    site_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    build = FakeBuild()
    monkeypatch.setattr(service, "_build_site", build)
    out = handler.lambda_handler({"reason": "PH-PUBLISH opened"}, FakeContext())  # type: ignore[arg-type]
    assert out["term"] == "2024H1"
    assert build.calls and build.calls[0][1] == "2024H1"


def test_publish_runs_the_real_site_build(site_bucket: Any) -> None:
    """build.build (mkdocs + project pages) end to end into the bucket, a few seconds."""
    result = service.publish("2024H1")
    names = keys(site_bucket)
    published = [p.project_id for p in w.PROJECTS if p.status.value == "published"]
    assert result.projects == len(published)
    assert {"index.html", "data/catalog/index.json"} <= names
    assert all(f"projects/{pid}/index.html" in names for pid in published)
    assert not [k for k in names if k.startswith(".") or "/." in k]
    again = service.publish("2024H1")
    assert again.uploaded == 0 and again.deleted == 0


def test_without_edge_functions_each_directory_index_is_also_written_at_its_directory(
    site_bucket: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """China (no CloudFront Functions): /projects/p1/ must find an object at `projects/p1/`,
    with the page's content type; the root stays the distribution's default object."""
    monkeypatch.setenv("ZJT_DIRECTORY_INDEX_COPIES", "1")
    service.publish("2024H1", build_site=FakeBuild())
    published = sorted(p.project_id for p in w.PROJECTS if p.status.value == "published")
    assert published
    stored = keys(site_bucket)
    pages = {k for k in stored if k.endswith("/index.html")}
    assert {f"projects/{pid}/index.html" for pid in published} <= pages
    # every directory index has its copy, and nothing else gained one (the root included)
    assert {k for k in stored if k.endswith("/")} == {k.removesuffix("index.html") for k in pages}
    assert "" not in stored and "index.html" in stored
    copy = site_bucket.get_object(Bucket=BUCKET, Key=f"projects/{published[0]}/")
    page = site_bucket.get_object(Bucket=BUCKET, Key=f"projects/{published[0]}/index.html")
    assert copy["ContentType"] == "text/html; charset=utf-8"
    assert copy["Body"].read() == page["Body"].read()
    # a second publish with nothing changed uploads nothing, copies included
    again = service.publish("2024H1", build_site=FakeBuild())
    assert again.uploaded == 0 and again.deleted == 0
