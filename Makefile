# Two commands do all the set-up on a fresh Debian machine with Python 3.11:
#   make demo   -- the store demo end to end on ../shared/data
#   make test   -- the test suite (what .ci/run runs)
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
DATA   ?= ../shared/data
OUT    ?= out
DEMO_ARGS ?=

.PHONY: install mosquitto browser postgres demo console-demo test lint bench clean

install: $(STAMP)

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[cloud,fleet,dev]'
	@touch $@

# Mosquitto is a system package: tests and the demo start their own broker
# process on a free port, they never rely on a system service.
mosquitto:
	@command -v mosquitto >/dev/null 2>&1 || test -x /usr/sbin/mosquitto || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto )

# Headless Chromium and its WebDriver for the signage end-to-end tests and
# benchmark; promtool (Debian package prometheus) checks the /metrics output.
browser:
	@( command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1 && \
	   command -v promtool >/dev/null 2>&1 ) || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver prometheus )

# PostgreSQL server binaries (initdb, pg_ctl) for the warehouse conformance tests and
# benchmarks/ingest_scale.py: they start a throw-away server in a temp dir, never a system cluster.
postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 || \
	  ( $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql )

demo: install mosquitto
	$(PY) -m deploy.demo --data-dir $(DATA) --out $(OUT) $(DEMO_ARGS)

# The fleet console (docs/console.md) with simulated devices: prints the URL and two logins.
console-demo: install mosquitto
	$(PY) -m deploy.console_demo $(CONSOLE_DEMO_ARGS)

# pytest exits 5 when it collected nothing: a broken suite, never a pass.
test: install mosquitto browser postgres
	@$(PY) -m pytest -q; rc=$$?; \
	  if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; exit $$rc

lint: install
	$(VENV)/bin/ruff check .

bench: install mosquitto browser postgres
	$(PY) -m benchmarks.edge_latency --rate 1000 --seconds 10
	$(PY) -m benchmarks.signage_latency
	$(PY) -m benchmarks.reliability
	$(PY) -m benchmarks.camera_fps
	$(PY) -m benchmarks.ingest_scale
	$(PY) -m benchmarks.fleet_service
	$(PY) -m benchmarks.fleet_console

clean:
	rm -rf $(OUT) .pytest_cache
