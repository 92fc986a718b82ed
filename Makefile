# Custos: `make run` serves the demo system and its worker; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PRISONERS ?= 3000
DEMO_PASSWORD ?= custos-demo-2026

.PHONY: setup run test bench lint clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

run: setup
	$(BIN)/custos migrate --noinput
	$(BIN)/custos seed_demo --if-empty --prisoners $(DEMO_PRISONERS) --password $(DEMO_PASSWORD)
	@echo ""
	@echo "Custos is running on http://$(HOST):$(PORT)/  (stop with Ctrl-C)"
	@echo "Demo logins: director, security, analyst, sourcehandler, assessor, casemanager, provider, partner,"
	@echo "  monitor, probation, police, training, evaluator, auditor, admin — password: $(DEMO_PASSWORD)"
	@echo "Two-factor code for director, security, analyst, sourcehandler, auditor, admin: $(BIN)/custos demo_totp USERNAME"
	@echo ""
	scripts/run $(HOST):$(PORT)

test: setup
	scripts/test

bench: setup
	$(BIN)/python benchmarks/run.py
	$(BIN)/python benchmarks/audit_verify.py
	$(BIN)/python benchmarks/reliability.py
	$(BIN)/python benchmarks/access_overhead.py
	$(BIN)/python benchmarks/assessments_due.py
	$(BIN)/python benchmarks/housing.py
	$(BIN)/python benchmarks/resolution.py
	$(BIN)/python benchmarks/communications_import.py
	$(BIN)/python benchmarks/network.py
	$(BIN)/python benchmarks/safeguards.py

lint: setup
	$(BIN)/ruff check src tests benchmarks

clean:
	rm -rf $(VENV) var
