"""Layers come from pyproject.toml's pinned ranges; one test runs the real pip build."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from infra import layers


def test_runtime_layer_requirements_are_pyprojects_ranges_without_the_xray_sdk() -> None:
    reqs = layers.runtime_requirements()
    assert "aws-lambda-powertools>=3.10,<4" in reqs  # no [tracer]: no X-Ray SDK to import
    names = {layers.requirement_name(r) for r in reqs}
    assert {"pydantic", "pyyaml", "cachetools"} <= names
    assert "pydantic-settings" not in names  # functions.common.settings reads the environment


def test_publish_layer_adds_what_build_py_needs() -> None:
    spec = layers.layer_specs()["publish"]
    names = {layers.requirement_name(r) for r in spec.requirements + spec.sdist_only}
    assert {"aws-lambda-powertools", "jinja2", "mkdocs", "mkdocs-material", "jieba"} <= names


def test_cache_key_follows_the_requirements(tmp_path: Path) -> None:
    pyproject = tmp_path / "pyproject.toml"
    text = layers.PYPROJECT.read_text()
    pyproject.write_text(text)
    before = layers.layer_specs(pyproject)["runtime"].key()
    assert layers.layer_specs(pyproject)["runtime"].key() == before
    pyproject.write_text(text.replace('"cachetools>=5.3,<7"', '"cachetools>=5.3,<6"'))
    assert layers.layer_specs(pyproject)["runtime"].key() != before


def test_real_runtime_layer_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """pip fetches manylinux2014_x86_64 / cp311 wheels into <dir>/python (needs PyPI)."""
    spec = layers.layer_specs()["runtime"]
    t = time.perf_counter()
    path = layers.build_layer(spec, cache_root=tmp_path)
    seconds = time.perf_counter() - t
    print(f"runtime layer built in {seconds:.1f} s")
    site = path / "python"
    assert (path / ".complete").exists()
    assert path.name == f"runtime-{spec.key()}"
    for pkg in ("aws_lambda_powertools", "pydantic", "yaml", "cachetools"):
        assert (site / pkg).is_dir(), pkg
    assert not (site / "aws_xray_sdk").exists()  # no tracer extra
    # bytecode a read-only mount can use: unchecked-hash pycs (flags word 0b01), none left by pip
    pyc = site / "pydantic" / "__pycache__" / "main.cpython-311.pyc"
    assert int.from_bytes(pyc.read_bytes()[4:8], "little") == 0b01
    cores = list((site / "pydantic_core").glob("_pydantic_core.cpython-311-x86_64-linux-gnu.so"))
    assert cores, "pydantic_core must be the Linux x86_64 CPython 3.11 build"

    # a second call is a cache hit: pip is not run again
    def no_pip(*args: object, **kwargs: object) -> None:
        raise AssertionError("pip ran for a cached layer")

    monkeypatch.setattr(layers.subprocess, "run", no_pip)
    assert layers.build_layer(spec, cache_root=tmp_path) == path
