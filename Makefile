# The two commands of the README: `make up` and `make test`. Everything else
# is a step of those two, runnable on its own.
SHELL := /bin/bash
VENV  := .venv/bin
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: up down dev dev-down test lint lint-checks unit setup nodes timings-reset

up: setup nodes      ## the local three-node lab: nodes, provider, site.yml; prints the URL
	scripts/lab.sh up

down:                ## remove the lab and everything it created
	scripts/lab.sh down

dev: setup           ## the services as local processes, for working on them (no cluster)
	scripts/up.sh

dev-down:            ## stop what `make dev` started
	scripts/up.sh stop

test: timings-reset setup nodes lint   ## everything CI runs; ends with where the time went
	pytest --durations=30

unit: setup          ## the fast tests: no servers, no containers
	pytest tests/services/unit

lint: setup
	scripts/timed.sh lint $(MAKE) --no-print-directory lint-checks

lint-checks:
	ruff check .
	ruff format --check .
	yamllint --strict .
	ansible-lint --profile production

setup:
	scripts/timed.sh "Debian packages and virtualenv" scripts/bootstrap.sh

nodes:               ## a Docker engine and the local base images
	scripts/timed.sh "Docker engine" scripts/ensure-docker.sh
	scripts/timed.sh "base image (debian:bookworm)" scripts/ensure-base-image.sh
	scripts/timed.sh "node image" scripts/ensure-node-image.sh

# `make test` starts its time budget afresh (var/timings.tsv, printed by pytest).
timings-reset:
	@rm -f var/timings.tsv
