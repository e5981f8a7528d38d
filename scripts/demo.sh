#!/usr/bin/env bash
# The paper's Tables 2/3 on a live dev chain: starts a fresh dev node whose genesis gives the
# 20-node dev community the paper's credits and verification streaks, runs the period's 13
# contracts end to end through signed extrinsics (polkadot.js), prints the settlement tables
# and stops the node. Optional argument: another one-period scenario file (tests/scenarios/).
# Needs the built node (scripts/run-dev.sh or scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scenario="$(realpath "${1:-tests/scenarios/table_2_3.json}")"
if [ ! -x "$NODE_BIN" ]; then
	echo "demo: $NODE_BIN not found; build it first: cargo build --release --workspace --locked" >&2
	exit 1
fi
cd tests/e2e
npm ci --no-audit --no-fund --loglevel=error
NODE_BIN="$NODE_BIN" node demo.mjs "$scenario"
