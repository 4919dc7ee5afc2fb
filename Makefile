# The course's commands. `make` alone lists them. Targets are thin: logic lives in the
# `mlplatform` CLI (src/mlplatform/cli.py) and in pytest.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PIP_VERSION := 25.2
# Two cores: one thread per worker, or torch and BLAS oversubscribe (design.md section 5).
THREADS := OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
WORKERS ?= 2
CI ?= false
# Tests run notebooks in fast mode: same code, less data.
PYTEST := $(THREADS) MLPLATFORM_FAST=1 $(BIN)/python -m pytest

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-18s %s\n", $$1, $$2}'

$(INSTALLED): requirements.lock pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed, found " + sys.version.split()[0] + ": install it, or run make PYTHON=/path/to/python3.11"'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check pip==$(PIP_VERSION)
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m pip check
	@touch $@

DEBIAN_PACKAGES := platform/local/debian-packages.txt
# Which of them to install: all by default; `make setup` asks only for prometheus (the platform runs it).
SYSTEM_PACKAGES ?= $$(grep -vE '^[[:space:]]*(\#|$$)' $(DEBIAN_PACKAGES) | xargs)
system-packages: ## Install the Debian packages in platform/local/debian-packages.txt that are missing
	@command -v dpkg-query >/dev/null || { echo "not a Debian system: install these yourself if you need them: $(SYSTEM_PACKAGES) (on macOS, Prometheus: brew install prometheus)"; exit 0; }; \
	missing=$$(printf '%s\n' $(SYSTEM_PACKAGES) | while read -r pkg; do \
		dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null | grep -q 'ok installed' || echo "$$pkg"; done | xargs); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -ne 0 ]; then echo "missing Debian packages; run: sudo apt-get install -y --no-install-recommends $$missing"; exit 0; fi; \
	echo "installing Debian packages: $$missing"; \
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends $$missing \
		|| { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q -o DPkg::Lock::Timeout=300 --no-install-recommends $$missing; }; \
	if printf '%s\n' $$missing | grep -qx prometheus; then $(MAKE) --no-print-directory stop-system-prometheus; fi

# Debian's prometheus package starts a system-wide server on 0.0.0.0:9090 where an init system runs
# (not in containers, whose policy-rc.d refuses it): the course runs its own on 127.0.0.1 with its own
# configuration (`mlplatform up`), so the one the package just started is stopped and disabled.
stop-system-prometheus:
	@if [ -d /run/systemd/system ] && command -v systemctl >/dev/null; then \
		systemctl disable --now prometheus.service 2>/dev/null && echo "stopped and disabled the system Prometheus service (re-enable: systemctl enable --now prometheus)" || true; \
	elif [ -x /etc/init.d/prometheus ]; then \
		{ /etc/init.d/prometheus stop >/dev/null 2>&1 || true; } && update-rc.d prometheus disable >/dev/null 2>&1 || true; \
	fi

setup: $(INSTALLED) data ## Create .venv, install the pinned packages, fetch the data, install Prometheus
	@$(MAKE) --no-print-directory system-packages SYSTEM_PACKAGES=prometheus
	@echo "setup done: $(BIN)/python"

data: $(INSTALLED) ## Fetch MovieLens 100K and verify its checksums
	$(BIN)/mlplatform data

platform-up: $(INSTALLED) ## Start the local platform (MLflow, the Feast feature server, the model services on 127.0.0.1)
	$(BIN)/mlplatform up

serve: $(INSTALLED) ## Start only the model services (the recommender), beside a running MLflow and Feast
	$(BIN)/mlplatform up --only models

platform-down: $(INSTALLED) ## Stop the local platform
	$(BIN)/mlplatform down

platform-status: $(INSTALLED) ## Show each local service: health, readiness, URL, pid and log
	$(BIN)/mlplatform status

cluster-check: $(INSTALLED) ## Check Docker, kind, kubectl, inotify limits and ports for cluster mode
	$(BIN)/mlplatform cluster check

cluster-up: $(INSTALLED) ## Create the kind cluster and install KFP, MLflow, MinIO, Postgres, Feast
	$(BIN)/mlplatform cluster up

cluster-down: $(INSTALLED) ## Delete the kind cluster
	$(BIN)/mlplatform cluster down

cluster-status: $(INSTALLED) ## List the cluster's pods that are not ready, with their last logs
	$(BIN)/mlplatform cluster status

images: $(INSTALLED) ## Build platform/images/* and load them into the kind cluster
	$(BIN)/mlplatform cluster images

cluster-deploy: $(INSTALLED) ## Deploy the model services into the kind cluster (after images and a champion)
	$(BIN)/mlplatform cluster deploy

# Jupyter refuses to run as root unless told; containers and cloud shells often are root.
AS_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup platform-up ## Set everything up and open JupyterLab on chapter 00
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir="$(CURDIR)" $(AS_ROOT) \
		chapters/ch00_setup_and_tour.ipynb

labs: $(INSTALLED) ## Generate labs/ from solutions/
	$(BIN)/mlplatform labs

LAB ?=
SUBMISSIONS ?=
grade: system-packages setup ## Grade a folder of submissions: make grade LAB=01 SUBMISSIONS=submissions/lab01
	@test -n "$(LAB)" -a -n "$(SUBMISSIONS)" || { echo "usage: make grade LAB=01 SUBMISSIONS=path/to/folder"; exit 2; }
	$(BIN)/mlplatform grade "$(SUBMISSIONS)" --lab "$(LAB)"

# A throwaway platform (empty .platform/, MLflow and Feast on free ports) per run: the outputs are what a
# learner starting fresh sees, and a running platform is not touched. CHAPTERS=chapters/ch04*.ipynb for some.
CHAPTERS ?= chapters/*.ipynb
chapters: setup ## Run the chapters in order, in full mode, on a fresh platform; keep the outputs (slow)
	$(BIN)/mlplatform execute $(CHAPTERS) --full --in-place --fresh-platform

test: system-packages setup ## Run every test: unit, data, model, grading, notebooks (papermill, fast mode) and nbval
	$(PYTEST) -n $(WORKERS) --dist loadscope -m "not cluster" tests chapters \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
		--nbval-sanitize-with tests/notebooks/sanitize.cfg || [ $$? -eq 5 ]

test-unit: system-packages setup ## Run the unit, data and grading tests only (no notebooks)
	$(PYTEST) -n $(WORKERS) tests -m "not notebooks and not cluster" || [ $$? -eq 5 ]

test-notebooks: setup ## Execute every notebook in fast mode, then nbval the chapters
	$(PYTEST) -n $(WORKERS) --dist loadscope -m "not cluster" tests/notebooks chapters \
		--nbval-lax --nbval-current-env --nbval-cell-timeout=600 \
		--nbval-sanitize-with tests/notebooks/sanitize.cfg || [ $$? -eq 5 ]

site: $(INSTALLED) ## Build the course website into _build/site (committed outputs, no execution) and check it
	$(BIN)/mlplatform site build

site-serve: site ## Serve the built website on http://127.0.0.1:8000 (SITE_PORT to change)
	$(BIN)/mlplatform site serve

bench: setup ## Run every benchmark in benchmarks/ (prints tables, writes benchmarks/results/*.json)
	@shopt -s nullglob; scripts=(benchmarks/bench_*.py); \
	if [ $${#scripts[@]} -eq 0 ]; then echo "no benchmarks yet"; fi; \
	for script in "$${scripts[@]}"; do $(THREADS) $(BIN)/python "$$script"; done

loadtest: $(INSTALLED) ## Load the running model services with locust at 1, 10, 50 users (LOADTEST_SECONDS=20 each)
	$(THREADS) $(BIN)/mlplatform loadtest

lint: $(INSTALLED) ## Check style with ruff (no changes)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check --diff .

format: $(INSTALLED) ## Fix style with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

lock: $(INSTALLED) ## Re-resolve requirements.in into requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check -r requirements.in
	$(BIN)/python -m pip freeze --exclude-editable | $(BIN)/python -m mlplatform.lockfile > requirements.lock

clean: ## Stop the platform and remove the environment, data and platform state
	-$(BIN)/mlplatform down
	rm -rf $(VENV) data .platform .cache .pytest_cache .ruff_cache

.PHONY: help system-packages stop-system-prometheus setup data platform-up platform-down platform-status serve cluster-check cluster-up \
	cluster-down cluster-status images cluster-deploy lab labs chapters test test-unit \
	test-notebooks bench loadtest lint format lock clean grade site site-serve
