# The two commands of the README: `make up` and `make test`. Everything else
# is a step of those two, runnable on its own.
SHELL := /bin/bash
VENV  := .venv/bin
export PATH := $(CURDIR)/.venv/bin:$(PATH)

.PHONY: up down dev dev-down test lint unit setup nodes

up: setup nodes      ## the local three-node lab: nodes, provider, site.yml; prints the URL
	scripts/lab.sh up

down:                ## remove the lab and everything it created
	scripts/lab.sh down

dev: setup           ## the services as local processes, for working on them (no cluster)
	scripts/up.sh

dev-down:            ## stop what `make dev` started
	scripts/up.sh stop

test: setup nodes lint   ## everything CI runs
	pytest --durations=30

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
