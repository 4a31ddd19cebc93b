# Two commands: `make run` (local stack) and `make test` (lint, types, tests). See README.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MOTO_PORT ?= 5055
STAMP := $(VENV)/.installed

.PHONY: run invoke test lint typecheck unit venv bench openapi clean system-deps bench-exports bench-import token bench-batch infra-check bench-infra bench-deps bench-search backfill-search drill

$(STAMP): requirements.txt requirements-dev.txt requirements-workers.txt requirements-infra.txt | system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

venv: $(STAMP)

# Native libraries of WeasyPrint (leaflet PDFs, docs/exports.md) and a font for them. Installed
# with apt-get only when missing (CI runs as root on Debian); otherwise says what to install.
SYSTEM_DEPS := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
system-deps:
	@missing=""; \
	for package in $(SYSTEM_DEPS); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" \
			|| missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "missing system packages:$$missing (run: sudo apt-get install$$missing)" >&2; \
			exit 1; \
		fi; \
	fi

# Engines the search benchmark compares with (bench/anchors/README.md): PostgreSQL + PostGIS
# from Debian (a throwaway cluster run as the postgres user) and dynalite (DynamoDB on LevelDB,
# from npm, into bench/.node/). Each is installed only when missing; apt-get only as root.
BENCH_APT_DEPS := postgresql postgis postgresql-15-postgis-3
DYNALITE := bench/.node/node_modules/dynalite/cli.js
bench-deps:
	@missing=""; \
	for package in $(BENCH_APT_DEPS); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "install ok installed" \
			|| missing="$$missing $$package"; \
	done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing system packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
				apt-get install -y -qq --no-install-recommends $$missing; \
		else \
			echo "missing system packages:$$missing (run: sudo apt-get install$$missing)" >&2; \
			exit 1; \
		fi; \
	fi
	@command -v npm >/dev/null || { echo "bench-deps needs Node.js and npm for dynalite" >&2; exit 1; }
	@test -f $(DYNALITE) || npm install --silent --no-audit --no-fund --prefix bench/.node dynalite@4.0.0
	@# --help alone would not load the LevelDB binding (classic-level, prebuilt in the package).
	@node $(DYNALITE) --help >/dev/null \
		&& node -e "require('./bench/.node/node_modules/classic-level/binding.js')" \
		|| { echo "dynalite does not run (node $(DYNALITE))" >&2; exit 1; }
	@echo "bench-deps: PostgreSQL + PostGIS and dynalite ready"

run: $(STAMP)
	PORT=$(PORT) $(BIN)/python -m devtools.local_stack

# One worker of functions/ against the running `make run` (its .local/env); see devtools/invoke.py.
# make invoke FN=stats-snapshot EVENT='{"day": "2026-12-04"}'
invoke: ; $(BIN)/python -m devtools.invoke $(FN) $(if $(EVENT),--event '$(EVENT)')

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# Layer contracts of pyproject.toml [tool.importlinter] (docs/architecture.md).
.PHONY: importlint
importlint: $(STAMP)
	$(BIN)/lint-imports

unit: $(STAMP)
	$(BIN)/pytest -n 2

# The AWS stack (docs/infra.md): synthesis of every stage offline (no Docker, no AWS account),
# cdk-nag and cfn-lint; skipped when nothing it reads changed since the last run. jsii runs
# aws-cdk-lib on Node.js, hence the check for node.
infra-check: $(STAMP)
	@command -v node >/dev/null || { echo "infra-check needs Node.js (>= 20) for aws-cdk-lib" >&2; exit 1; }
	$(BIN)/python -m infra.check --if-stale

test: lint typecheck importlint infra-check unit

# Search CPU per request beside PostGIS, on dynalite (docs/search.md); needs `make bench-deps`.
bench bench-search: $(STAMP)
	$(BIN)/python -m bench.search_cpu

openapi: $(STAMP)
	$(BIN)/python -m devtools.write_openapi

# A back-office bearer token for the local stack: make -s token ROLE=admin DEPARTMENTS=75,93
token: $(STAMP)
	@$(BIN)/python -m devtools.token --role "$(ROLE)" --departments "$(DEPARTMENTS)" \
		--subject "$(SUBJECT)" --name "$(NAME)"

bench-import: $(STAMP)
	$(BIN)/python -m bench.import_bench

bench-batch: $(STAMP)
	$(BIN)/python -m bench.batch_bench

bench-exports: $(STAMP)
	$(BIN)/python -m bench.exports_bench

bench-infra: $(STAMP)
	$(BIN)/python -m bench.infra_bench

# The crisis drill (docs/drill.md): the lockdown report's workload x SCALE over HTTP against
# the stack of `make run` (another terminal, same PORT), every figure checked in /admin/stats.
SCALE ?= 0.05
drill:  # no venv step: `make run` (already running) needed it
	$(BIN)/python -m devtools.drill --scale $(SCALE) --base-url http://127.0.0.1:$(PORT)

# The search-backfill function against the local stack (`make run` in another terminal).
backfill-search: $(STAMP)
	MOTO_PORT=$(MOTO_PORT) $(BIN)/python -m devtools.search_backfill

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .local
