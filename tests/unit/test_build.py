"""build.py: the catalog data, the search index, project pages, page scripts, validation,
unchanged rebuilds, offline assets, 进程表."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import build as build_module
from build import (
    MANIFEST_FILE,
    BuildError,
    BuildReport,
    build,
    build_dir,
    load_projects_file,
    read_manifest,
    validate_projects,
)
from local.synthetic import fake_projects
from schemas.calendar import PhaseId, term_calendar
from schemas.catalog import Project, ProjectStatus
from sitebuild.search import decode_postings, shard_of, tokens

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
    report = build_dir([*projects, draft], out, TERM)
    return out, report


def catalog_rows(out: Path) -> list[dict]:
    """Every row of the catalog's parts, decoded as catalog.js decodes them."""
    index = json.loads((out / "data/catalog/index.json").read_text(encoding="utf-8"))
    rows = []
    for part in index["parts"]:
        data = json.loads((out / part["file"]).read_text(encoding="utf-8"))
        for a in data["rows"]:
            row = {
                c: data["dict"][c][a[i]] if c in data["dict"] else a[i]
                for i, c in enumerate(data["cols"])
            }
            rows.append({**row, "stage": data["stage"]})
    return rows


def test_catalog_data_lists_every_published_project_once(site, projects):
    out, report = site
    rows = catalog_rows(out)
    assert sorted(r["id"] for r in rows) == sorted(p.project_id for p in projects)
    assert report.projects == 3
    by_id = {p.project_id: p for p in projects}
    for r in rows:
        p = by_id[r["id"]]
        assert (r["title"], r["inst"], r["stage"], r["subject"]) == (
            p.title,
            p.institution_name,
            p.stage,
            p.subject,
        )
        assert (out / "projects" / r["id"] / "index.html").is_file()


def test_first_view_index_holds_the_first_page_and_one_part_per_stage(tmp_path):
    """The first view reads index.json only: totals, filter values and the first page of
    cards in start order; each stage's rows are in that stage's part alone."""
    projects = fake_projects(60, seed=3, term=TERM)
    build(projects, tmp_path, TERM)
    index = json.loads((tmp_path / "data/catalog/index.json").read_text(encoding="utf-8"))
    assert index["total"] == 60
    starts = sorted(
        (min(c.start_date for c in p.classes).isoformat(), p.project_id) for p in projects
    )
    assert [r["id"] for r in index["first"]] == [pid for _, pid in starts[: index["page"]]]
    stages = {p.stage for p in projects}
    assert {part["stage"] for part in index["parts"]} == stages
    for part in index["parts"]:
        assert part["n"] == sum(p.stage == part["stage"] for p in projects)
    assert len(catalog_rows(tmp_path)) == 60


def search_hits(out: Path, term: str) -> set[str]:
    """Project ids the index gives for one term (the lookup search.js does)."""
    meta = json.loads((out / "data/search/index.json").read_text(encoding="utf-8"))
    shard = json.loads(
        (out / f"data/search/t/{shard_of(term, meta['shards'])}.json").read_text(encoding="utf-8")
    )
    numbers = [n for part in shard.get(term, "|").split("|") for n in decode_postings(part)]
    ids = set()
    for n in numbers:
        block = json.loads(
            (out / f"data/search/d/{n // meta['block']}.json").read_text(encoding="utf-8")
        )
        ids.add(block[n % meta["block"]][0])
    return ids


def test_search_word_finds_every_project_that_contains_it(tmp_path):
    """Every dictionary word inside a longer one is a term (jieba full mode): 心理健康 and 小学
    find every project whose text holds them, also inside 心理健康教育 or 中小学."""
    base = fake_projects(40, seed=5, term=TERM)
    special = base[0].model_copy(update={"title": "中小学心理健康教育专题研修", "theme": "x"})
    projects = [special, *base[1:]]
    build(projects, tmp_path, TERM)
    assert {"心理", "心理健康", "健康", "教育"} <= tokens("心理健康教育")
    expected = {p.project_id for p in projects if "心理健康" in f"{p.title}{p.theme}{p.field}"}
    assert special.project_id in expected
    assert search_hits(tmp_path, "心理健康") == expected
    in_text = {p.project_id for p in projects if "小学" in f"{p.title}{p.theme}{p.stage}"}
    assert special.project_id in in_text
    assert search_hits(tmp_path, "小学") == in_text


def test_search_index_has_the_handwritten_pages(site):
    out, _ = site
    meta = json.loads((out / "data/search/index.json").read_text(encoding="utf-8"))
    pages = {url: terms.split() for _, url, terms in meta["pages"]}
    assert "选课" in pages["catalog/"]
    assert "进程" in pages["calendar/"]  # 进程表 is searched as 进程 + 表


def test_each_page_loads_only_its_own_script(site):
    """api.js and shell.js (the role navigation) everywhere; a page's own script only on that
    page; search.js on none (it loads when the search opens)."""
    out, _ = site
    scripts = re.compile(r'<script src="[./]*assets/js/([a-z]+)\.js"')

    def page_scripts(rel: str) -> list[str]:
        return scripts.findall((out / rel).read_text(encoding="utf-8"))

    assert page_scripts("catalog/index.html") == ["api", "shell", "catalog"]
    assert page_scripts("calendar/index.html") == ["api", "shell", "calendar"]
    assert page_scripts("index.html") == ["api", "shell"]
    assert page_scripts("orders/county/index.html") == ["api", "shell", "orders"]
    some = next((out / "projects").iterdir()) / "index.html"
    assert scripts.findall(some.read_text(encoding="utf-8")) == ["api", "shell", "project"]
    assert not (out / "search").exists()  # mkdocs' own search index is gone
    every = {s for p in out.rglob("*.html") for s in scripts.findall(p.read_text(encoding="utf-8"))}
    assert every <= {p.stem for p in (out / "assets/js").glob("*.js")}
    assert "search" not in every


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
    assert draft.title not in json.dumps(catalog_rows(out), ensure_ascii=False)


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
    again = build_dir([*projects, draft], out, TERM)
    assert not again.full and again.mkdocs_seconds == 0
    assert again.project_pages_written == 0 and again.project_pages_unchanged == 3
    assert again.written == [] and again.removed == []
    assert {p: p.stat().st_mtime_ns for p in files} == before


@pytest.fixture
def thirty(tmp_path) -> tuple[Path, list[Project]]:
    projects = fake_projects(30, seed=17, term=TERM)
    build_dir(projects, tmp_path, TERM)
    return tmp_path, projects


def retitled(p: Project, title: str) -> Project:
    return p.model_copy(update={"title": title})


def test_one_changed_project_rewrites_its_page_and_the_data_it_is_in_only(thirty):
    """Given only the changed project, the build runs no mkdocs, renders one page, and writes
    only the catalog part and the search files its words are in."""
    out, projects = thirty
    files = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    before = read_manifest(out)
    assert before is not None
    changed = retitled(projects[4], "乡村教师心理健康教育能力提升研修")
    report = build_dir([changed], out, TERM, complete=False)
    assert not report.full and report.mkdocs_seconds == 0
    assert report.project_pages_written == 1 and report.project_pages_unchanged == 29
    page = f"projects/{changed.project_id}/index.html"
    old, new = before.projects[changed.project_id], report.manifest.projects[changed.project_id]
    words = (old.terms ^ new.terms) | (old.title_terms ^ new.title_terms)
    shards = json.loads((out / "data/search/index.json").read_bytes())["shards"]
    index = json.loads((out / "data/catalog/index.json").read_bytes())
    part = next(p["file"] for p in index["parts"] if p["stage"] == changed.stage)
    may = {
        page,
        part,
        "data/catalog/index.json",
        f"data/search/d/{new.number // 32}.json",
        *(f"data/search/t/{shard_of(w, shards)}.json" for w in words),
    }
    assert {page, part} <= set(report.written) <= may
    rewritten = {p for p, ns in files.items() if p.stat().st_mtime_ns != ns}
    assert {p.relative_to(out).as_posix() for p in rewritten} == {*report.written, MANIFEST_FILE}
    # the rest of the catalog is still whole: every project is in the parts and the search
    rows = catalog_rows(out)
    assert len(rows) == 30 and changed.title in [r["title"] for r in rows]
    assert changed.project_id in search_hits(out, "乡村")


def test_a_project_gone_from_a_complete_build_loses_its_page_and_rows(thirty):
    out, projects = thirty
    gone = projects[7]
    report = build_dir(projects[:7] + projects[8:], out, TERM)
    assert f"projects/{gone.project_id}/index.html" in report.removed
    assert not (out / "projects" / gone.project_id).exists()
    assert gone.project_id not in {r["id"] for r in catalog_rows(out)}
    assert report.project_pages_written == 0


def test_search_numbers_stay_when_projects_are_added(thirty):
    """A new project takes the next number: the title blocks of the others are not rewritten."""
    out, projects = thirty
    before = read_manifest(out)
    assert before is not None
    new = fake_projects(31, seed=23, term=TERM)[30].model_copy(update={"project_id": "P99999"})
    new = new.model_copy(
        update={
            "classes": tuple(
                c.model_copy(update={"class_id": f"P99999-C{i}"})
                for i, c in enumerate(new.classes, 1)
            )
        }
    )
    report = build_dir([new], out, TERM, complete=False)
    after = read_manifest(out)
    assert after is not None
    assert {pid: e.number for pid, e in before.projects.items()} == {
        pid: e.number for pid, e in after.projects.items() if pid != "P99999"
    }
    assert after.projects["P99999"].number == 30
    assert [r for r in report.written if r.startswith("data/search/d/")] == ["data/search/d/0.json"]


def test_changed_sources_make_a_full_build_and_refuse_a_partial_one(
    thirty, monkeypatch: pytest.MonkeyPatch
):
    out, projects = thirty
    monkeypatch.setattr(build_module, "source_digest", lambda term: "a new deployment")
    assert build_module.needs_full_build(read_manifest(out), TERM)
    with pytest.raises(BuildError, match="built in full"):
        build_dir([projects[0]], out, TERM, complete=False)
    report = build_dir(projects, out, TERM)
    assert report.full and report.mkdocs_seconds > 0


def test_manifest_round_trips_and_a_damaged_one_means_a_full_build(thirty):
    out, _ = thirty
    manifest = read_manifest(out)
    assert manifest is not None
    again = type(manifest).from_bytes(manifest.to_bytes())
    assert again == manifest
    (out / MANIFEST_FILE).write_bytes(b"not a manifest")
    assert read_manifest(out) is None


def test_no_page_loads_assets_from_the_internet(site):
    out, _ = site
    bad = re.compile(
        r"https://fonts|//[^\"' ]*cdn|<script[^>]+src=\"https?://|<link[^>]+href=\"https?://[^\"]+\.css"
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


def test_the_operator_section_has_the_api_reference(site):
    out, _ = site
    page = (out / "operator/api/index.html").read_text(encoding="utf-8")
    assert "接口说明" in page and "<code>POST /api/selections</code>" in page
