#!/usr/bin/env bash
# Regenerates chain-specs/*.json from the runtime's genesis presets with the built node.
# `node/tests/chain_specs.rs` fails when the committed files drift from the presets.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
cargo build --release --workspace --locked
for chain in dev local; do
	"$NODE_BIN" build-spec --chain "$chain" --disable-default-bootnode 2>/dev/null > "chain-specs/$chain.json"
	echo "chain-specs/$chain.json"
done
