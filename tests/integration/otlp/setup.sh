#!/bin/sh
# Install the OTLP test receiver's one dependency (@opentelemetry/otlp-transformer, pinned in
# package-lock.json) into tests/integration/otlp/node_modules. Idempotent and quiet: does
# nothing when node_modules is already there. Needs node (>= 18) and npm.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
	echo "tests/integration/otlp/setup.sh: node is missing (install Node.js >= 18 and npm)" >&2
	exit 1
fi
if [ -d node_modules/@opentelemetry/otlp-transformer ]; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "tests/integration/otlp/setup.sh: npm is missing (install npm with Node.js)" >&2
	exit 1
fi
if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then
	echo "tests/integration/otlp/setup.sh: npm ci failed:" >&2
	echo "$out" >&2
	exit 1
fi
