"""Reading the data files (`data/**/*.yaml`): with libyaml's parser when PyYAML has it (its
wheels do), the pure-Python one otherwise. Same documents, same values (the constructor is the
safe one either way); the pure-Python parser took ~20 ms of every cold start for
`data/vocab.yaml`, which `schemas.vocab` reads at import."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

LOADER: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: Path) -> Any:
    """The YAML document in `path` (safe types only)."""
    return yaml.load(path.read_text(encoding="utf-8"), Loader=LOADER)  # noqa: S506 (safe loader)
