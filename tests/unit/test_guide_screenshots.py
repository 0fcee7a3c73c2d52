"""The 使用指南's pictures: a browser-test run leaves its screenshots in an untracked directory and
the site build serves them in place of the committed ones; without a run the committed ones stay."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

from mkdocs.config import load_config
from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files

ROOT = Path(__file__).resolve().parents[2]


def _hooks() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "zjt_site_hooks", ROOT / "site/hooks/site_hooks.py"
    )
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _config() -> MkDocsConfig:
    config = load_config(str(ROOT / "site/mkdocs.yml"))
    # What a build sets while it runs the hooks (File.generated records which plugin made a file).
    config.plugins._current_plugin = None  # type: ignore[attr-defined]
    return config


def _files(config: MkDocsConfig) -> Files:
    return Files(
        [
            File.generated(config, "guide/img/teacher-home.png", content=b"committed"),
            File.generated(config, "guide/img/school-home.png", content=b"committed"),
            File.generated(config, "index.md", content="# 首页"),
        ]
    )


def test_a_test_runs_screenshot_replaces_the_committed_picture(tmp_path: Path) -> None:
    hooks = _hooks()
    config = _config()
    (tmp_path / "teacher-home.png").write_bytes(b"from this run")
    files = _files(config)

    assert hooks.guide_screenshots(files, config, shots=tmp_path) == 1

    served = files.get_file_from_path("guide/img/teacher-home.png")
    assert served is not None and served.content_bytes == b"from this run"
    kept = files.get_file_from_path("guide/img/school-home.png")
    assert kept is not None and kept.content_bytes == b"committed"
    assert len(files) == 3


def test_without_a_test_run_the_committed_pictures_stay(tmp_path: Path) -> None:
    hooks = _hooks()
    config = _config()
    files = _files(config)

    assert hooks.guide_screenshots(files, config, shots=tmp_path / "absent") == 0
    served = files.get_file_from_path("guide/img/teacher-home.png")
    assert served is not None and served.content_bytes == b"committed"


def test_the_screenshot_directory_is_untracked_and_every_guide_picture_is_committed() -> None:
    hooks = _hooks()
    ignored = (ROOT / ".gitignore").read_text(encoding="utf-8").split()
    assert "/" + hooks.GUIDE_SHOTS.relative_to(ROOT).as_posix() + "/" in ignored
    guide = ROOT / "site/docs/guide"
    for md in guide.glob("*.md"):
        for name in re.findall(r"\]\(img/([\w-]+\.png)\)", md.read_text("utf-8")):
            assert (guide / "img" / name).is_file(), f"{md.name} shows img/{name}, not committed"
