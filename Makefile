# m2c — two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
JARS   := deploy/kafka/lib/.complete

.PHONY: run test test-fast contract bench up down install kafka-jars lint events clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

$(JARS): deploy/kafka/pom.xml
	deploy/kafka/kafka.sh fetch

kafka-jars: $(JARS)

## The whole system on the embedded default (PostgreSQL under .data/, events in-process).
run: install
	$(BIN)/m2c run

## The full suite, against a real PostgreSQL and a real Kafka broker that it starts itself.
test: install kafka-jars
	$(BIN)/python -m pytest -q

## Without the Kafka broker (quick inner loop).
test-fast: install
	$(BIN)/python -m pytest -q -m "not kafka"

## The HTTP contract (schemathesis, fixed seed and budget) and the authorization matrix, about a minute.
contract: install
	$(BIN)/python -m pytest -q tests/contract

## Throughput, latency and read benchmarks; one table at the end (also bench/results.json).
bench: install kafka-jars
	rm -f bench/results.json
	$(BIN)/python bench/backbone.py --events 20000 --consumers 1
	$(BIN)/python bench/backbone.py --events 20000 --consumers 2
	$(BIN)/python bench/e2e_latency.py --errors 1000 --rate 20
	$(BIN)/python bench/http_read.py --clients 20 --seconds 10 --rows 200
	$(BIN)/python bench/scoring_ingest.py --scale 0.2
	$(BIN)/python bench/sla_scan.py --scale 1
	$(BIN)/python bench/credit.py
	$(BIN)/python bench/fanout.py
	$(BIN)/python bench/bill_review.py --bills 1000000
	$(BIN)/python bench/results.py

## Production mode locally: Kafka + PostgreSQL + each service as its own process.
up: install kafka-jars
	deploy/local/up.sh

down:
	deploy/local/down.sh

## Style and types: ruff, then mypy (strict on shared/ and the domains; see [tool.mypy] in pyproject.toml).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy

events: install
	$(BIN)/m2c events export docs/events

clean: down
	rm -rf .data
