#!/bin/bash
# Run every libFuzzer target of tests/fuzz for a time budget, as many at once as there are
# cores (FUZZ_JOBS overrides), each on one core. Usage: tools/fuzz_run.sh BUILD_DIR SECONDS
# [TARGET...]  (make fuzz-run calls it)
#
# Each target gets SECONDS, fuzz_session twice that: it runs the most code per input and is
# the slowest. The committed corpus (tests/fuzz/corpus/TARGET) seeds it and is never written:
# new inputs go to BUILD_DIR/corpus-TARGET, which grows from run to run. The targets fed
# HTTP use tests/fuzz/http.dict, fuzz_config tests/fuzz/config.dict, the DNS ones
# tests/fuzz/dns.dict. A crash, a leak, a timeout (an input slower than FUZZ_TIMEOUT seconds,
# 10) or memory over FUZZ_RSS_MB (2048) fails the target: the input is saved under
# BUILD_DIR/fuzz-artifacts/ and its path printed with the command that replays it.
# The reports are printed in the order of the targets, once all have run.
# Exit status: 0 when every target ran clean, 1 otherwise (every target still runs).
set -u

build=$1
seconds=$2
shift 2
targets=${*:-"session stream data_record http1 config dns dns_flow hpack http2 http_request"}
timeout=${FUZZ_TIMEOUT:-10}
rss_mb=${FUZZ_RSS_MB:-2048}
jobs=${FUZZ_JOBS:-$(nproc)}
src=$(cd "$(dirname "$0")/.." && pwd)/tests/fuzz

# fuzz_one TARGET: runs it, then writes its report to BUILD_DIR/fuzz-TARGET.report and its
# verdict (ok or failed) to BUILD_DIR/fuzz-TARGET.status.
fuzz_one() {
	local t=$1 bin=$build/tests/fuzz/fuzz_$1 out=$build/corpus-$1 log=$build/fuzz-$1.log
	local report=$build/fuzz-$1.report budget=$seconds dict=""
	[ "$t" = session ] && budget=$((seconds * 2))
	case $t in
	http1 | session | http_request) dict="-dict=$src/http.dict" ;;
	config) dict="-dict=$src/config.dict" ;;
	dns | dns_flow) dict="-dict=$src/dns.dict" ;;
	esac
	mkdir -p "$out"
	echo "fuzz-run: fuzz_$t for ${budget}s (log: $log)" >"$report"
	# shellcheck disable=SC2086 # $dict is one word or none
	if "$bin" -max_total_time="$budget" -timeout="$timeout" -rss_limit_mb="$rss_mb" \
		-detect_leaks=1 -print_final_stats=1 \
		-artifact_prefix="$build/fuzz-artifacts/$t-" $dict \
		"$out" "$src/corpus/$t" >"$log" 2>&1; then
		# The last status line: executions, coverage (cov) and features (ft), corpus size.
		{
			grep -E '^#[0-9]+[[:space:]]+DONE' "$log" | sed 's/^/  /'
			grep -E '^stat::(number_of_executed_units|average_exec_per_sec|peak_rss_mb)' \
				"$log" | sed 's/^/  /'
		} >>"$report"
		echo ok >"$build/fuzz-$t.status"
		return
	fi
	{
		tail -n 60 "$log" | sed 's/^/  | /'
		for a in $(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log"); do
			echo "fuzz-run: fuzz_$t failed on $a"
			echo "fuzz-run: replay it with: $bin $a"
		done
	} >>"$report"
	echo failed >"$build/fuzz-$t.status"
}

mkdir -p "$build/fuzz-artifacts"
echo "fuzz-run: ${seconds}s a target, $jobs at once"
running=0
for t in $targets; do
	rm -f "$build/fuzz-$t.status"
	if [ "$running" -ge "$jobs" ]; then
		wait -n
		running=$((running - 1))
	fi
	fuzz_one "$t" &
	running=$((running + 1))
done
wait

failed=""
for t in $targets; do
	cat "$build/fuzz-$t.report"
	[ "$(cat "$build/fuzz-$t.status" 2>/dev/null)" = ok ] || failed="$failed $t"
done
if [ -n "$failed" ]; then
	echo "fuzz-run: FAILED:$failed" >&2
	exit 1
fi
echo "fuzz-run: every target ran clean"
