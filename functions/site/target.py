"""Where the site is published: the site bucket behind CloudFront, or a directory.

A target is told exactly which files changed and which to remove (the build's manifest knows),
so a publication uploads and invalidates only those: no hash of every file, no listing of the
bucket. The manifest itself is kept in the target (`MANIFEST_KEY`). Only a target that has no
manifest yet (the first publication) is listed once, to remove what an older publisher left.

Deployed: `ZJT_SITE_BUCKET` (and `ZJT_SITE_DISTRIBUTION` for invalidations, set by infra/).
Local stack and operators: `ZJT_SITE_DIR`, the directory the local gateway serves.
"""

from __future__ import annotations

import fnmatch
import mimetypes
import os
import shutil
import time
from collections.abc import Callable, Iterable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from functions.common.settings import EnvSettings

TEXT_TYPES = {".html", ".css", ".js", ".json", ".txt", ".xml", ".svg", ".map"}
MANIFEST_KEY = ".zjt-manifest.json.gz"  # build.MANIFEST_FILE: the same name in a directory
# Above this many changed paths one wildcard invalidation is cheaper than naming them
# (CloudFront bills invalidation paths beyond 1,000 a month; a full rebuild changes them all).
INVALIDATE_ALL_ABOVE = 100


class SiteSettings(EnvSettings):
    site_bucket: str = ""
    site_distribution: str = ""
    site_dir: str = ""
    # Files rewritten at every publish (the same list infra/config.yaml gives CloudFront).
    data_paths: str = "data/*,projects/*"
    data_max_age: int = 60
    page_max_age: int = 300
    # Set in the China regions, where CloudFront has no edge function to rewrite /x/ to
    # /x/index.html (infra/target.py): each directory index is also written at its directory key.
    directory_index_copies: bool = False


class Target(Protocol):
    def read_manifest(self) -> bytes | None: ...

    def put(self, root: Path, rels: Iterable[str]) -> None: ...

    def delete(self, rels: Iterable[str]) -> None: ...

    def prune(self, keep: Iterable[str]) -> list[str]: ...

    def invalidate(self, rels: Iterable[str]) -> None: ...

    def write_manifest(self, blob: bytes) -> None: ...


def configured_target(cfg: SiteSettings | None = None) -> Target:
    cfg = cfg or SiteSettings.from_environment()
    if cfg.site_bucket:
        return BucketTarget(
            cfg.site_bucket,
            cfg.site_distribution,
            cache_control(cfg),
            directory_index_copies=cfg.directory_index_copies,
        )
    if cfg.site_dir:
        return DirectoryTarget(Path(cfg.site_dir))
    raise RuntimeError("neither ZJT_SITE_BUCKET nor ZJT_SITE_DIR is set")


def cache_control(cfg: SiteSettings) -> Callable[[str], str]:
    patterns = [p.strip() for p in cfg.data_paths.split(",") if p.strip()]

    def header(key: str) -> str:
        data = any(fnmatch.fnmatch(key, p) for p in patterns)
        return f"public, max-age={cfg.data_max_age if data else cfg.page_max_age}"

    return header


def content_type(key: str) -> str:
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if Path(key).suffix in TEXT_TYPES else guessed


# --- S3 + CloudFront -------------------------------------------------------------------------


@cache
def _client(service: str) -> Any:
    import boto3  # the site worker alone talks to S3 and CloudFront

    return boto3.client(service)  # type: ignore[call-overload]


def reset_clients() -> None:
    _client.cache_clear()


def served_keys(key: str, directory_index_copies: bool) -> list[str]:
    """The object keys a built file is served from. Without an edge function to rewrite
    directory URLs (CloudFront in China), `catalog/index.html` is also written at `catalog/`,
    the key CloudFront asks S3 for on /catalog/; the root is the distribution's default object."""
    if directory_index_copies and key.endswith("/index.html"):
        return [key, key.removesuffix("index.html")]
    return [key]


class BucketTarget:
    def __init__(
        self,
        bucket: str,
        distribution: str,
        cache_control: Callable[[str], str],
        *,
        directory_index_copies: bool = False,
    ):
        self.bucket = bucket
        self.distribution = distribution
        self.cache_control = cache_control
        self.copies = directory_index_copies

    def _keys(self, rels: Iterable[str]) -> list[str]:
        return [k for rel in rels for k in served_keys(rel, self.copies)]

    def read_manifest(self) -> bytes | None:
        s3 = _client("s3")
        try:
            body: bytes = s3.get_object(Bucket=self.bucket, Key=MANIFEST_KEY)["Body"].read()
        except s3.exceptions.NoSuchKey:
            return None
        return body

    def put(self, root: Path, rels: Iterable[str]) -> None:
        for rel in rels:
            body = (root / rel).read_bytes()
            for key in served_keys(rel, self.copies):
                _client("s3").put_object(
                    Bucket=self.bucket,
                    Key=key,
                    Body=body,
                    ContentType=content_type(rel),
                    CacheControl=self.cache_control(rel),
                )

    def delete(self, rels: Iterable[str]) -> None:
        keys = sorted(self._keys(rels))
        for i in range(0, len(keys), 1000):
            _client("s3").delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in keys[i : i + 1000]], "Quiet": True},
            )

    def prune(self, keep: Iterable[str]) -> list[str]:
        wanted = {*self._keys(keep), MANIFEST_KEY}
        stale = []
        for page in _client("s3").get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            stale += [o["Key"] for o in page.get("Contents", []) if o["Key"] not in wanted]
        for i in range(0, len(stale), 1000):
            _client("s3").delete_objects(
                Bucket=self.bucket,
                Delete={"Objects": [{"Key": k} for k in stale[i : i + 1000]], "Quiet": True},
            )
        return stale

    def invalidate(self, rels: Iterable[str]) -> None:
        paths = sorted({"/" + k for k in self._keys(rels)})
        if not self.distribution or not paths:
            return
        if len(paths) > INVALIDATE_ALL_ABOVE:
            paths = ["/*"]
        # A directory URL is cached under the object the edge function rewrote it to
        # (/projects/p1/ -> /projects/p1/index.html), so the object's path is the one to name.
        _client("cloudfront").create_invalidation(
            DistributionId=self.distribution,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": paths},
                "CallerReference": f"zjt-{time.time_ns()}",
            },
        )

    def write_manifest(self, blob: bytes) -> None:
        _client("s3").put_object(
            Bucket=self.bucket,
            Key=MANIFEST_KEY,
            Body=blob,
            ContentType="application/gzip",
            CacheControl="no-store",
        )


# --- a directory (the local stack serves it) -------------------------------------------------


class DirectoryTarget:
    def __init__(self, root: Path):
        self.root = root

    def read_manifest(self) -> bytes | None:
        try:
            return (self.root / MANIFEST_KEY).read_bytes()
        except FileNotFoundError:
            return None

    def put(self, root: Path, rels: Iterable[str]) -> None:
        for rel in rels:
            dest = self.root / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            tmp = dest.with_name(f".{dest.name}.tmp{os.getpid()}")
            shutil.copyfile(root / rel, tmp)
            os.replace(tmp, dest)

    def delete(self, rels: Iterable[str]) -> None:
        from build import remove_files

        remove_files(self.root, rels)

    def prune(self, keep: Iterable[str]) -> list[str]:
        from build import prune

        return prune(self.root, keep)

    def invalidate(self, rels: Iterable[str]) -> None:
        """Nothing caches a directory: the local gateway revalidates every file."""

    def write_manifest(self, blob: bytes) -> None:
        from build import MARKER, write_if_changed

        self.root.mkdir(parents=True, exist_ok=True)
        write_if_changed(self.root / MARKER, b"Published by the site worker (functions/site).\n")
        tmp = self.root / f".{MANIFEST_KEY}.tmp{os.getpid()}"
        tmp.write_bytes(blob)
        os.replace(tmp, self.root / MANIFEST_KEY)
