"""The bureaus' per-term reports (issue 14): completion rate, credits posted, non-completion
counts, check-ins and evaluation averages, by county and by institution, for each region. Kept
by the scheduled credits aggregation (functions/credits/worker.py): a run reads, per class of the
term that has ended, its selections, check-ins and completions by the indexes their contexts
keep and its evaluation summary, and writes one partition per region (the province, each city,
each county). A report view reads one partition.

Evaluation figures are an institution's: answers are anonymous and carry no county, so a
county's row has none, and an institution's figures are over its rated classes (those with
enough answers) wherever their teachers come from."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from functions.common import catalog, keys, scope, xlsx
from functions.common.auth import require
from functions.common.errors import Forbidden, OutsideScope
from functions.common.settings import settings
from functions.quality import rules, store
from schemas.calendar import SHANGHAI
from schemas.catalog import ClassInfo
from schemas.credits import credits_config
from schemas.people import Role, User
from schemas.quality import ReportRow, ReportView
from schemas.regions import RegionLevel, region_tree

READERS = (*scope.BUREAUS, Role.CENTRE, Role.MONITOR)


def term_name(term: str) -> str:
    return f"{term[:4]}年{'上' if term.endswith('1') else '下'}半年"


def _class_cells(
    info: ClassInfo, cells: dict[tuple[str, str], ReportRow], names: dict[str, str]
) -> None:
    """Add one ended class's teachers to the (county, institution) cells."""
    county_of: dict[str, str] = {}
    for s in store.class_selections(info.class_id):
        if s["status"] == "confirmed":
            county_of[s["teacher_id"]] = s["region_code"]
    checked = {
        str(a["teacher_id"])
        for a in store.class_items(info.class_id, keys.ATT_PREFIX)
        if a.get("checked_in_at")
    }
    done = store.class_items(info.class_id, keys.DONE_PREFIX)
    iid = info.institution_id
    names[iid] = info.institution_name

    def cell(county: str) -> ReportRow:
        return cells.setdefault((county, iid), ReportRow(code=iid, name=info.institution_name))

    for tid, county in county_of.items():
        c = cell(county)
        cells[(county, iid)] = c.model_copy(
            update={"confirmed": c.confirmed + 1, "checked_in": c.checked_in + (tid in checked)}
        )
    for d in done:
        county = str(d.get("region_code") or county_of.get(str(d["teacher_id"]), ""))
        c = cell(county)
        passed = d.get("outcome") == "pass"
        cells[(county, iid)] = c.model_copy(
            update={
                "decided": c.decided + 1,
                "passed": c.passed + passed,
                "failed": c.failed + (not passed),
                "credits": c.credits + (int(d.get("credits", 0)) if passed else 0),
            }
        )


def aggregate_term(term: str, now: datetime) -> int:
    """One run over the term's classes that have ended; writes every region's partition.
    Returns the classes read."""
    today = now.astimezone(SHANGHAI).date()
    ev = credits_config().evaluation
    infos = [
        ClassInfo.of(p, k)
        for p in catalog.published_projects(term)
        for k in p.classes
        if not k.cancelled
    ]
    ended = [i for i in infos if i.end_date <= today]
    cells: dict[tuple[str, str], ReportRow] = {}
    names: dict[str, str] = {}
    for info in ended:
        _class_cells(info, cells, names)
    rated: dict[str, ReportRow] = {}
    summaries = store.summaries([i.class_id for i in ended]) if ended else {}
    for s in summaries.values():
        n = int(s.get("n", 0))
        if not rules.shown(n, ev):
            continue
        iid = str(s.get("institution_id", ""))
        r = rated.get(iid) or ReportRow(code=iid, name=str(s.get("institution_name", "")))
        rated[iid] = r.model_copy(
            update={
                "rated_classes": r.rated_classes + 1,
                "answers": r.answers + n,
                "overall_sum": r.overall_sum + int(s.get("sum_overall", 0)),
            }
        )
        names.setdefault(iid, r.name)
    tree = region_tree()
    at = now.isoformat()
    for region in [
        scope.PROVINCE,
        *(c.code for c in tree.cities()),
        *(c.code for c in tree.counties()),
    ]:
        counties = set(scope.counties_in(region, tree))
        by_inst: dict[str, ReportRow] = {}
        for (county, iid), c in cells.items():
            if county in counties:
                by_inst[iid] = by_inst[iid].plus(c) if iid in by_inst else c
        for iid, r in rated.items():
            if iid in by_inst:
                by_inst[iid] = by_inst[iid].plus(r)
        children = [c.code for c in tree.regions.values() if c.parent == region]
        by_region = []
        for child in children:
            within = set(scope.counties_in(child, tree))
            row = ReportRow(code=child, name=tree.full_name(child))
            for (county, _), c in cells.items():
                if county in within:
                    row = row.plus(c)
            by_region.append(row)
        summary = ReportRow(code=region, name=tree.full_name(region))
        for r in by_inst.values():
            summary = summary.plus(r)
        rows = [
            ("SUMMARY", summary),
            *(("R", r) for r in by_region),
            *(("I", r) for r in by_inst.values()),
        ]
        store.put_report(term, region, rows, at)
    return len(ended)


def _region_of(user: User, region: str | None) -> str:
    require(user, *READERS)
    base = scope.PROVINCE if user.role in (Role.CENTRE, Role.MONITOR) else scope.region_scope(user)
    if base is None:
        raise Forbidden()
    region = region or base
    if not region_tree().within(region, base):
        raise OutsideScope()
    return region


def report(user: User, term: str | None, region: str | None) -> ReportView:
    """A term's report for a region within the caller's: its own figures, its child regions and
    the institutions its teachers attended (bureaus; the centre and the monitor province-wide)."""
    region = _region_of(user, region)
    term = term or settings().term
    tree = region_tree()
    rows = store.report_rows(term, region)
    summary = next((r for kind, r, _ in rows if kind == "SUMMARY"), None)
    by_region = sorted((r for kind, r, _ in rows if kind == "R"), key=lambda r: r.code)
    by_inst = sorted(
        (r for kind, r, _ in rows if kind == "I"), key=lambda r: (-r.confirmed, r.name)
    )
    stamps = [a for _, _, a in rows]
    return ReportView(
        term=term,
        term_name=term_name(term),
        region_code=region,
        region_name=tree.full_name(region),
        level=tree.get(region).level.value,
        summary=summary,
        by_region=by_region if tree.get(region).level != RegionLevel.COUNTY else [],
        by_institution=by_inst,
        as_of=datetime.fromisoformat(min(stamps)) if stamps else None,
    )


HEADERS = (
    "名称",
    "已确认学员",
    "报到人数",
    "已认定",
    "合格",
    "不合格",
    "完成率",
    "登记学分",
    "参评班期",
    "评价人次",
    "总体满意度",
)


def _cells(r: ReportRow) -> tuple[object, ...]:
    return (
        r.name,
        r.confirmed,
        r.checked_in,
        r.decided,
        r.passed,
        r.failed,
        f"{r.completion_rate}%" if r.completion_rate is not None else "",
        r.credits,
        r.rated_classes,
        r.answers,
        r.overall if r.overall is not None else "",
    )


def report_xlsx(user: User, term: str | None, region: str | None) -> tuple[str, bytes]:
    """The report's tables in one sheet: the region, its child regions, then the institutions."""
    v = report(user, term, region)
    rows: list[tuple[object, ...]] = []
    if v.summary:
        rows.append(_cells(v.summary))
    if v.by_region:
        rows.append(("按地区",))
        rows += [_cells(r) for r in v.by_region]
    rows.append(("按培训机构",))
    rows += [_cells(r) for r in v.by_institution]
    data = _one_sheet("培训质量报表", HEADERS, rows)
    return f"{v.region_name}{v.term_name}培训质量报表.xlsx", data


def _one_sheet(title: str, header: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """One worksheet with a bold header row, written by functions/common/xlsx."""
    return xlsx.workbook([xlsx.Sheet(title, rows, header=header)])
