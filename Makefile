# The two commands a user needs: `make lab` and `make test`. Everything else supports them.
# bootstrap.py does the setup (interpreter check, .venv, packages with uv or pip) and says what it
# does; `python3 bootstrap.py` does the same without make.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 4599
export VENV

.PHONY: venv lab test lint unit notebooks-test notebooks notebooks-localstack bench sandbox-start sandbox-stop clean

# Checks the interpreter first; creates .venv and installs requirements.txt when it changed.
$(VENV)/.installed: requirements.txt bootstrap.py
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11-3.14 (or run make PYTHON=/path/to/python3.x)"; exit 1; }
	@$(PYTHON) bootstrap.py setup

venv: $(VENV)/.installed

## make lab: set up if needed, start the sandbox and open JupyterLab (LAB_BACKEND=localstack|aws: no sandbox)
lab:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found: install Python 3.11-3.14 (or run make PYTHON=/path/to/python3.x)"; exit 1; }
	@PORT=$(PORT) $(PYTHON) bootstrap.py lab

## make test: lint, unit, sandbox and conformance tests, then every notebook with nbval. Every part
## runs even when an earlier one fails; the summary names what failed and make exits non-zero.
test: venv
	@lint=passed; unit=passed; notebooks=passed; \
	$(MAKE) --no-print-directory lint || lint=FAILED; \
	$(MAKE) --no-print-directory unit || unit=FAILED; \
	$(MAKE) --no-print-directory notebooks-test || notebooks=FAILED; \
	echo "make test: lint $$lint, unit tests $$unit, notebooks $$notebooks"; \
	[ $$lint = passed ] && [ $$unit = passed ] && [ $$notebooks = passed ]

## make lint: ruff over the code and the notebooks (ruff.toml)
lint: venv
	$(VENV)/bin/ruff check .

unit: venv
	@echo "== pytest: unit, sandbox, conformance and end-to-end tests"
	$(PY) -m pytest

notebooks-test: venv
	@echo "== nbval: every notebook against one fresh sandbox, outputs compared"
	$(PY) tests/run_nbval.py

## make notebooks: re-execute every notebook on a fresh sandbox and save its outputs
notebooks: venv
	$(PY) -m lab_helpers.notebook_runner notebooks

## make notebooks-localstack: run every notebook twice with LAB_BACKEND=localstack (on a sandbox), save nothing
notebooks-localstack: venv
	$(PY) -m lab_helpers.notebook_runner notebooks --check --backend localstack

## make bench: the sandbox's speed figures (not part of make test)
bench: venv
	$(PY) bench/run.py

sandbox-start: venv
	$(PY) -m aws_sandbox start --port $(PORT)

sandbox-stop: venv
	$(PY) -m aws_sandbox stop --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache
