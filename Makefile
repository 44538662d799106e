# A thin front over CMakePresets.json. Run as root: capture and the integration tests load BPF.
.PHONY: setup build run test test-release test-asan test-tsan test-fuzz fuzz fuzz-build fuzz-run \
	bench perf clean

# Fuzzing budget, in seconds per libFuzzer target (fuzz_session gets twice as long): what
# `make test` gives each target, and the default of `make fuzz-run` (FUZZ_SECONDS=600 for more).
FUZZ_CI_SECONDS = 45
FUZZ_SECONDS ?= $(FUZZ_CI_SECONDS)
FUZZ_TARGETS = fuzz_stream fuzz_data_record fuzz_http1 fuzz_session fuzz_config fuzz_dns fuzz_dns_flow fuzz_hpack fuzz_http2 fuzz_http_request

setup:
	./tools/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j

# Start capturing, drawing the terminal view (JSON lines when stdout is not a terminal;
# Ctrl-C flushes the last window and stops).
run: build
	./build/sockeye

# The whole suite: release build (unit, fuzz corpora, integration with real BPF), then the
# same suite under ASan+UBSan, then under TSan, then every fuzz target for FUZZ_CI_SECONDS.
test: setup test-release test-asan test-tsan test-fuzz

test-release: build
	ctest --preset release

test-asan: setup
	cmake --preset asan >/dev/null
	cmake --build --preset asan -j
	ctest --preset asan

test-tsan: setup
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan -j
	ctest --preset tsan

fuzz: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j

# The libFuzzer binaries alone (clang, ASan+UBSan), not the rest of the tree.
fuzz-build: setup
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz -j --target $(FUZZ_TARGETS)

# Every target for FUZZ_SECONDS, seeded by the committed corpus, new inputs kept in
# build-fuzz/corpus-<target>; fails on any crash, leak or timeout (tools/fuzz_run.sh).
fuzz-run: fuzz-build
	./tools/fuzz_run.sh build-fuzz $(FUZZ_SECONDS)

test-fuzz: fuzz-build
	./tools/fuzz_run.sh build-fuzz $(FUZZ_CI_SECONDS)

bench: build
	./build/bench/bench_micro

# nginx under bench/loadgen with and without sockeye, A/B interleaved; appends to perf/results.tsv.
perf: build
	./perf/run.sh build

clean:
	rm -rf build build-debug build-asan build-tsan build-fuzz
