# dhis2w Desktop. The README's two commands: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

.PHONY: help setup demo test ui app app-release screenshots bench fuzz

help:
	@echo "make demo   - set everything up, then open the app against a local DHIS2 stand-in"
	@echo "make test   - set everything up, then run every test suite"

setup:
	@tests/harness/setup.sh

ui: setup
	npm run build --prefix ui

app: ui
	cargo build -p dhis2w-desktop

# The demo runs the release build, as users get it (the first build takes several minutes).
app-release: ui
	cargo build --release -p dhis2w-desktop

demo: app-release
	@tests/harness/demo.sh

test: setup
	@tests/harness/test-all.sh

screenshots: app
	@tests/screenshots/run.sh

bench: setup
	@tests/harness/bench.sh

# The core's property tests with 20 times the cases of `make test` (prints the count per target).
fuzz: setup
	DHIS2W_FUZZ_CASES=200000 cargo test -p dhis2w-client --test fuzz -- --nocapture
