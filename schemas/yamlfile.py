"""Reading the data files (`data/**/*.yaml`).

The deployed code asset carries each file's parsed form beside it, `<name>.yaml.json`, written
when the asset is staged (`compile_data`, called by `infra.assets` as it writes the bytecode): a
function reads that with the json module it has anyway and never imports PyYAML, whose import
alone (it compiles large Unicode regular expressions) was about a tenth of a handler's cold
start. Where there is no parsed form (the repository, the tests, the local stack) the YAML is
read with libyaml's parser when PyYAML has it (its wheels do), the pure-Python one otherwise:
same documents, same values, the safe constructor either way.
"""

from __future__ import annotations

import json
from datetime import date, time
from pathlib import Path
from typing import Any

PARSED_SUFFIX = ".json"  # data/vocab.yaml -> data/vocab.yaml.json


def parsed_form(path: Path) -> Path:
    return path.with_name(path.name + PARSED_SUFFIX)


def read_yaml(path: Path) -> Any:
    """The YAML document in `path` (safe types only), from its parsed form when there is one.
    Dates and times come back as ISO text from the parsed form; the models read both."""
    parsed = parsed_form(path)
    if parsed.is_file():
        return json.loads(parsed.read_bytes())
    return parse_yaml(path)


def parse_yaml(path: Path) -> Any:
    import yaml  # only where no parsed form was staged (see the module's docstring)

    loader: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(path.read_text(encoding="utf-8"), Loader=loader)  # noqa: S506 (safe loader)


def _iso(value: object) -> str:
    if isinstance(value, date | time):  # datetime is a date
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} has no JSON form")


def compile_data(root: Path) -> list[Path]:
    """Write the parsed form of every YAML file under `root` beside it; returns what it wrote."""
    written = []
    for path in sorted(root.rglob("*.yaml")):
        text = json.dumps(parse_yaml(path), ensure_ascii=False, default=_iso, sort_keys=True)
        parsed_form(path).write_text(text, encoding="utf-8")
        written.append(parsed_form(path))
    return written
