# The two commands of the README: `make dev` (run the platform locally) and `make test`.
# Each installs what it needs itself: a venv from pyproject.toml, and Debian chromium for the
# browser tests.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: dev test reset lint bench site synth chromium clean vendor

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Chinese fonts too: the browser tests take the 使用指南 screenshots, which must show Chinese.
chromium:
	@{ command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -q "Noto Sans CJK"; } || { \
	  echo "installing Debian chromium and Chinese fonts for the browser tests"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; }

## Run the platform on http://127.0.0.1:$(PORT): site at /, API at /api/, demo data loaded.
dev: $(STAMP)
	$(PY) -m local.run --port $(PORT)

## Run the whole test suite (unit, integration, infra, e2e in headless chromium).
test: $(STAMP) chromium
	$(PY) -m pytest

## Wipe local data (DynamoDB journal, dev clock, keys); the next `make dev` reloads the demo data.
reset:
	rm -rf .local

lint: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy schemas functions local sitebuild build.py

## Benchmarks: print figures (catalog build, DynamoDB endpoint, selection latency and calls).
bench: $(STAMP)
	$(PY) -m bench

## Build the static site from the demo data into build/site.
site: $(STAMP)
	$(PY) -m local.demosite --out build/site

## Synthesize the CDK app into cdk.out and lint the template (no AWS account needed).
synth: $(STAMP)
	$(PY) -m infra.app
	$(VENV)/bin/cfn-lint --regions $$($(PY) -c "from infra.config import load_config, CHINA_REGIONS as C; r = load_config().deployment.region; print(' '.join(C) if r in C else r)") -- cdk.out/zjtrain.template.json

clean:
	rm -rf build .pytest_cache .mypy_cache .ruff_cache

## Refresh the vendored browser libraries from the npm registry (versions in package.json):
## ECharts for the dashboard (site assets), axe-core for the accessibility tests.
vendor:
	npm install --no-audit --no-fund
	cp node_modules/echarts/dist/echarts.common.min.js node_modules/echarts/LICENSE node_modules/echarts/NOTICE site/docs/assets/vendor/echarts/
	cp node_modules/axe-core/axe.min.js tests/e2e/vendor/axe.min.js
	cp node_modules/axe-core/LICENSE tests/e2e/vendor/axe-LICENSE

