# The two commands a newcomer needs: `make run` (set up, run the app) and `make test` (set up, run tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8501

.PHONY: setup constraints run test check validate bench clean

# Installs are pinned by constraints.txt (the tests turn warnings into errors: a new release must not
# change them unseen); `make constraints` rewrites it from a fresh virtual environment of the project
# with its `app` and `test` extras (so nothing another install left in .venv is pinned).
$(VENV)/.installed: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[app,test]'
	$(PY) -m portfolio assets
	touch $@

setup: $(VENV)/.installed

constraints:
	set -e; fresh=$$(mktemp -d); trap 'rm -rf "$$fresh"' EXIT; \
	$(PYTHON) -m venv "$$fresh"; \
	"$$fresh/bin/python" -m pip install --quiet --upgrade pip; \
	"$$fresh/bin/python" -m pip install --quiet -c constraints.txt '.[app,test]'; \
	{ sed -n '1,3p' constraints.txt; "$$fresh/bin/python" -m pip freeze | grep -v '^cantho-portfolio'; } > constraints.txt.new
	mv constraints.txt.new constraints.txt

run: setup
	$(PY) -m portfolio serve --server.headless=true --server.port=$(PORT)

test: setup
	$(PY) -m pytest

# The static checks CI runs before the tests: lint, formatting and strict typing of the library, the
# app and the tests (configured in pyproject.toml).
check: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy --strict portfolio app.py tests

validate: setup
	$(PY) -m portfolio validate

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) static/vendor .pytest_cache
