# plateledger — developer entry points. Everything installs into ./.venv.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?=
READS ?= 100000000
PORT ?= 8000

.PHONY: oversight-screenshots oversight-verify install demo test test-real-photos lint bench bench-policy bench-audit bench-recognition clean eval-classifier \
	browser spark-up spark-down bench-national fuzz

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required (set PYTHON=/path/to/python3.11)"; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip==25.3
	$(BIN)/python -m pip install --quiet -e '.[dev,recognize,spark]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/plateledger demo --port $(PORT)

test: $(STAMP) browser
	$(BIN)/python -m pytest -q --durations=15

# Every real photo of ../shared/data/plates through the CLI (make test reads every sixth).
test-real-photos: $(STAMP)
	PLATELEDGER_ALL_PHOTOS=1 $(BIN)/python -m pytest -q -s tests/recognize/test_real_photos_cli.py

# Debian's Chromium for the UI's browser tests (tests/browser) and Debian's mosquitto broker for
# the MQTT ingest tests. Installed when missing and we can (root + apt); otherwise those tests
# skip locally. CI sets PLATELEDGER_REQUIRE_BROWSER=1 and PLATELEDGER_REQUIRE_MQTT=1.
browser:
	@command -v chromium >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }; } \
		|| echo "chromium not installed: tests/browser will be skipped (they fail when PLATELEDGER_REQUIRE_BROWSER=1, as in CI)"; }
	@command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1 \
		&& { DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null 2>&1 \
		|| { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq mosquitto >/dev/null; }; } \
		|| echo "mosquitto not installed: the MQTT ingest tests will be skipped (they fail when PLATELEDGER_REQUIRE_MQTT=1, as in CI)"; }

# A local standalone Spark cluster (master + 2 workers on loopback) from the pyspark wheel.
spark-up: $(STAMP)
	$(BIN)/python -m plateledger.scale.cluster up

spark-down: $(STAMP)
	$(BIN)/python -m plateledger.scale.cluster down

NATIONAL_READS := $(if $(filter command line environment,$(origin READS)),$(READS),200000000)
bench-national: $(STAMP)
	$(BIN)/python bench/bench_national.py --reads $(NATIONAL_READS)

# Deeper fuzzing than CI's light pass: schemathesis over every endpoint + property-based parsers.
fuzz: $(STAMP)
	PLATELEDGER_FUZZ=deep $(BIN)/python -m pytest -q tests/security -k fuzz

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: $(STAMP) bench-policy bench-audit
	$(BIN)/python bench/run.py --reads $(READS) $(if $(DATA),--shared-data $(DATA),)

bench-policy: $(STAMP)
	$(BIN)/python bench/bench_hotlist.py
	$(BIN)/python bench/bench_policy.py --networks 5000
	$(BIN)/python bench/bench_search_path.py
	$(BIN)/python bench/bench_classifier.py $(if $(DATA),--data $(DATA),)

bench-audit: $(STAMP)
	$(BIN)/python bench/bench_audit_store.py
	$(BIN)/python bench/bench_merkle.py
	$(BIN)/python bench/bench_oversight.py 1000000

bench-recognition: $(STAMP)
	$(BIN)/python bench/bench_recognition.py --data $(or $(DATA),../shared/data/plates) --split stock,default,accurate

eval-classifier: $(STAMP)
	$(BIN)/python bench/eval_adversarial.py --data $(if $(DATA),$(DATA),../shared/data)
	$(BIN)/python bench/eval_classifier.py --data $(if $(DATA),$(DATA),../shared/data)

clean:
	rm -rf $(VENV) plateledger-data .pytest_cache .mypy_cache .ruff_cache

oversight-screenshots:  ## regenerate the report screenshots in docs/img (skips without ../shared)
	$(BIN)/python scripts/oversight_screenshots.py

oversight-verify:  ## recompute docs/oversight.md figures with independent DuckDB SQL
	$(BIN)/python scripts/oversight_verify.py
