"""The one code asset every function is deployed from.

It holds exactly what the functions import or read at run time: `functions/`, `schemas/`,
`data/` (term calendars, regions), and for the publish function `build.py` with `sitebuild/`
and `site/` (the mkdocs sources), with the bytecode of its modules (infra.layers.precompile: the
runtime cannot write it at a cold start) and the parsed form of its data files
(schemas.yamlfile.compile_data: no function then imports PyYAML at a cold start). It is staged
into a content-addressed directory so the repository root (venv, build output, tests) is never
fingerprinted and two synths never write the same directory.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

from infra.layers import precompile
from schemas.yamlfile import compile_data

ROOT = Path(__file__).resolve().parent.parent
STAGING_ROOT = ROOT / "build" / "infra"
KEEP_STAGED = 3  # older staged copies are removed (a concurrent synth uses one of the newest)
CODE_DIRS = ("functions", "schemas", "data", "site", "sitebuild")
CODE_FILES = ("build.py",)
SKIP_DIRS = frozenset({"__pycache__", ".pytest_cache", ".mypy_cache", "build"})
SKIP_SUFFIXES = (".pyc", ".pyo", ".tmp")


def code_files(root: Path = ROOT) -> Iterator[tuple[str, Path]]:
    """(relative path, file) of everything that goes into the asset, sorted."""
    found: list[tuple[str, Path]] = [(name, root / name) for name in CODE_FILES]
    for top in CODE_DIRS:
        for dirpath, dirnames, filenames in os.walk(root / top):
            dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS)
            for name in filenames:
                if name.endswith(SKIP_SUFFIXES) or name.startswith("."):
                    continue
                path = Path(dirpath) / name
                found.append((path.relative_to(root).as_posix(), path))
    yield from sorted(found)


def stage_code(root: Path = ROOT, staging_root: Path = STAGING_ROOT) -> Path:
    """Copy the asset's files into `build/infra/code-<hash>` (reused when unchanged)."""
    files = list(code_files(root))
    # A copy staged before the bytecode and the data's parsed forms is not reused.
    digest = hashlib.sha256(b"precompiled, data parsed\0")
    for rel, path in files:
        digest.update(rel.encode() + b"\0" + path.read_bytes() + b"\0")
    dest = staging_root / f"code-{digest.hexdigest()[:16]}"
    if dest.exists():
        dest.touch()
        _prune(staging_root)
        return dest
    tmp = staging_root / f".{dest.name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    for rel, path in files:
        target = tmp / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    precompile(tmp)
    compile_data(tmp / "data")
    try:
        tmp.rename(dest)
    except OSError:  # staged concurrently by another synth
        shutil.rmtree(tmp, ignore_errors=True)
    _prune(staging_root)
    return dest


def _prune(staging_root: Path) -> None:
    staged = sorted(staging_root.glob("code-*"), key=lambda p: p.stat().st_mtime, reverse=True)
    for old in staged[KEEP_STAGED:]:
        shutil.rmtree(old, ignore_errors=True)
