# disputelib: `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
AS_OF ?= 2026-11-27
# The notebooks' kernel: the .venv interpreter, installed as a kernelspec inside .venv
KERNEL_NAME := disputelib
KERNEL := $(VENV)/share/jupyter/kernels/$(KERNEL_NAME)/kernel.json
# JupyterLab refuses to start as root without --allow-root
ALLOW_ROOT := $(if $(filter 0,$(shell id -u)),--allow-root,)
CHROMIUM ?= $(shell command -v chromium || command -v chromium-browser)
# Every test worker, notebook kernel and command the tests start imports disputelib: with
# PYTHONDONTWRITEBYTECODE set (some CI images set it) each of them would compile the package and
# pytest would rewrite the test modules again. pip has compiled the libraries in .venv already.
unexport PYTHONDONTWRITEBYTECODE

.DEFAULT_GOAL := help
.PHONY: help venv report test nbval lint bench sample lock clean notebooks lab docs

help: ## List the targets
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*## "}; {printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "$(PYTHON) not found: install Python 3.11 or run make PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

$(KERNEL): $(STAMP)
	$(BIN)/python -m ipykernel install --sys-prefix --name $(KERNEL_NAME) --display-name "disputelib (.venv)" >/dev/null

venv: $(STAMP) $(KERNEL) ## Create or refresh .venv from requirements.lock, with the "disputelib (.venv)" kernel

report: $(STAMP) $(KERNEL) ## Run the notebook report (ci config) on the embedded sample data, into reports/latest/
	$(BIN)/disputelib report --config conf/reports/ci.yaml --out reports

lint: $(STAMP) ## ruff
	$(BIN)/ruff check src tests bench

NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/.nbval-sanitize.cfg

test: $(STAMP) $(KERNEL) lint ## ruff, the whole test suite and the package's doctests, and the notebooks against their stored outputs (nbval), in one session
	$(BIN)/python -m pytest -n 2 --dist loadgroup --doctest-modules $(NBVAL) tests src/disputelib notebooks

nbval: $(STAMP) $(KERNEL) ## Only the notebooks against their stored outputs
	$(BIN)/python -m pytest $(NBVAL) notebooks -p no:cacheprovider

NOTEBOOKS := $(sort $(wildcard notebooks/*.ipynb))

notebooks: $(STAMP) $(KERNEL) ## Re-execute every notebook with its defaults in a clean kernel (the nbval baseline; no timing noise)
	@for nb in $(NOTEBOOKS); do \
		echo "running $$nb"; \
		$(BIN)/papermill --kernel $(KERNEL_NAME) --cwd notebooks --no-progress-bar --log-level WARNING "$$nb" "$$nb" || exit 1; \
	done
	$(BIN)/python -m disputelib.nbclean $(NOTEBOOKS)
	$(BIN)/jupyter trust $(NOTEBOOKS)

lab: $(STAMP) $(KERNEL) ## Open JupyterLab on notebooks/ with the "disputelib (.venv)" kernel, the notebooks trusted
	$(BIN)/jupyter trust $(NOTEBOOKS)
	$(BIN)/jupyter lab $(ALLOW_ROOT) --ServerApp.root_dir=$(CURDIR) --LabApp.default_url=/lab/tree/notebooks \
		--MappingKernelManager.default_kernel_name=$(KERNEL_NAME)

docs: $(STAMP) $(KERNEL) ## Screenshot of the ci report's landing page into docs/report.png (headless Chromium)
	@test -n "$(CHROMIUM)" || { echo "chromium not found: apt-get install -y chromium"; exit 1; }
	rm -rf .docs-report && $(BIN)/disputelib report --config conf/reports/ci.yaml --out .docs-report
	mkdir -p docs
	"$(CHROMIUM)" --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,1700 \
		--screenshot=$(CURDIR)/docs/report.png "file://$(CURDIR)/.docs-report/latest/index.html" 2>/dev/null
	rm -rf .docs-report

bench: $(STAMP) ## Benchmarks: eligibility vs a numpy floor, check-log, simulator, backup import, CLI start-up (print figures; never part of the tests)
	$(BIN)/python bench/bench_eligibility.py
	$(BIN)/python bench/bench_check_log.py
	$(BIN)/python bench/bench_simulate.py
	$(BIN)/python bench/bench_import.py
	$(BIN)/python bench/bench_cli_startup.py

sample: $(STAMP) ## Rebuild data/sample/ from its fixed seed
	$(BIN)/python -m disputelib.sample data/sample

lock: ## Re-resolve requirements.lock from pyproject.toml (then re-run the notebooks)
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet --upgrade pip setuptools wheel
	.lock-venv/bin/python -m pip install --quiet -e ".[dev]"
	{ echo "# Exact versions of everything .venv holds: the one install source (Makefile, environment.yml)."; \
	  echo "# Regenerate with 'make lock' after changing dependencies in pyproject.toml."; \
	  .lock-venv/bin/python -m pip freeze --all --exclude-editable | grep -v "^disputelib"; } > requirements.lock
	rm -rf .lock-venv

clean: ## Remove the virtualenv, caches and generated reports
	rm -rf $(VENV) reports .docs-report .pytest_cache .ruff_cache .hypothesis
