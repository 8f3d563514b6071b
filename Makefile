# The two commands a user needs: `make lab` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PORT   ?= 4599
# JupyterLab refuses to start as root (common in containers) unless told it may.
JUPYTER_LAB := $(VENV)/bin/jupyter lab --notebook-dir=notebooks $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: venv lab test lint unit notebooks-test notebooks bench sandbox-start sandbox-stop clean

# The .pth file puts the repo on the venv's path, so notebook kernels (which run in notebooks/)
# import lab_helpers without an install step.
$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	$(PY) -c "import site, sys; open(site.getsitepackages()[0] + '/api-composition-kit.pth', 'w').write(sys.argv[1] + '\n')" "$(CURDIR)"
	touch $@

venv: $(VENV)/.installed

## make lab: start the sandbox and open JupyterLab on the notebooks (LAB_BACKEND=localstack|aws: no sandbox)
lab: venv
ifeq ($(filter-out sandbox,$(LAB_BACKEND)),)
	$(PY) -m aws_sandbox start --port $(PORT)
	AWS_ENDPOINT_URL=http://127.0.0.1:$(PORT) $(JUPYTER_LAB)
else
	$(JUPYTER_LAB)
endif

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
	$(PY) -m pytest

notebooks-test: venv
	$(PY) tests/run_nbval.py

## make notebooks: re-execute every notebook on a fresh sandbox and save its outputs
notebooks: venv
	$(PY) -m lab_helpers.notebook_runner notebooks

## make bench: the sandbox's speed figures (not part of make test)
bench: venv
	$(PY) bench/run.py

sandbox-start: venv
	$(PY) -m aws_sandbox start --port $(PORT)

sandbox-stop: venv
	$(PY) -m aws_sandbox stop --port $(PORT)

clean:
	rm -rf $(VENV) .pytest_cache
