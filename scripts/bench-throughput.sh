#!/usr/bin/env bash
# Throughput of the dev chain (issue #6): starts a fresh `dpoa-node --dev --tmp`, runs the
# load generator `dpoa-node throughput` against it (balance transfers, then complete trade
# lifecycles; finality lag throughout) and stops the node. The last line is
#   transfers_per_s=<x> trades_per_s=<y> trade_to_transfer_ratio=<y/x> finality_lag_blocks=<z>
# TRANSFERS and TRADES set the load (defaults 30000 and 30000), PROPOSALS the new proposals offered
# a block (default 1400, above the ceiling, so that the chain sets the pace) and EXTRA_NODES the
# producers and consumers registered for the run (default 600 each, so that MaxOpenContracts
# per node does not cap the contracts in flight); extra arguments go to the tool.
# POOL_TYPE is the node's transaction pool, single-state by default: under this load the
# SDK's default fork-aware pool lost transactions it had accepted (13,434 of 30,000 transfers
# never included, and no votes after the proposals; docs/PERFORMANCE.md), which the
# single-state pool did not. POOL_TYPE=fork-aware reproduces that; it looks like the future
# queue's limit, a tenth of --pool-limit (docs/PERFORMANCE.md).
# The tool waits for the node's first block. Needs the built node (scripts/run-dev.sh or scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
port="${RPC_PORT:-9988}"
log="$(mktemp -t dpoa-throughput-node.XXXXXX.log)"
"$NODE_BIN" --dev --tmp --rpc-port "$port" --port 0 --no-prometheus --no-telemetry --no-mdns \
	--rpc-max-request-size 64 --rpc-max-response-size 64 --pool-limit 65536 --pool-kbytes 262144 \
	--pool-type "${POOL_TYPE:-single-state}" \
	>"$log" 2>&1 &
node=$!
trap 'kill $node 2>/dev/null || true; wait $node 2>/dev/null || true' EXIT
echo "node log: $log" >&2
"$NODE_BIN" throughput --rpc "127.0.0.1:$port" \
	--transfers "${TRANSFERS:-30000}" --trades "${TRADES:-30000}" \
	--proposals-per-block "${PROPOSALS:-1400}" --extra-nodes "${EXTRA_NODES:-600}" "$@"
