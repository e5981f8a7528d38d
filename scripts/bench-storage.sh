#!/usr/bin/env bash
# The runtime's database weights (the cost of one storage read and one write) measured with the
# node's `benchmark storage` command on ParityDB, the node's database, over a state with
# NODES (default 100,000) registered nodes more than the dev chain's genesis: the largest
# community issue #6 asks the costs to hold for. Writes runtime/src/weights/paritydb_weights.rs,
# which the runtime uses as `DbWeight` in place of the SDK's reference figures.
#
# A write is measured as the SDK measures it: random values for every key, committed in batches
# of BATCH (default 1000, fewer keys than a full block of trades writes) with the state root
# computed once per batch, and the cost shared out per key. Reads are measured without the trie
# cache, as the SDK advises for weights. The weight is the mean times MUL (default 1.1).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
NODES="${NODES:-100000}"
work="$(mktemp -d -t dpoa-bench-storage.XXXXXX)"
trap 'rm -rf "$work"' EXIT
# The dev chain spec of this build (chain-specs/dev.json embeds the runtime it was generated
# with), with the nodes added, made raw natively.
large_raw_spec "$work/spec.json" "$NODES"
# The node builds the genesis state into the database first, then measures every key of it.
"$NODE_BIN" benchmark storage \
	--chain "$work/spec.json" \
	--base-path "$work/db" \
	--database paritydb \
	--state-version 1 \
	--batch-size "${BATCH:-1000}" \
	--mul "${MUL:-1.1}" \
	--weight-path runtime/src/weights \
	--template-path scripts/storage-weight-template.hbs \
	--header scripts/license-header.txt
