# Developer entry points. `make venv` prepares .venv; `make test` is the project's one test entry
# (.ci/run calls exactly it): it installs what the tests need, Debian packages included.
VENV ?= .venv
PYTHON ?= python3
DEBIAN_TEST_PACKAGES = mmdebstrap debsums debhelper dh-python bash-completion pybuild-plugin-pyproject python3-all python3-hatchling python3-pytest python3-debian python3-distro python3-psutil python3-rich python3-prometheus-client dpkg-dev lintian

.PHONY: venv test debian-test-packages benchmark

venv: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

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

test: venv debian-test-packages
	$(VENV)/bin/python -m pytest

benchmark: venv
	$(VENV)/bin/python benchmarks/doctor_vs_pip_check.py
	$(VENV)/bin/python benchmarks/verify_vs_debsums.py
	$(VENV)/bin/python benchmarks/pip_guard.py
	$(VENV)/bin/python benchmarks/apt_hook.py
