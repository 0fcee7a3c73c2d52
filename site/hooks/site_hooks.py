"""mkdocs hooks: the generated 进程表 page and the themed shell that project pages are poured into.

Project pages are not mkdocs pages (one markdown page per project is ~0.1 s and the auto nav grows
quadratically). Instead `on_post_build` renders the theme's `main.html` once for a stub page at
`projects/<id>/` whose title and content are placeholders; `build.py` substitutes each project's
jinja2-rendered body into that shell. Nav, CSS and scripts then match the handwritten pages.

`on_page_content` also keeps each handwritten page's title, URL and text for the site search
index that build.py writes (`PAGES_KEY`); mkdocs' own search plugin is off (see mkdocs.yml).

`on_files` adds the generated 进程表 and `assets/vocab.json` (the controlled vocabularies), and puts
the 使用指南's screenshots of the last browser-test run (`GUIDE_SHOTS`, untracked)
in place of the committed ones (`docs/guide/img/`): a test run never dirties the work tree, any
site built after it shows the pages as they are, and a fresh clone still has every picture.
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path
from typing import Any

from mkdocs.commands.build import get_context
from mkdocs.structure.files import File, Files
from mkdocs.structure.nav import Navigation
from mkdocs.structure.pages import Page
from mkdocs.structure.toc import get_toc

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `mkdocs serve -f site/mkdocs.yml` runs without the repo on the path
    sys.path.insert(0, str(ROOT))

from build import CONTENT_MARK, PAGES_KEY, SHELL_KEY, TITLE_MARK  # noqa: E402  (the contract)
from schemas.calendar import TermCalendar, term_calendar  # noqa: E402
from schemas.vocab import vocabulary  # noqa: E402

_state: dict[str, Any] = {}

# Written by tests/e2e/test_journeys.py; gitignored. Inside site/ so that a change to a picture
# counts as a change to the site's sources (build.py rebuilds the pages in full).
GUIDE_SHOTS = ROOT / "site" / "guide-shots"
GUIDE_IMG = "guide/img/"
# Beside the scripts that read it: `data/` is the published catalog's, which build.py owns.
VOCAB_JSON = "assets/vocab.json"
# The operators' API reference, rendered from the API document (sitebuild/apidoc.py).
API_PAGE = "operator/api.md"


def calendar_markdown(cal: TermCalendar) -> str:
    """The 进程表 page: every phase with its dates and actor; JS marks the open ones live."""
    rows = []
    for w in cal.phases:
        when = w.start.isoformat() if w.start == w.end else f"{w.start} 至 {w.end}"
        if w.opens_at:
            when += f"（{w.opens_at:%H:%M} 开始）"
        if w.closes_at:
            when += f"（{w.closes_at:%H:%M} 截止）"
        rows.append(
            f'<tr data-phase="{w.phase.value}"><td>{html.escape(w.name)}'
            f'<span class="zjt-phase-state" hidden>进行中</span></td>'
            f"<td>{html.escape(when)}</td><td>{html.escape(w.actor)}</td></tr>"
        )
    notice = f"（依据 {html.escape(cal.notice)}）" if cal.notice else ""
    return "\n".join(
        [
            "---",
            f"title: 进程表 {cal.name}",
            "scripts: [calendar]",
            "---",
            "",
            f"# {cal.name}培训工作进程表",
            "",
            f"本学期各环节的时间安排{notice}。正在进行的环节以高亮标出。",
            "",
            f'<p class="zjt-now" id="zjt-phases-now" data-term="{cal.term}"></p>',
            "",
            f'<div class="zjt-scroll zjt-calendar" data-term="{cal.term}"><table>',
            "<thead><tr><th>环节</th><th>时间</th><th>责任主体</th></tr></thead><tbody>",
            *rows,
            "</tbody></table></div>",
            "",
            f"每位教师本学期最多选择 {cal.limits.max_classes_per_teacher} 个班期。",
            "",
        ]
    )


def guide_screenshots(files: Files, config: Any, shots: Path = GUIDE_SHOTS) -> int:
    """Serve each committed guide picture from `shots` when a test run left a newer one there;
    returns how many were replaced."""
    replaced = 0
    for f in list(files):
        if not f.src_uri.startswith(GUIDE_IMG):
            continue
        shot = shots / f.src_uri.removeprefix(GUIDE_IMG)
        if shot.is_file():
            files.remove(f)
            files.append(File.generated(config, f.src_uri, abs_src_path=str(shot)))
            replaced += 1
    return replaced


def on_files(files: Files, config: Any) -> Files:
    term = str(config.extra.get("term") or "2024H1")
    cal = term_calendar(term)
    files.append(File.generated(config, "calendar.md", content=calendar_markdown(cal)))
    # The controlled vocabularies the forms offer (data/vocab.yaml), read by api.js `vocab()`.
    files.append(File.generated(config, VOCAB_JSON, content=vocabulary().as_json()))
    guide_screenshots(files, config)
    files.append(File.generated(config, API_PAGE, content=api_page()))
    return files


def api_page() -> str:
    """运维 › 接口说明, from the document `GET /api/openapi.json` serves (imported here, not at
    the top: building it imports every context's handler)."""
    from functions.apidoc.document import document
    from sitebuild.apidoc import api_markdown

    return api_markdown(document())


def on_nav(nav: Navigation, config: Any, files: Files) -> Navigation:
    _state["nav"] = nav
    _state["files"] = files
    return nav


def on_env(env: Any, config: Any, files: Files) -> Any:
    _state["env"] = env
    return env


def project_shell(config: Any) -> str:
    """Render main.html for a stub page at projects/<id>/ with placeholder title and content."""
    env, nav, files = _state["env"], _state["nav"], _state["files"]
    file = File.generated(config, "projects/zjt-stub.md", content="")
    page = Page(TITLE_MARK, file, config)
    page.content = CONTENT_MARK
    page.toc = get_toc([])
    page.meta = {"title": TITLE_MARK, "scripts": ["project"]}
    # Highlight 选课目录 in the tabs and nav: a project page belongs to the catalog.
    catalog = next((p for p in nav.pages if p.file.src_uri == "catalog.md"), None)
    if catalog is not None:
        catalog.active = True
    try:
        context = get_context(nav, files, config, page)
        return env.get_template("main.html").render(context)
    finally:
        if catalog is not None:
            catalog.active = False


_TAGS = re.compile(r"<[^>]+>")


def on_page_content(html_text: str, page: Page, config: Any, files: Files) -> str:
    """Keep the page's text for the site search (tags stripped, entities decoded)."""
    text = html.unescape(_TAGS.sub(" ", html_text))
    _state.setdefault("pages", {})[page.url] = (page.title or "", " ".join(text.split()))
    return html_text


def on_post_build(config: Any) -> None:
    config.extra[SHELL_KEY] = project_shell(config)
    config.extra[PAGES_KEY] = sorted(
        (url, title, text) for url, (title, text) in _state.pop("pages", {}).items()
    )
