# Developer entry points. `make venv` prepares .venv to run pyguard (its runtime dependencies
# only); `make test` is the project's one test entry (.ci/run calls exactly it): it adds the test
# extras to the same venv and installs the Debian packages the tests need.
VENV ?= .venv
# Debian's own interpreter when there is one: a venv made from pyenv's python3 (first on root's
# PATH on many machines) runs an interpreter under /root that other users cannot read.
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
PIP = $(VENV)/bin/python -m pip install --quiet --disable-pip-version-check
DEBIAN_TEST_PACKAGES = mmdebstrap debsums lz4 zstd debhelper dh-python bash-completion pybuild-plugin-pyproject python3-all python3-hatchling python3-pytest python3-debian python3-distro python3-psutil python3-rich python3-prometheus-client dpkg-dev lintian

.PHONY: venv test-venv test debian-test-packages venv-module benchmark

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml | venv-module
	$(PYTHON) -m venv $(VENV)
	$(PIP) -e .
	touch $@

test-venv: $(VENV)/.test-installed

$(VENV)/.test-installed: $(VENV)/.installed
	$(PIP) -e '.[test]'
	touch $@

# Debian splits venv's ensurepip into python3-venv: as root, install it; else say so.
venv-module:
	@if ! $(PYTHON) -c 'import ensurepip, venv' 2>/dev/null; then \
	  if [ "$(PYTHON)" = /usr/bin/python3 ] && [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv; \
	  else \
	    echo "make: $(PYTHON) cannot make a venv: apt install python3-venv (as root)" >&2; exit 1; \
	  fi; \
	fi

# System tests build real Debian roots: they need root and Debian's mmdebstrap. Without root they
# skip loudly (and fail under CI=true).
debian-test-packages:
	@if [ "$$(id -u)" = 0 ]; then \
	  missing=""; for p in $(DEBIAN_TEST_PACKAGES); do \
	    dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	  done; \
	  if [ -n "$$missing" ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	  fi; \
	fi

# The unit tests in one process (the rule-coverage test reads what that process's doctor runs
# fired), then the system tests, each minutes of apt and dpkg inside a root, on every core (at
# most four: each worker holds a root's overlay and apt's memory). Both run, whatever the first
# says, and `make test` fails if either did.
TEST_WORKERS ?= $(shell n=$$(nproc); [ $$n -gt 4 ] && n=4; echo $$n)

test: test-venv debian-test-packages
	@status=0; \
	$(VENV)/bin/python -m pytest tests/unit || status=1; \
	$(VENV)/bin/python -m pytest -n $(TEST_WORKERS) tests/system || status=1; \
	exit $$status

# The table of issue 13 (pyguard as installed, and the venv's, against pip check, debsums, pip,
# apt-config and dpkg), how doctor's cost grows, each figure in detail, then the launcher's table
# on equal bookworm and trixie roots (as root; Python 3.11 against 3.13).
benchmark: venv
	$(VENV)/bin/python benchmarks/table.py
	$(VENV)/bin/python benchmarks/growth.py
	$(VENV)/bin/python benchmarks/verify_vs_debsums.py
	$(VENV)/bin/python benchmarks/pip_guard.py
	$(VENV)/bin/python benchmarks/apt_hook.py
	$(VENV)/bin/python benchmarks/releases.py
