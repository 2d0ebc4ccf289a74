# distrl: `make run` (IMPALA on Catch, local_mp, 2 actors) and `make test`.
# Both create .venv with Python 3.10 and install the pinned lock file when
# .venv is missing or the lock changed; otherwise they install nothing.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
LOCK := requirements/py310.lock
STAMP := $(VENV)/.installed-lock
LOGDIR ?= logs/impala_catch
PYTEST_ARGS ?=

.PHONY: run test test-fast bench clean-venv

$(STAMP): $(LOCK) setup.py
	@PY310=$$(PYENV_VERSION=3.10.13 command -v python3.10 2>/dev/null); \
	if [ -z "$$PY310" ] || ! PYENV_VERSION=3.10.13 "$$PY310" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	  echo "error: Python 3.10 not found. Launchpad 0.5.2 has no wheels for 3.11+."; \
	  echo "Install it (e.g. 'pyenv install 3.10.13' or apt-get install python3.10 python3.10-venv) and retry."; \
	  exit 1; fi; \
	if [ ! -x $(PY) ]; then PYENV_VERSION=3.10.13 "$$PY310" -m venv $(VENV); fi
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps -r $(LOCK)
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps --no-build-isolation -e .
	@touch $(STAMP)

run: $(STAMP)
	$(PY) -m launch --program=impala --env=catch --num_actors=2 \
	  --max_seconds=90 --logdir=$(LOGDIR) --fresh

test: $(STAMP)
	$(PY) -m pytest -q tests $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q tests -m "not learning and not launch" $(PYTEST_ARGS)

bench: $(STAMP)
	$(PY) -m benchmarks.impala
	$(PY) -m benchmarks.dqn_family
	$(PY) -m benchmarks.r2d2
	$(PY) -m benchmarks.parameter_server_programs
	$(PY) -m benchmarks.checkpoints

clean-venv:
	rm -rf $(VENV)
