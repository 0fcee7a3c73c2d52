"""The one code asset holds every handler the stack points at, and nothing generated."""

from __future__ import annotations

from functions.common.routes import WORKERS, functions
from infra.assets import code_files


def test_asset_holds_every_handler_schemas_data_and_the_site_build() -> None:
    files = {rel for rel, _ in code_files()}
    for ctx in [*functions(), "phases"]:
        assert f"functions/{ctx}/handler.py" in files, ctx
    for w in WORKERS:
        assert f"{w.module.replace('.', '/')}.py" in files, w.name
    assert {"schemas/calendar.py", "data/terms/2024H1.yaml", "build.py", "site/mkdocs.yml"} <= files
    assert {"sitebuild/catalog.py", "sitebuild/search.py", "sitebuild/manifest.py"} <= files
    assert not [f for f in files if "__pycache__" in f or f.endswith(".pyc")]
    assert not [f for f in files if f.startswith(("tests/", "infra/", ".venv/", "site/build/"))]
