#!/usr/bin/env bash
# The polkadot.js end-to-end suite (tests/e2e): installs its locked npm packages and runs it
# against the built release node ($NODE_BIN). Build the node first (scripts/test.sh does).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
if ! command -v npm >/dev/null 2>&1; then
	echo "e2e: Node.js and npm are required (Debian: apt-get install nodejs npm)" >&2
	exit 1
fi
cd tests/e2e
npm ci --no-audit --no-fund --loglevel=error
NODE_BIN="$NODE_BIN" npm test
