# A thin front over CMakePresets.json. Run as root: capture and the integration tests load BPF.
.PHONY: setup build run test test-release test-asan test-tsan fuzz bench perf clean

setup:
	./tools/setup.sh

build: setup
	cmake --preset release >/dev/null
	cmake --build --preset release -j

# Start capturing with JSON lines on the terminal (Ctrl-C flushes the last window and stops).
run: build
	./build/sockeye --stdout

# The whole suite: release build (unit, fuzz corpora, integration with real BPF), then the
# same suite under ASan+UBSan, then under TSan.
test: setup test-release test-asan test-tsan

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

bench: build
	./build/bench/bench_micro

# nginx under bench/loadgen with and without sockeye, A/B interleaved; appends to perf/results.tsv.
perf: build
	./perf/run.sh build

clean:
	rm -rf build build-debug build-asan build-tsan build-fuzz
