#!/usr/bin/env bash
# Throughput of the dev chain (issue #6): starts a fresh `dpoa-node --dev` (its database in a
# temporary directory, removed at the end), runs the
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
# COMMUNITY=N runs the node on the dev chain spec with N more registered, funded nodes in
# genesis (scripts/large-spec.py, their credit 50, below the draw's threshold, so the validators
# stay the dev community whose keys the tool has): the same load in a community of N more nodes.
# The session's validators are k = round(15 % x (20 + N)) of the 20 eligible dev nodes: 3 on the
# dev chain, all 20 from N = 110, and each poll then needs 14 votes instead of 2.
# GENESIS_EXTRA=1 registers the EXTRA_NODES producers and consumers in genesis instead of by the
# tool (`raw-spec --throughput-nodes`, the tool's `--extra-in-genesis`), at the default credit:
# the first session's validators are then drawn among every node, k = round(15 % x (20 +
# 2 x EXTRA_NODES + COMMUNITY)) up to 256 (256 at EXTRA_NODES=900), and the tool votes with its
# own keys of the drawn ones.
# The genesis is built by `dpoa-node raw-spec` with the native runtime: the wasm runtime gets the
# configuration as one JSON string, and at 100,000 nodes (37 MB) that is more than its allocator
# gives one allocation (32 MiB).
# REPLAY=1 keeps the node's database and, after the run, re-executes every block with
# `dpoa-node benchmark block` (REPLAY_REPEAT times, default 3; trie cache off, as the database
# weights were measured) and prints, for the blocks of each phase that used at least half the
# 2 s weight, the execution time against the weight the blocks were charged: how well the
# weights cover what the blocks cost, in a community of any size.
# Before repeating the tool's last line the script prints, from the node's log, how long the
# node took to build the blocks that were full by weight (the weight is 2 s).
# The tool waits for the node's first block. Needs the built node (scripts/run-dev.sh or scripts/test.sh builds it).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
port="${RPC_PORT:-9988}"
work="$(mktemp -d -t dpoa-throughput.XXXXXX)"
log="$work/node.log"
chain=(--dev)
if [ "${GENESIS_EXTRA:-0}" = 1 ]; then
	COMMUNITY="${COMMUNITY:-0}"
	export THROUGHPUT_NODES="${EXTRA_NODES:-600}"
	set -- --extra-in-genesis "$@"
fi
if [ -n "${COMMUNITY:-}" ]; then
	# The dev chain spec of this build (the committed one embeds the runtime it was made with).
	large_raw_spec "$work/spec.json" "$COMMUNITY" 50
	# What --dev implies besides the chain: Alice's keys, authoring, a validator.
	chain=(--chain "$work/spec.json" --alice --validator --force-authoring
		--node-key 0000000000000000000000000000000000000000000000000000000000000001)
fi
"$NODE_BIN" "${chain[@]}" --base-path "$work/db" --rpc-port "$port" --port 0 --no-prometheus --no-telemetry \
	--no-mdns --rpc-max-request-size 64 --rpc-max-response-size 64 --pool-limit 65536 \
	--pool-kbytes 262144 --pool-type "${POOL_TYPE:-single-state}" \
	>"$log" 2>&1 &
node=$!
stop_node() { kill $node 2>/dev/null || true; wait $node 2>/dev/null || true; }
trap 'stop_node; rm -rf "$work"/*.json "$work/db"' EXIT
echo "node log: $log" >&2
if [ -n "${COMMUNITY:-}" ]; then
	# Building a large genesis takes minutes; the tool waits one for the first block.
	for _ in $(seq 900); do
		[ "$(best_block "$port")" -gt 0 ] && break
		kill -0 "$node" 2>/dev/null || { tail -20 "$log" >&2; exit 1; }
		sleep 1
	done
	echo "genesis of $COMMUNITY more nodes and ${THROUGHPUT_NODES:-0} more producers and" \
		"consumers each built; first block at $(date +%T)" >&2
fi
"$NODE_BIN" throughput --rpc "127.0.0.1:$port" \
	--transfers "${TRANSFERS:-30000}" --trades "${TRADES:-30000}" \
	--proposals-per-block "${PROPOSALS:-1400}" --extra-nodes "${EXTRA_NODES:-600}" "$@" |
	tee "$work/tool.out"
# "Prepared block for proposing at 12 (1709 ms) ...; end: HitBlockWeightLimit; extrinsics_count:
# 2874": a block of the transfer phase holds thousands of extrinsics, one of trades fewer than a
# thousand (batches).
sed -nE 's/.*Prepared block for proposing at ([0-9]+) \(([0-9]+) ms\).*end: HitBlockWeightLimit; extrinsics_count: ([0-9]+).*/\1 \2 \3/p' \
	"$log" | sort -k2 -n | awk '
		{ phase = $3 >= 1000 ? "transfers" : "trades"; n[phase]++; ms[phase, n[phase]] = $2 }
		END {
			for (phase in n)
				printf "%s: %d blocks full by weight (2 s), built in median %d ms, max %d ms\n",
					phase, n[phase], ms[phase, int((n[phase] + 1) / 2)], ms[phase, n[phase]]
		}'
if [ "${REPLAY:-0}" = 1 ]; then
	stop_node
	best="$(sed -nE 's/.*Imported #([0-9]+) .*/\1/p' "$log" | tail -1)"
	echo "re-executing blocks #1..#$best (benchmark block, repeat ${REPLAY_REPEAT:-3})" >&2
	"$NODE_BIN" benchmark block "${chain[@]:0:2}" --base-path "$work/db" --from 1 --to "$best" \
		--repeat "${REPLAY_REPEAT:-3}" >"$work/replay.log" 2>&1 || { tail -20 "$work/replay.log"; exit 1; }
	python3 scripts/replay-report.py "$work/replay.log"
fi
tail -n 1 "$work/tool.out"
