"""What a deployed function's cold start imports (issue 13): no handler pulls in a library its
hot path does not use. Behaviour, not timing (`python -m bench coldstart` has the figures).

- boto3 and s3transfer: the functions use botocore's low-level clients (functions/common/store.py,
  the table's wire format in functions/common/wire.py); `import boto3` also loads its resource
  factory and s3transfer.
- moto and werkzeug: the local stack's and the tests' only.
- powertools' HTTP event handler (its resolvers, their request validation, the HTTP event
  classes): the API handlers' only; a worker or the phase toggle serves no HTTP route.

And in a Lambda runtime the handler's modules load with the cyclic garbage collector paused
(functions/__init__.py, functions/common/coldstart.py).
"""

from __future__ import annotations

import ast
import gc
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

from functions.common.routes import ROUTES, WORKERS
from schemas.yamlfile import parsed_form, read_yaml

ROOT = Path(__file__).resolve().parents[2]
NEVER_AT_COLD_START = ("boto3", "s3transfer", "moto", "werkzeug")
PROBE = """
import importlib, json, sys
loaded = {}
for module in sys.argv[1:]:
    before = set(sys.modules)
    importlib.import_module(module)
    loaded[module] = sorted({m.split(".")[0] for m in set(sys.modules) - before})
print(json.dumps(loaded))
"""


def probe(code: str, *args: str, cwd: Path = ROOT, env: dict[str, str] | None = None) -> Any:
    """What the probe `code` prints as JSON, run in a fresh interpreter."""
    out = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)


def deployed_handlers() -> list[str]:
    contexts = sorted({r.function for r in ROUTES} | {"phases"})
    return [f"functions.{c}.handler" for c in contexts] + sorted(w.module for w in WORKERS)


def top_level_imports(modules: list[str]) -> dict[str, set[str]]:
    """Each module's top-level packages, imported in one fresh interpreter in turn (what the
    later ones share with the earlier ones is in neither's list, but in the union)."""
    return {m: set(pkgs) for m, pkgs in probe(PROBE, *modules).items()}


def test_no_deployed_handler_imports_boto3_s3transfer_or_the_local_stacks_libraries() -> None:
    handlers = deployed_handlers()
    assert "functions.selection.handler" in handlers and len(handlers) > 10
    loaded = top_level_imports(handlers)
    everything = set().union(*loaded.values())
    assert "botocore" in everything  # the probe does see the SDK the functions use
    assert not everything & set(NEVER_AT_COLD_START), {
        m: sorted(p & set(NEVER_AT_COLD_START)) for m, p in loaded.items()
    }


HTTP_ONLY = ("aws_lambda_powertools.event_handler", "aws_lambda_powertools.utilities.data_classes")
LOADED_PROBE = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps(sorted(m for m in sys.argv[2:] if m in sys.modules)))
"""


def _which_loaded(module: str, candidates: tuple[str, ...]) -> list[str]:
    return list(probe(LOADED_PROBE, module, *candidates))


def test_workers_and_the_phase_toggle_do_not_load_the_http_resolver() -> None:
    # It was most of a worker's import over the libraries it needs (logger, botocore, pydantic):
    # the logger lived in the resolver's module, and the xlsx helper imported its Response.
    assert _which_loaded("functions.selection.handler", HTTP_ONLY) == list(HTTP_ONLY)
    quiet = sorted(w.module for w in WORKERS) + ["functions.phases.handler"]
    assert len(quiet) >= 8
    for module in quiet:
        assert _which_loaded(module, HTTP_ONLY) == [], module


def test_data_files_are_parsed_by_libyaml_into_what_the_pure_python_parser_reads() -> None:
    # Where no parsed form is staged (tests, the local stack), data/vocab.yaml is read at
    # import: the pure-Python parser took ~20 ms of it.
    assert hasattr(yaml, "CSafeLoader")
    files = sorted((ROOT / "data").rglob("*.yaml"))
    assert len(files) >= 5
    for path in files:
        assert not parsed_form(path).exists(), "a parsed form in the repository shadows its YAML"
        assert read_yaml(path) == yaml.safe_load(path.read_text(encoding="utf-8")), path


DATA_PROBE = """
import json, sys
import functions.selection.handler, functions.projects.handler, functions.credits.handler
from schemas import calendar, credits, projects, regions, vocab
print(json.dumps({
    "yaml": sorted(m for m in sys.modules if m == "yaml" or m.startswith("yaml.")),
    "vocab": vocab.vocabulary().model_dump(mode="json"),
    "calendars": [c.model_dump(mode="json") for c in calendar.all_calendars()],
    "regions": regions.region_tree().model_dump(mode="json"),
    "quotas": projects.quota_table("2024H1").model_dump(mode="json"),
    "fees": [f.model_dump(mode="json") for f in projects.fee_standards()],
    "credits": credits.credits_config().model_dump(mode="json"),
}, sort_keys=True))
"""


def _data_seen_from(code: Path) -> dict[str, object]:
    found: dict[str, object] = probe(
        DATA_PROBE, cwd=code, env={**os.environ, "PYTHONPATH": str(code)}
    )
    return found


def test_the_deployed_asset_reads_its_data_without_pyyaml_into_the_same_models() -> None:
    """The code asset carries each data file's parsed form (written as it is staged): a
    function's cold start then never imports PyYAML (its import was about a tenth of one), and
    every data file validates into the same models as from the YAML."""
    from infra.assets import stage_code

    code = stage_code()
    staged = sorted((code / "data").rglob("*.yaml"))
    assert staged and all(parsed_form(p).is_file() for p in staged)
    deployed, repository = _data_seen_from(code), _data_seen_from(ROOT)
    assert deployed["yaml"] == [] and repository["yaml"] != []  # the probe sees an import
    for key in ("vocab", "calendars", "regions", "quotas", "fees", "credits"):
        assert deployed[key] and deployed[key] == repository[key], key


def test_every_deployed_handler_module_ends_by_resuming_the_garbage_collector() -> None:
    for module in deployed_handlers():
        tree = ast.parse((ROOT / (module.replace(".", "/") + ".py")).read_text(encoding="utf-8"))
        last = tree.body[-1]
        assert isinstance(last, ast.Expr) and ast.unparse(last) == "coldstart.loaded()", module


GC_PROBE = """
import gc, json
import functions.selection.handler
print(json.dumps([gc.isenabled(), gc.get_freeze_count(), gc.get_threshold()]))
"""


def _gc_after_import(env: dict[str, str]) -> list[object]:
    return list(probe(GC_PROBE, env=env))


def test_a_lambda_cold_start_loads_with_the_collector_paused_then_resumes_it() -> None:
    plain = {k: v for k, v in os.environ.items() if k != "AWS_LAMBDA_FUNCTION_NAME"}
    enabled, frozen, threshold = _gc_after_import({**plain, "AWS_LAMBDA_FUNCTION_NAME": "zjt"})
    # Paused during the imports: what they built was frozen out of later collections at the end.
    assert enabled is True and isinstance(frozen, int) and frozen > 10_000
    assert threshold == list(gc.get_threshold())
    # Outside Lambda (tests, the local stack) the collector is left alone.
    assert _gc_after_import(plain)[:2] == [True, 0]


BUILT_PROBE = """
import json
from pydantic import BaseModel
from schemas.base import Model
import functions.quality.handler
def subclasses(c):
    for s in c.__subclasses__():
        yield s
        yield from subclasses(s)
ours = [m for m in subclasses(BaseModel) if m.__module__.startswith("schemas.")]
print(json.dumps({
    "models": len(ours),
    "not_deferred": sorted(m.__qualname__ for m in ours if not issubclass(m, Model)),
    "built": sorted(m.__qualname__ for m in ours if m.__pydantic_complete__),
}))
"""


def test_a_handler_import_builds_few_of_the_models_it_names() -> None:
    # The quality function names 160-odd models (its routes' and the items it reads); building
    # each validator at import was most of its cold start. Only those the import itself uses
    # (the vocabulary it validates, models used as defaults) are built before a request.
    found = probe(BUILT_PROBE)
    assert found["models"] > 100 and found["not_deferred"] == []
    assert len(found["built"]) <= 12, found["built"]
