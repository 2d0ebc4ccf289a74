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

.PHONY: run test test-packages test-fast bench bench-studies clean-venv

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
	  --max_seconds=90 --target_return=0.9 --logdir=$(LOGDIR) --fresh

# The multi_host tests make their test hosts with iproute2's `ip netns`.
test-packages:
	@command -v ip >/dev/null || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends iproute2; }

test: $(STAMP) test-packages
	$(MAKE) --no-print-directory bazel-ci
	$(PY) -m pytest -q tests $(PYTEST_ARGS)

test-fast: $(STAMP)
	$(PY) -m pytest -q tests -m "not learning and not launch" $(PYTEST_ARGS)

# bench: every program on every task it fits, one table appended to
# benchmarks/results.md (BENCH_ARGS=--quick: a few minutes; --seeds=3).
# bench-studies: the per-family studies (peers, replay ratio, workers, ...).
BENCH_ARGS ?=
bench: $(STAMP)
	$(PY) -m benchmarks --record $(BENCH_ARGS)

bench-studies: $(STAMP)
	$(PY) -m benchmarks.impala
	$(PY) -m benchmarks.dqn_family
	$(PY) -m benchmarks.r2d2
	$(PY) -m benchmarks.parameter_server_programs
	$(PY) -m benchmarks.checkpoints
	$(PY) -m benchmarks.multi_host
	$(PY) -m benchmarks.dpg
	$(PY) -m benchmarks.map_reduce
	$(PY) -m benchmarks.central_inference
	$(PY) -m benchmarks.learner_replicas

clean-venv:
	rm -rf $(VENV) .venv-rllib

# bench-rllib: RLlib's PPO on CartPole-v1, the peer of ours (issue 14;
# benchmarks/rllib_ppo_peer.py), in a venv of its own: .venv-rllib, Ray 2.12 +
# TensorFlow 2.15 (CPU) from requirements/rllib.lock, made or updated when it
# is missing or the lock changed. RLLIB_ARGS: e.g. --seeds=3 --seconds=300.
RLLIB_VENV := .venv-rllib
RLLIB_LOCK := requirements/rllib.lock
RLLIB_STAMP := $(RLLIB_VENV)/.installed-lock
RLLIB_ARGS ?=

.PHONY: bench-rllib

$(RLLIB_STAMP): $(RLLIB_LOCK)
	@PY310=$$(PYENV_VERSION=3.10.13 command -v python3.10 2>/dev/null); \
	if [ -z "$$PY310" ] || ! PYENV_VERSION=3.10.13 "$$PY310" -c 'import sys; assert sys.version_info[:2] == (3, 10)' 2>/dev/null; then \
	  echo "error: Python 3.10 not found (rllib.lock is resolved for it)."; \
	  echo "Install it (e.g. 'pyenv install 3.10.13' or apt-get install python3.10 python3.10-venv) and retry."; \
	  exit 1; fi; \
	if [ ! -x $(RLLIB_VENV)/bin/python ]; then PYENV_VERSION=3.10.13 "$$PY310" -m venv $(RLLIB_VENV); fi
	$(RLLIB_VENV)/bin/pip install --disable-pip-version-check -q --no-deps -r $(RLLIB_LOCK)
	@touch $(RLLIB_STAMP)

bench-rllib: $(RLLIB_STAMP)
	$(RLLIB_VENV)/bin/python -m benchmarks.rllib_ppo_peer $(RLLIB_ARGS)

# Bazel (tools/bazel/README.md): Debian's bazel-bootstrap 4.2.3, offline, on
# the pinned venv. bazel-test: rewrite the BUILD files from the imports, then
# every unit test, one py_test per module; bazel-ci (for `make test`): the
# BUILD files match the imports, every target builds, a few tests run.
BAZEL := bazel
BAZEL_CI_TESTS := //tests/programs/nodes:imports_test //tests/programs/nodes:lifecycle_test \
  //tests/agents/impala:config_test //tests/agents/es:maths_test \
  //tests/agents/common:value_rescaling_test

.PHONY: bazel-install bazel-build-files bazel-check bazel-test bazel-ci

bazel-install:
	@command -v $(BAZEL) >/dev/null || { apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends bazel-bootstrap; }

bazel-build-files:
	python3 tools/bazel/build_files.py

bazel-check:
	python3 tools/bazel/build_files.py --check

bazel-test: $(STAMP) bazel-install bazel-build-files
	$(BAZEL) test //... $(BAZEL_ARGS)

bazel-ci: $(STAMP) bazel-install bazel-check
	@status=0; $(BAZEL) build --build_manual_tests //... && $(BAZEL) test $(BAZEL_CI_TESTS) $(BAZEL_ARGS) || status=$$?; \
	  $(BAZEL) shutdown; exit $$status

# XManager for launch_type=vertex_ai (launch/vertex_ai.py): an optional extra
# on top of the pinned lock, not part of `make test`. Checks that XManager,
# Launchpad's Vertex AI launcher and the pinned stack import together.
XM_LOCK := requirements/xmanager.lock

.PHONY: install-xmanager

install-xmanager: $(STAMP)
	$(VENV)/bin/pip install --disable-pip-version-check -q --no-deps -r $(XM_LOCK)
	TF_CPP_MIN_LOG_LEVEL=2 $(PY) -W ignore -c 'from xmanager import xm, xm_local; \
	  from launchpad.launch.xm_docker import launch; import tensorflow, reverb, launchpad; \
	  print("XManager", xm_local.__name__, "imports beside TensorFlow", tensorflow.__version__)'
