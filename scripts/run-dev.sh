#!/usr/bin/env bash
# Set-up command 1: install what is needed, build the node and launch the dev chain
# (Alice is the trading center; the well-known dev accounts are funded).
# RPC/WebSocket on ws://127.0.0.1:9944. Extra arguments go to the node.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# Same profile and package set as scripts/test.sh, so the two share one build: the tests'
# dev-dependencies turn on no feature of the node's crates (tests/node/one_build.rs checks).
cargo build --release --workspace --locked
exec "$NODE_BIN" --dev --tmp --rpc-cors all "$@"
