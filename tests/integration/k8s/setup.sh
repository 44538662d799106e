#!/bin/sh
# Install the manifest validator's dependencies (kubernetes-models, which carries the Kubernetes
# API schema; @kubernetes-models/prometheus-operator, the PodMonitor CRD's; yaml), pinned in
# package-lock.json, into tests/integration/k8s/node_modules. Idempotent and quiet: does
# nothing when node_modules was installed from this very package-lock.json (a copy of it is
# kept there), and installs again after the lock changes. Needs node (>= 18) and npm.
set -eu
cd "$(dirname "$0")"

if ! command -v node >/dev/null 2>&1; then
	echo "tests/integration/k8s/setup.sh: node is missing (install Node.js >= 18 and npm)" >&2
	exit 1
fi
STAMP=node_modules/.sockeye-package-lock.json
if cmp -s package-lock.json "$STAMP" 2>/dev/null; then
	exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
	echo "tests/integration/k8s/setup.sh: npm is missing (install npm with Node.js)" >&2
	exit 1
fi
if ! out=$(npm ci --no-audit --no-fund --loglevel=error 2>&1); then
	echo "tests/integration/k8s/setup.sh: npm ci failed:" >&2
	echo "$out" >&2
	exit 1
fi
cp package-lock.json "$STAMP"
