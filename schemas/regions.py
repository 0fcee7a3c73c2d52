"""Regions of Zhejiang: province, 11 cities, their counties/districts (data/regions.yaml)."""

from __future__ import annotations

from enum import StrEnum
from functools import cache

from pydantic import ConfigDict, Field

from schemas.base import Model
from schemas.calendar import DATA_DIR
from schemas.yamlfile import read_yaml

RegionCode = str  # six-digit administrative code


class RegionLevel(StrEnum):
    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"


class Region(Model):
    model_config = ConfigDict(frozen=True)

    code: RegionCode = Field(pattern=r"^\d{6}$")
    name: str
    level: RegionLevel
    parent: RegionCode | None = None


class RegionTree(Model):
    """The region tree; every scope check asks it whether one region lies within another."""

    model_config = ConfigDict(frozen=True)

    regions: dict[RegionCode, Region]

    def get(self, code: RegionCode) -> Region:
        return self.regions[code]

    def name(self, code: RegionCode) -> str:
        r = self.regions.get(code)
        return r.name if r else code

    def full_name(self, code: RegionCode) -> str:
        """e.g. 杭州市西湖区."""
        r = self.regions.get(code)
        if r is None:
            return code
        if r.level == RegionLevel.COUNTY and r.parent:
            return self.regions[r.parent].name + r.name
        return r.name

    def ancestors(self, code: RegionCode) -> list[RegionCode]:
        """`code` and every region above it."""
        out: list[RegionCode] = []
        cur: RegionCode | None = code
        while cur is not None and cur in self.regions:
            out.append(cur)
            cur = self.regions[cur].parent
        return out

    def within(self, code: RegionCode, scope: RegionCode) -> bool:
        """Does region `code` lie within (or equal) region `scope`?"""
        return scope in self.ancestors(code)

    def counties(self) -> list[Region]:
        return [r for r in self.regions.values() if r.level == RegionLevel.COUNTY]

    def cities(self) -> list[Region]:
        return [r for r in self.regions.values() if r.level == RegionLevel.CITY]


@cache
def region_tree() -> RegionTree:
    raw = read_yaml(DATA_DIR / "regions.yaml")
    prov = raw["province"]
    regions = {
        prov["code"]: Region(code=prov["code"], name=prov["name"], level=RegionLevel.PROVINCE)
    }
    for city in raw["cities"]:
        regions[city["code"]] = Region(
            code=city["code"], name=city["name"], level=RegionLevel.CITY, parent=prov["code"]
        )
        for code, name in city["counties"].items():
            regions[code] = Region(
                code=code, name=name, level=RegionLevel.COUNTY, parent=city["code"]
            )
    return RegionTree(regions=regions)
