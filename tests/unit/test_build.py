"""build.py: catalog.json, project pages, validation, unchanged rebuilds, offline assets, 进程表."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from bench.bench_catalog import fake_projects
from build import BuildError, BuildReport, build, load_projects_file, validate_projects
from schemas.calendar import PhaseId, term_calendar
from schemas.catalog import CatalogEntry, Project, ProjectStatus

TERM = "2024H1"


@pytest.fixture(scope="module")
def projects() -> list[Project]:
    return fake_projects(3, seed=11, term=TERM)


@pytest.fixture(scope="module")
def draft() -> Project:
    base = fake_projects(4, seed=11, term=TERM)[3]
    return base.model_copy(
        update={"status": ProjectStatus.DRAFT, "title": "草稿项目不应出现在目录"}
    )


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, projects, draft) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("site") / "site"
    report = build([*projects, draft], out, TERM)
    return out, report


def test_catalog_json_lists_every_published_project(site, projects):
    out, report = site
    rows = json.loads((out / "catalog.json").read_text(encoding="utf-8"))
    entries = [CatalogEntry.model_validate(r) for r in rows]
    assert sorted(e.id for e in entries) == sorted(p.project_id for p in projects)
    assert report.projects == 3
    for e in entries:
        assert (out / e.url / "index.html").is_file()


def test_project_page_shows_title_fee_items_and_timetable(site, projects):
    out, _ = site
    for p in projects:
        page = (out / "projects" / p.project_id / "index.html").read_text(encoding="utf-8")
        assert p.title in page
        assert p.institution_name in page and p.leader.name in page
        for item in p.fee.items:
            assert f"<td>{item.name}</td>" in page
        for c in p.classes:
            assert f'data-class-id="{c.class_id}"' in page
            assert 'action="/api/selections" method="post"' in page
            for s in c.timetable:
                assert s.topic in page
        assert "zjt-timetable" in page
        assert "@@ZJT_" not in page


def test_draft_project_is_never_rendered(site, draft):
    out, report = site
    assert report.skipped_unpublished == 1
    assert not (out / "projects" / draft.project_id).exists()
    assert draft.title not in (out / "catalog.json").read_text(encoding="utf-8")


def test_export_file_skips_drafts_and_names_the_invalid_field(tmp_path, projects, draft):
    rows = [p.model_dump(mode="json") for p in [*projects, draft]]
    good = tmp_path / "good.json"
    good.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    loaded, skipped = load_projects_file(good, TERM)
    assert [p.project_id for p in loaded] == [p.project_id for p in projects] and skipped == 1

    rows[1]["classes"][0]["capacity"] = 0
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(BuildError) as exc:
        load_projects_file(bad, TERM)
    msg = str(exc.value)
    assert "bad.json[1]" in msg and projects[1].project_id in msg
    assert "classes.0.capacity" in msg


def test_missing_field_is_named():
    row = fake_projects(1)[0].model_dump(mode="json")
    del row["fee"]
    with pytest.raises(BuildError, match=r"export\.json\[0\].*field 'fee'"):
        validate_projects([row], "export.json")


def test_rebuild_with_same_data_rewrites_nothing(site, projects, draft):
    out, _ = site
    files = sorted(p for p in out.rglob("*") if p.is_file())
    before = {p: p.stat().st_mtime_ns for p in files}
    again = build([*projects, draft], out, TERM)
    assert again.project_pages_written == 0 and again.project_pages_unchanged == 3
    assert again.written == []
    assert {p: p.stat().st_mtime_ns for p in files} == before


def test_no_page_loads_assets_from_the_internet(site):
    out, _ = site
    bad = re.compile(
        r"https://fonts|cdn|<script[^>]+src=\"https?://|<link[^>]+href=\"https?://[^\"]+\.css"
    )
    offenders = [
        str(p.relative_to(out))
        for p in out.rglob("*")
        if p.suffix in {".html", ".css", ".js", ".json"}
        and bad.search(p.read_text(encoding="utf-8"))
    ]
    assert offenders == []


def test_calendar_page_lists_all_18_phases(site):
    out, _ = site
    page = (out / "calendar" / "index.html").read_text(encoding="utf-8")
    cal = term_calendar(TERM)
    rows = re.findall(r'<tr data-phase="(PH-[A-Z0-9-]+)"', page)
    assert len(PhaseId) == 18
    assert rows == [w.phase.value for w in cal.phases]
    for w in cal.phases:
        assert w.name.replace("“", "&ldquo;") in page or w.name in page
        assert w.actor in page


def test_every_handwritten_page_is_built_in_chinese(site):
    out, _ = site
    for rel in (
        "index.html",
        "catalog/index.html",
        "login/index.html",
        "my/index.html",
        "operator/index.html",
        "calendar/index.html",
    ):
        page = (out / rel).read_text(encoding="utf-8")
        assert '<html lang="zh"' in page
        assert 'id="zjt-userbar"' in page
