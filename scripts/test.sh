#!/usr/bin/env bash
# Set-up command 2: install what is needed and run the whole test suite (unit, runtime, engine,
# end-to-end against the built node, and the polkadot.js suite in tests/e2e). Fails on any
# failing test.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scripts/setup.sh
# --release: the end-to-end tests drive the release node, and one profile means one build.
cargo test --release --workspace --locked "$@"
# The polkadot.js suite against a dev node of that build.
scripts/e2e.sh
