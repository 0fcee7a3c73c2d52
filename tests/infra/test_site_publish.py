"""The site worker against the site bucket (moto S3): a first publication sends the whole site;
later ones read only the documents changed since, upload and invalidate only the files whose
bytes changed, and never list the bucket."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest

from functions.common import catalog, clock, site, store
from functions.common.settings import settings
from functions.site import target as site_target
from functions.site import worker
from functions.site.service import publish_site
from tests.support import world as w

BUCKET = "zjt-site-test"
TERM = "2024H1"


@dataclass
class FakeContext:
    function_name: str = "zjtrain-site-publish"
    memory_limit_in_mb: int = 2048
    invoked_function_arn: str = "arn:aws:lambda:us-east-1:000000000000:function:site-publish"
    aws_request_id: str = "req-1"


class FakeCloudFront:
    def __init__(self) -> None:
        self.paths: list[list[str]] = []

    def create_invalidation(self, DistributionId: str, InvalidationBatch: dict[str, Any]) -> None:
        assert DistributionId == "E123"
        self.paths.append(InvalidationBatch["Paths"]["Items"])


@pytest.fixture
def bucket(world: None, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, FakeCloudFront]]:
    monkeypatch.setenv("ZJT_SITE_BUCKET", BUCKET)
    monkeypatch.setenv("ZJT_SITE_DISTRIBUTION", "E123")
    monkeypatch.setenv("ZJT_DATA_MAX_AGE", "60")
    s3 = boto3.client("s3")
    s3.create_bucket(Bucket=BUCKET)
    cloudfront = FakeCloudFront()
    monkeypatch.setattr(site_target, "_client", lambda name: s3 if name == "s3" else cloudfront)
    yield s3, cloudfront


def keys(s3: Any) -> set[str]:
    return {o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])}


def publish(project_ids: list[str] | None = None) -> Any:
    return publish_site(TERM, site_target.configured_target(), clock.wall_ms(), project_ids)


def published_ids() -> list[str]:
    return sorted(p.project_id for p in w.PROJECTS if p.status.value == "published")


def test_first_publication_sends_the_whole_site_with_types_and_cache_headers(bucket) -> None:
    s3, cloudfront = bucket
    s3.put_object(Bucket=BUCKET, Key="catalog.json", Body=b"[] from an older publisher")
    result = publish()
    names = keys(s3)
    assert result.full and result.projects == len(published_ids())
    assert {"index.html", "data/catalog/index.json", "data/search/index.json"} <= names
    assert all(f"projects/{pid}/index.html" in names for pid in published_ids())
    assert "catalog.json" not in names  # what no manifest knows of is pruned, once
    assert site_target.MANIFEST_KEY in names
    assert result.uploaded == len(names) - 1
    data = s3.head_object(Bucket=BUCKET, Key="data/catalog/index.json")
    assert data["CacheControl"] == "public, max-age=60"
    assert data["ContentType"] == "application/json; charset=utf-8"
    page = s3.head_object(Bucket=BUCKET, Key="index.html")
    assert page["CacheControl"] == "public, max-age=300"
    assert page["ContentType"] == "text/html; charset=utf-8"
    assert cloudfront.paths == [["/*"]]  # everything changed: one wildcard


def test_a_change_uploads_and_invalidates_only_its_files_and_lists_nothing(
    bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    s3, cloudfront = bucket
    publish()
    monkeypatch.setattr(
        site_target.BucketTarget, "prune", lambda *a: pytest.fail("listed the bucket")
    )
    quiet = publish()
    assert (quiet.full, quiet.uploaded, quiet.deleted) == (False, 0, 0)

    pid = published_ids()[0]
    doc = catalog.get(pid)
    assert doc is not None
    changed = doc.model_copy(update={"title": doc.title + "（修订）"})
    store.batch_write([catalog.document_item(changed)])
    before = s3.get_object(Bucket=BUCKET, Key="index.html")["LastModified"]
    result = publish([pid])
    assert not result.full and result.documents >= 1
    page = s3.get_object(Bucket=BUCKET, Key=f"projects/{pid}/index.html")["Body"].read()
    assert "（修订）" in page.decode()
    assert 1 < result.uploaded < 8  # the page, a catalog part, a few search files
    assert s3.get_object(Bucket=BUCKET, Key="index.html")["LastModified"] == before
    assert f"/projects/{pid}/index.html" in cloudfront.paths[-1]
    assert len(cloudfront.paths[-1]) == result.uploaded


def test_the_worker_defaults_to_the_configured_term_and_records_the_run(bucket) -> None:
    site.request_publication(TERM, "test")  # no worker configured: recorded only
    assert site.status(TERM).state == "publishing"
    out = worker.lambda_handler({"reason": "PH-PUBLISH opened"}, FakeContext())  # type: ignore[arg-type]
    assert out["term"] == settings().term == TERM
    state = site.status(TERM)
    assert state.state == "published" and state.published_ms >= state.requested_ms


def test_without_edge_functions_each_directory_index_is_also_written_at_its_directory(
    bucket, monkeypatch: pytest.MonkeyPatch
) -> None:
    """China (no CloudFront Functions): /projects/p1/ must find an object at `projects/p1/`,
    with the page's content type; the root stays the distribution's default object; a change
    rewrites and invalidates the copy with its page."""
    s3, cloudfront = bucket
    monkeypatch.setenv("ZJT_DIRECTORY_INDEX_COPIES", "1")
    publish()
    stored = keys(s3)
    pages = {k for k in stored if k.endswith("/index.html")}
    assert {f"projects/{pid}/index.html" for pid in published_ids()} <= pages
    assert {k for k in stored if k.endswith("/")} == {k.removesuffix("index.html") for k in pages}
    assert "" not in stored and "index.html" in stored
    pid = published_ids()[0]
    copy = s3.get_object(Bucket=BUCKET, Key=f"projects/{pid}/")
    page = s3.get_object(Bucket=BUCKET, Key=f"projects/{pid}/index.html")
    assert copy["ContentType"] == "text/html; charset=utf-8"
    assert copy["Body"].read() == page["Body"].read()

    doc = catalog.get(pid)
    assert doc is not None
    store.batch_write([catalog.document_item(doc.model_copy(update={"title": "新的标题"}))])
    publish([pid])
    assert (
        "新的标题" in s3.get_object(Bucket=BUCKET, Key=f"projects/{pid}/")["Body"].read().decode()
    )
    assert {f"/projects/{pid}/", f"/projects/{pid}/index.html"} <= set(cloudfront.paths[-1])
