"""Syncing a built site into the site bucket (the only boto3 S3 code).

Only changed files are uploaded: a single-part upload's ETag is the MD5 of its bytes (SSE-S3),
so comparing it with the local file's MD5 skips the unchanged majority of a rebuild. Files no
longer built are deleted. CloudFront serves the new objects when their short TTL runs out.
"""

from __future__ import annotations

import hashlib
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import boto3

TEXT_TYPES = {".html", ".css", ".js", ".json", ".txt", ".xml", ".svg", ".map"}


@dataclass
class SyncReport:
    uploaded: list[str] = field(default_factory=list)
    unchanged: int = 0
    deleted: list[str] = field(default_factory=list)


@cache
def _client() -> Any:
    return boto3.client("s3")


def reset_clients() -> None:
    _client.cache_clear()


def content_type(key: str) -> str:
    guessed = mimetypes.guess_type(key)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if Path(key).suffix in TEXT_TYPES else guessed


def remote_etags(bucket: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for page in _client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            out[obj["Key"]] = obj["ETag"].strip('"')
    return out


def served_keys(key: str, directory_index_copies: bool) -> list[str]:
    """The object keys a built file is served from. Without an edge function to rewrite
    directory URLs (CloudFront in China), `catalog/index.html` is also written at `catalog/`,
    the key CloudFront asks S3 for on /catalog/; the root is the distribution's default object."""
    if directory_index_copies and key.endswith("/index.html"):
        return [key, key.removesuffix("index.html")]
    return [key]


def sync_dir(
    src: Path,
    bucket: str,
    cache_control: Callable[[str], str],
    *,
    directory_index_copies: bool = False,
) -> SyncReport:
    """Make the bucket hold exactly the files under `src` (dotfiles excluded)."""
    report = SyncReport()
    remote = remote_etags(bucket)
    local: set[str] = set()
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        built = path.relative_to(src).as_posix()
        if any(part.startswith(".") for part in built.split("/")):
            continue
        body = path.read_bytes()
        for key in served_keys(built, directory_index_copies):
            local.add(key)
            if remote.get(key) == hashlib.md5(body).hexdigest():
                report.unchanged += 1
                continue
            _client().put_object(
                Bucket=bucket,
                Key=key,
                Body=body,
                ContentType=content_type(built),
                CacheControl=cache_control(built),
            )
            report.uploaded.append(key)
    stale = sorted(set(remote) - local)
    for i in range(0, len(stale), 1000):
        chunk = stale[i : i + 1000]
        _client().delete_objects(
            Bucket=bucket, Delete={"Objects": [{"Key": k} for k in chunk], "Quiet": True}
        )
    report.deleted = stale
    return report
