# Two commands for a newcomer: `make dev` (the whole local stack) and `make test` (every test).
# Both bootstrap first (scripts/bootstrap.sh: pinned tools from the package registries only).

WORKER_SOURCES := $(shell find edge-worker/src shared/src wasm-engine/src -name '*.rs') \
                  edge-worker/Cargo.toml shared/Cargo.toml wasm-engine/Cargo.toml Cargo.toml Cargo.lock
WORKER_BUNDLE := edge-worker/build/index.js

.PHONY: dev test bootstrap build worker site media-container fuzz bench
.DELETE_ON_ERROR:

dev: build
	@scripts/dev.sh

test: build
	@scripts/test.sh

bootstrap:
	@scripts/bootstrap.sh

build: worker site media-container

worker: bootstrap $(WORKER_BUNDLE)

# worker-build always re-runs wasm-bindgen and wasm-opt, so it runs only when a source changed.
$(WORKER_BUNDLE): $(WORKER_SOURCES)
	@scripts/build-worker.sh

# The page the worker serves (scripts/build-site.sh): the app, the SDK and the engine's wasm package.
SITE_SOURCES := $(shell find web-client/app web-client/sdk/src wasm-engine/src -type f) wasm-engine/Cargo.toml Cargo.lock
SITE := web-client/site/.built

site: bootstrap $(SITE)

$(SITE): $(SITE_SOURCES)
	@scripts/build-site.sh

media-container: bootstrap
	@cargo build --quiet -p media-container

# Not part of `make test` (it runs for FUZZ_SECONDS, default 600): the engine's fuzz target.
fuzz: bootstrap
	@scripts/fuzz.sh

# Benchmarks (not tests): ratios against peers measured in the same run; see bench/README.md.
bench: build
	@cargo run --quiet --release -p roughcut-bench --bin media
	@cargo run --quiet --release -p roughcut-bench --bin cut-quality
	@DISFLUENCY_SWITCHBOARD_DIR="$$(scripts/bench-corpora.sh switchboard)" cargo run --quiet --release -p roughcut-bench --bin disfluency
	@cargo run --quiet --release -p roughcut-bench --bin plan-speed
	@node bench/browser/app.mjs
	@cargo run --quiet --release -p roughcut-bench --bin first-cut
	@cargo run --quiet --release -p roughcut-bench --bin uploads
	@cargo run --quiet --release -p roughcut-bench --bin processing
	@cargo run --quiet --release -p roughcut-bench --bin renders
	@cargo run --quiet --release -p roughcut-bench --bin transcription
	@REAL_SPEECH_DIR="$$(scripts/bench-corpora.sh speech)" cargo run --quiet --release -p roughcut-bench --bin real-speech
	@cargo run --quiet --release -p roughcut-bench --bin auth-reads
	@cargo run --quiet --release -p roughcut-bench --bin pipeline-events
	@cargo run --quiet --release -p roughcut-bench --bin webhook-latency
