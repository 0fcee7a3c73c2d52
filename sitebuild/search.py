"""The site search: Chinese words find projects and pages on a phone, with a bounded download.

Everything lives under `data/search/` and is fetched by `assets/js/search.js` only when the
search opens (never on a first view):

    index.json   {"v": 1, "shards": S, "block": B, "projects": N,
                  "pages": [[title, url, "token token ..."], ...]}
    t/<k>.json   {term: "in title|elsewhere"} postings of the terms whose first character c has
                 ord(c) % S == k
    d/<k>.json   [[project_id, title, institution] or null, ...]: projects numbered k*B … k*B+B-1

A project's terms are every dictionary word jieba finds in its title, institution, theme and
facets (full mode, so 心理健康教育 yields 心理, 心理健康, 健康, 健康教育, 教育) plus the words of
its precise segmentation (which catches names the dictionary lacks). The browser needs no jieba:
it segments a query by longest match against the terms in the shards it loads, so 心理健康 is
one term and finds every project whose text contains it. A term's postings come in two lists,
projects with it in their title and the others, so hits by title are shown first. Postings are
project numbers, sorted and delta-encoded in base 36 ("1 1 3 a"); a dense posting list is a long
run that gzip all but erases.

The download per query stays bounded as the catalog grows: the shard count grows with the
index (about `SHARD_BYTES` of postings per shard), a query reads one shard per word it starts,
and a page of results reads at most one block of `BLOCK` titles per result shown.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

PREFIX = "data/search/"
BLOCK = 32
SHARD_BYTES = 12_000
MIN_SHARDS, MAX_SHARDS = 8, 4096
MAX_TERM = 12  # the longest term kept (search.js tries no longer match)
# Runs of CJK ideographs or of ASCII letters and digits; everything else separates words.
_WORDS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+|[a-z0-9]+")


@cache
def _jieba() -> Any:
    import jieba  # heavy (its dictionary loads in about a second): only when text is tokenized

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba


def tokens(text: str) -> frozenset[str]:
    """The search terms of `text`: lowercased ASCII words, and the Chinese words of two or more
    characters that jieba finds in it (full mode and precise mode)."""
    out: set[str] = set()
    for m in _WORDS.finditer(text.lower()):
        word = m.group()
        if word.isascii():
            out.add(word[:MAX_TERM])
            continue
        if len(word) < 2:
            continue
        jieba = _jieba()
        for t in (*jieba.cut(word, cut_all=True), *jieba.cut(word, HMM=True)):
            if 2 <= len(t) <= MAX_TERM:
                out.add(t)
    return frozenset(out)


def shard_of(term: str, shards: int) -> int:
    """The shard holding `term` (search.js computes the same from the first code point)."""
    return ord(term[0]) % shards


def encode_postings(numbers: Iterable[int]) -> str:
    prev = -1
    parts = []
    for n in sorted(set(numbers)):
        parts.append(_base36(n - prev))
        prev = n
    return " ".join(parts)


def decode_postings(text: str) -> list[int]:
    out, n = [], -1
    for part in text.split():
        n += int(part, 36)
        out.append(n)
    return out


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    s = ""
    while True:
        n, r = divmod(n, 36)
        s = digits[r] + s
        if not n:
            return s


@dataclass(frozen=True)
class SearchDoc:
    """A project as the search shows it, under its stable number."""

    number: int
    project_id: str
    title: str
    institution: str
    terms: frozenset[str]
    title_terms: frozenset[str] = frozenset()


@dataclass(frozen=True)
class SearchPage:
    """A handwritten page (title, site-relative URL, the words of its text)."""

    title: str
    url: str
    terms: frozenset[str]


def _dump(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def shard_count(postings_bytes: int) -> int:
    n = MIN_SHARDS
    while n < MAX_SHARDS and postings_bytes / n > SHARD_BYTES:
        n *= 2
    return n


def search_files(docs: Sequence[SearchDoc], pages: Sequence[SearchPage]) -> dict[str, bytes]:
    """Every file of the search index, by path under the site root."""
    in_title: dict[str, list[int]] = {}
    elsewhere: dict[str, list[int]] = {}
    for d in docs:
        for t in d.terms | d.title_terms:
            (in_title if t in d.title_terms else elsewhere).setdefault(t, []).append(d.number)
    encoded = {
        t: f"{encode_postings(in_title.get(t, ()))}|{encode_postings(elsewhere.get(t, ()))}"
        for t in in_title.keys() | elsewhere.keys()
    }
    shards = shard_count(sum(len(t.encode()) + len(p) + 6 for t, p in encoded.items()))
    by_shard: dict[int, dict[str, str]] = {k: {} for k in range(shards)}
    for t in sorted(encoded):
        by_shard[shard_of(t, shards)][t] = encoded[t]
    files = {f"{PREFIX}t/{k}.json": _dump(v) for k, v in by_shard.items()}

    blocks: dict[int, list[Any]] = {}
    for d in docs:
        block = blocks.setdefault(d.number // BLOCK, [None] * BLOCK)
        block[d.number % BLOCK] = [d.project_id, d.title, d.institution]
    for k, rows in blocks.items():
        while rows and rows[-1] is None:
            rows.pop()
        files[f"{PREFIX}d/{k}.json"] = _dump(rows)

    files[f"{PREFIX}index.json"] = _dump(
        {
            "v": 1,
            "shards": shards,
            "block": BLOCK,
            "projects": len(docs),
            "pages": [[p.title, p.url, " ".join(sorted(p.terms))] for p in pages],
        }
    )
    return files


def search_stats(files: Mapping[str, bytes]) -> dict[str, int]:
    """Sizes a benchmark reports: the whole index, and the largest shard and block."""
    shards = [len(b) for k, b in files.items() if k.startswith(f"{PREFIX}t/")]
    blocks = [len(b) for k, b in files.items() if k.startswith(f"{PREFIX}d/")]
    return {
        "bytes": sum(len(b) for b in files.values()),
        "shards": len(shards),
        "largest_shard": max(shards, default=0),
        "largest_block": max(blocks, default=0),
    }
