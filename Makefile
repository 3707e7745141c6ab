# Strengthening painful bones: a patient-information assistant.
# `make run` and `make test` set up whatever is missing (venv, packages, content database,
# spaCy pipeline, trained model) and then do their job. `make help` lists every target.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV    := .venv
PY      := $(VENV)/bin/python
RASA    := $(PY) -m rasa
# Rasa 3.6 needs Python 3.10: take it from pyenv (on PATH or in ~/.pyenv), else from PATH.
PYTHON310 ?= $(firstword $(wildcard $(shell pyenv root 2>/dev/null)/versions/3.10*/bin/python3.10 $(HOME)/.pyenv/versions/3.10*/bin/python3.10) $(shell command -v python3.10 2>/dev/null))

export RASA_TELEMETRY_ENABLED := false
export TF_CPP_MIN_LOG_LEVEL := 2
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
export PYTHONPATH := $(CURDIR)

CONTENT  := $(shell find content -type f 2>/dev/null)
CONTENT_SRC  := $(shell find bot -name '*.py')  # the content database is built by bot/ (content, paths, settings, retrieval)
DB       := build/content.db
SPACY    := build/spacy/en_bones/meta.json
MODEL    := models/bones.tar.gz
SAFETY   := build/safety/model.pkl
RASA_IN  := config.yml domain.yml $(wildcard data/*.yml) $(SPACY)

WIDGET   := sites/patients/widget/dist/widget.js
WEB_SRC  := $(addprefix sites/patients/widget/,package.json package-lock.json) $(wildcard sites/patients/widget/src/*)

CHROMIUM := /usr/bin/chromium
SUDO     := $(if $(filter 0,$(shell id -u)),,sudo)

.PHONY: help setup db spacy model web browser services run triage staff check test pytest check-content review-pack validate test-conversations cross-validate bench audit lock clean

help: ## list the targets and what they do
	@grep -E '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-20s %s\n", $$1, $$2}'

$(VENV)/.installed: requirements.txt requirements-test.txt requirements-nodeps.txt constraints.txt
	@test -n "$(PYTHON310)" || { echo "Python 3.10 not found: install it with pyenv (pyenv install 3.10) and retry"; exit 1; }
	test -x $(PY) || $(PYTHON310) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip<24.1" setuptools wheel
	$(PY) -m pip install --quiet -r requirements.txt -r requirements-test.txt -c constraints.txt
	$(PY) -m pip install --quiet --no-deps -r requirements-nodeps.txt -c constraints.txt
	touch $@

$(DB): $(VENV)/.installed $(CONTENT) $(CONTENT_SRC)
	$(PY) -m bot build-db

$(SPACY): $(VENV)/.installed content/lexicon.yml bot/understanding/nlp.py bot/content/lexicon.py
	$(PY) -m bot build-spacy

$(SAFETY): $(VENV)/.installed data/safety/examples.yml data/safety/crisis.yml $(wildcard data/nlu*.yml) $(wildcard bot/safety/*.py) $(wildcard content/safety/*.yml) $(wildcard eval/safety/dev.jsonl eval/safety/heldback.jsonl eval/crisis/dev.jsonl)
	$(PY) -m bot build-safety-model

$(MODEL): $(VENV)/.installed $(RASA_IN)
	$(RASA) train --quiet --fixed-model-name bones --out models
	touch $@

$(WIDGET): $(WEB_SRC)
	@command -v npm >/dev/null || { echo "npm not found: install Node.js and npm (apt-get install nodejs npm)"; exit 1; }
	cd sites/patients/widget && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent
	touch $@

db: $(DB) ## build the content database (build/content.db)

spacy: $(SPACY) ## build the project's own spaCy pipeline (build/spacy/)

model: $(MODEL) ## train the Rasa model (models/bones.tar.gz)

web: $(WIDGET) ## build the chat widget from the npm registry (sites/patients/widget/dist/; no CDN)

$(CHROMIUM):
	@echo "Installing Debian's chromium for the headless browser tests"
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q chromium; }

browser: $(CHROMIUM) ## Debian's Chromium for the headless browser tests (Playwright drives it; no browser download)

REDIS    := /usr/bin/redis-server
POSTGRES := $(firstword $(wildcard /usr/lib/postgresql/*/bin/postgres))

services: ## Debian's PostgreSQL and Redis, for the several-processes configuration (tests and bench start private servers), and systemd-analyze
	@if [ -z "$(POSTGRES)" ] || [ ! -x $(REDIS) ]; then \
	  echo "Installing Debian's postgresql and redis-server"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q postgresql redis-server || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q postgresql redis-server; }; \
	fi
	@command -v systemd-analyze >/dev/null || { \
	  echo "Installing Debian's systemd (systemd-analyze checks deploy/systemd/)"; \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q systemd || \
	  { $(SUDO) apt-get update -q && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -q systemd; }; }

setup: $(VENV)/.installed $(DB) $(SPACY) $(SAFETY) $(MODEL) $(WIDGET) ## install everything and build the database, spaCy pipeline and model
	@mkdir -p var

run: setup ## start the Rasa server, the action server and the chat page (http://127.0.0.1:8000/); chat in this terminal too
	$(PY) -m bot run

triage: $(VENV)/.installed ## the staff triage page on http://127.0.0.1:8080/ (add an account first: make staff NAME=sam)
	$(PY) -m bot triage-web

staff: $(VENV)/.installed ## create or reset a staff account: make staff NAME=sam [ROLE=insight] (asks for the password; roles triage, insight, content)
	@test -n "$(NAME)" || { echo "usage: make staff NAME=username [ROLE=triage|insight|content]"; exit 2; }
	$(PY) -m bot staff add $(NAME) $(if $(ROLE),--role $(ROLE))

check-content: $(VENV)/.installed ## validate content/ (fields, review dates, scrape gaps, numbers, readability)
	$(PY) -m bot check-content

review-pack: $(VENV)/.installed ## the clinician's review pack: every sentence the assistant can say, with sources and sign-off status (build/review_pack.html)
	$(PY) -m bot review-pack

check: $(VENV)/.installed $(DB) $(SPACY) $(SAFETY) ## the fast lane: ruff, mypy on bot/, and the tests that need no model and no server (well under a minute)
	$(PY) -m ruff check .
	$(PY) -m mypy
	$(PY) -m pytest -q -m fast -p no:cacheprovider -n auto

pytest: $(VENV)/.installed $(DB) $(SPACY) $(SAFETY) $(WIDGET) $(CHROMIUM) services ## the pytest suite: unit, safety table, consistency, and integration against real servers (needs the model)
	$(PY) -m pytest -q

validate: $(VENV)/.installed ## rasa data validate (strict: see tools/data_validation.py)
	$(PY) -m bot validate-data

test-conversations: setup ## conversation tests in tests/assistant/test_stories.yml against the trained model, with the rasa36/ patches on and off
	$(PY) -m bot rasa-test
	BOT_RASA_PATCHES=0 $(PY) -m bot rasa-test

test: setup browser services check-content review-pack validate test-conversations pytest ## everything: content checks, the review pack, data validation, conversation tests, pytest

cross-validate: setup ## NLU cross-validation (5 folds); results in results/cross-validation/
	$(RASA) test nlu --nlu data --cross-validation --folds 5 --out results/cross-validation

bench: setup services ## latency, throughput, memory and start-up figures, both configurations (not part of make test)
	$(PY) -m bot bench

AUDIT := build/audit-venv/bin/pip-audit
$(AUDIT):
	$(PYTHON310) -m venv build/audit-venv
	build/audit-venv/bin/pip install --quiet pip-audit

audit: $(AUDIT) ## check every pinned package (constraints.txt) for known vulnerabilities; fails if any cannot be checked
	$(AUDIT) -r constraints.txt --no-deps --disable-pip --strict --progress-spinner off --desc on

lock: $(VENV)/.installed ## rewrite constraints.txt from the working venv
	(echo "# Exact versions, from 'pip freeze' of a working .venv (Python 3.10). Regenerate with 'make lock'."; $(PY) -m pip freeze) > constraints.txt

clean: ## remove generated files (keeps the venv)
	rm -rf build models results var .pytest_cache sites/patients/widget/dist
