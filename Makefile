# The two commands of the README: `make up` and `make test`. Everything else
# is a step of those two, runnable on its own.
SHELL := /bin/bash
VENV  := .venv/bin
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: up down test lint unit setup nodes

up: setup            ## run the services locally (Redis, S3, backend, worker, frontend)
	scripts/up.sh

down:                ## stop what `make up` started
	scripts/up.sh stop

test: setup nodes lint   ## everything CI runs
	pytest

unit: setup          ## the fast tests: no servers, no containers
	pytest tests/services/unit

lint: setup
	ruff check .
	ruff format --check .
	yamllint --strict .
	ansible-lint --profile production

setup:
	scripts/bootstrap.sh

nodes:               ## a Docker engine and the local base images
	scripts/ensure-docker.sh
	scripts/ensure-base-image.sh
	scripts/ensure-node-image.sh
