"""Lambda layers built from the project's pinned dependencies (no public layer ARNs, no Docker).

`pip install --target <dir>/python --platform manylinux2014_x86_64 --only-binary=:all:` fetches
Linux wheels for the Lambda runtime whatever machine synthesizes. The result is cached under
`build/layers/<name>-<hash>`, keyed by the requirement lines and the target platform, so a synth
only runs pip when pyproject.toml's ranges change.

    python -m infra.layers        # build (or find) every layer and print where and how long
"""

from __future__ import annotations

import compileall
import hashlib
import json
import os
import py_compile
import re
import shutil
import subprocess
import sys
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"
CACHE_ROOT = ROOT / "build" / "layers"
PLATFORM = "manylinux2014_x86_64"
PYTHON_VERSION = "3.11"
# Bump when the way a layer is assembled changes, so cached builds are not reused.
RECIPE = "2"  # 2: bytecode compiled in (precompile)

# The publish function runs build.py: templates, mkdocs with the theme, Chinese search segmentation.
SITE_BUILD_PACKAGES = ("jinja2", "mkdocs", "mkdocs-material", "jieba")
# Pure-Python packages published only as source: installed from the sdist without dependencies.
SDIST_ONLY = frozenset({"jieba"})

_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")


def _canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def requirement_name(line: str) -> str:
    m = _NAME.match(line)
    if not m:
        raise ValueError(f"not a requirement: {line!r}")
    return _canonical(m.group(1))


def _pyproject(path: Path) -> dict[str, Any]:
    with path.open("rb") as fh:
        return tomllib.load(fh)


def runtime_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """[project].dependencies: what every function imports at run time."""
    deps: list[str] = _pyproject(pyproject)["project"]["dependencies"]
    return list(deps)


def site_build_requirements(pyproject: Path = PYPROJECT) -> list[str]:
    """The dev dependencies build.py needs, with the ranges pyproject.toml pins."""
    dev: list[str] = _pyproject(pyproject)["project"]["optional-dependencies"]["dev"]
    by_name = {requirement_name(line): line for line in dev}
    missing = [n for n in SITE_BUILD_PACKAGES if n not in by_name]
    if missing:
        raise ValueError(f"{pyproject}: [project.optional-dependencies].dev lacks {missing}")
    return [by_name[n] for n in SITE_BUILD_PACKAGES]


@dataclass(frozen=True)
class LayerSpec:
    name: str
    requirements: tuple[str, ...]
    sdist_only: tuple[str, ...] = field(default=())

    def key(self) -> str:
        blob = json.dumps(
            {
                "requirements": sorted(self.requirements),
                "sdist_only": sorted(self.sdist_only),
                "platform": PLATFORM,
                "python": PYTHON_VERSION,
                "recipe": RECIPE,
            },
            sort_keys=True,
        )
        return hashlib.sha256(blob.encode()).hexdigest()[:16]


def layer_specs(pyproject: Path = PYPROJECT) -> dict[str, LayerSpec]:
    """`runtime` for every function; `publish` adds what build.py needs.

    The publish layer repeats the runtime requirements instead of stacking on the runtime layer:
    one pip resolution keeps shared dependencies (python-dateutil, ...) at versions that suit both.
    """
    runtime = runtime_requirements(pyproject)
    site = site_build_requirements(pyproject)
    return {
        "runtime": LayerSpec("runtime", tuple(runtime)),
        "publish": LayerSpec(
            "publish",
            tuple(runtime + [r for r in site if requirement_name(r) not in SDIST_ONLY]),
            tuple(r for r in site if requirement_name(r) in SDIST_ONLY),
        ),
    }


def precompile(root: Path) -> bool:
    """Write bytecode for every module under `root` as Lambda's python3.11 loads it.

    A function's code and layers are mounted read-only (/var/task, /opt): without .pyc files in
    the zip every cold start compiles every module it imports from source, and writes nothing.
    Unchecked-hash pycs, because a zip does not keep the mtimes a timestamp pyc is checked
    against. Another interpreter's bytecode would be ignored by Lambda's (its files are named by
    version), so on one that is not 3.11 nothing is written and False is returned.
    """
    if f"{sys.version_info.major}.{sys.version_info.minor}" != PYTHON_VERSION:
        return False
    compileall.compile_dir(
        root,
        quiet=2,
        workers=1,  # synth machines are shared; this runs once per cached build
        invalidation_mode=py_compile.PycInvalidationMode.UNCHECKED_HASH,
    )
    return True


def _pip(target: Path, requirements: list[str], *, no_deps: bool) -> None:
    cmd = [
        sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
        "--target", str(target), "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", PYTHON_VERSION, "--upgrade",
    ]  # fmt: skip
    cmd += ["--no-deps"] if no_deps else ["--only-binary=:all:"]
    subprocess.run([*cmd, *requirements], check=True)


def build_layer(spec: LayerSpec, cache_root: Path = CACHE_ROOT) -> Path:
    """The layer directory for `spec` (contains `python/`), built with pip unless cached."""
    dest = cache_root / f"{spec.name}-{spec.key()}"
    if (dest / ".complete").exists():
        return dest
    cache_root.mkdir(parents=True, exist_ok=True)
    tmp = cache_root / f".{dest.name}.tmp{os.getpid()}"
    shutil.rmtree(tmp, ignore_errors=True)
    site_packages = tmp / "python"
    _pip(site_packages, list(spec.requirements), no_deps=False)
    if spec.sdist_only:
        _pip(site_packages, list(spec.sdist_only), no_deps=True)
    # Console scripts point at this machine's interpreter. pip's timestamp pycs are replaced by
    # ones a read-only, re-extracted mount can use (precompile).
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
    for cache in list(site_packages.rglob("__pycache__")):
        shutil.rmtree(cache, ignore_errors=True)
    precompile(site_packages)
    (tmp / "requirements.txt").write_text("\n".join(spec.requirements + spec.sdist_only) + "\n")
    (tmp / ".complete").touch()
    try:
        tmp.rename(dest)
    except OSError:  # another synth finished the same layer first
        shutil.rmtree(tmp, ignore_errors=True)
    return dest


def build_layers(cache_root: Path = CACHE_ROOT) -> dict[str, Path]:
    return {name: build_layer(spec, cache_root) for name, spec in layer_specs().items()}


def main() -> int:
    for name, spec in layer_specs().items():
        t = time.perf_counter()
        path = build_layer(spec)
        size = sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        print(f"{name}: {path} ({size / 1e6:.1f} MB, {time.perf_counter() - t:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
