#!/bin/bash
# HTTP/2 end to end, with and without sockeye: nghttpd (cleartext, 127.0.0.1:18191) under
# h2load (one thread, CONNECTIONS connections, STREAMS streams in flight on each), each round
# running REQUESTS requests of a 6-byte file without sockeye, then with it watching the port.
# Prints each round's two rates and their ratio, the median ratio, and checks that sockeye
# counted every request in both roles with nothing dropped. As root.
#   perf/h2.sh [SOCKEYE] [ROUNDS] [REQUESTS] [CONNECTIONS] [STREAMS]
# e.g. perf/h2.sh build/sockeye 5 200000 4 32
set -euo pipefail
SOCKEYE=${1:-build/sockeye}
ROUNDS=${2:-5}
REQUESTS=${3:-200000}
CONNECTIONS=${4:-4}
STREAMS=${5:-32}
PORT=18191
DIR=$(mktemp -d /tmp/sockeye-h2.XXXXXX)

trap 'kill ${nghttpd_pid:-} 2>/dev/null; wait 2>/dev/null; rm -rf "$DIR"' EXIT
mkdir "$DIR/www" && printf 'hello\n' >"$DIR/www/small"
nghttpd --no-tls -d "$DIR/www" -m 256 $PORT >/dev/null 2>&1 &
nghttpd_pid=$!
for _ in $(seq 100); do h2load -n 1 http://127.0.0.1:$PORT/small >/dev/null 2>&1 && break; sleep 0.05; done

rate() { # requests/s of one h2load run
	h2load -n "$REQUESTS" -c "$CONNECTIONS" -m "$STREAMS" -t 1 "http://127.0.0.1:$PORT/small" |
		awk '/^finished in/ { gsub(",", "", $4); print $4 }'
}

grep -m1 "model name" /proc/cpuinfo
printf 'round\twithout\twith\tratio\n'
ratios=()
for r in $(seq "$ROUNDS"); do
	base=$(rate)
	"$SOCKEYE" --stdout --ports $PORT --window 1 >"$DIR/out.json" 2>"$DIR/sockeye.err" &
	pid=$!
	for _ in $(seq 200); do grep -q capturing: "$DIR/sockeye.err" && break; sleep 0.05; done
	grep -q capturing: "$DIR/sockeye.err" || { cat "$DIR/sockeye.err" >&2; exit 1; }
	with=$(rate)
	kill -INT "$pid"
	wait "$pid"
	ratio=$(python3 -c "print(f'{$with / $base:.3f}')")
	ratios+=("$ratio")
	printf '%s\t%s\t%s\t%s\n' "$r" "$base" "$with" "$ratio"
	python3 - "$DIR/out.json" "$REQUESTS" <<'PY'
import json, sys
counted, dropped = 0, 0
for line in open(sys.argv[1]):
    o = json.loads(line)
    if o["type"] == "http" and o.get("protocol") == "http2":
        counted += o["count"]
    elif o["type"] == "stats":
        dropped += sum(o["dropped"].values())
want = 2 * int(sys.argv[2])  # each request seen by the server and by the client
if counted != want or dropped:
    sys.exit(f"sockeye counted {counted} of {want} requests, dropped {dropped}")
PY
done
printf 'median ratio\t%s\n' "$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
