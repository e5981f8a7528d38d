#!/usr/bin/env bash
# The validator draw on a node, in communities of different sizes (issue #6: a block's share of
# the draw must not grow with the community).
#
# For each N in COMMUNITIES (default "10 2000 100000") the script builds the dev chain's genesis
# with N more registered, funded nodes at the default credit, so all of them are eligible for the
# draw (scripts/large-spec.py without a credit; `dpoa-node raw-spec` builds it natively), and
# runs a node on it with no load until block END (default 115). The nodes run side by side.
# MODEL §8 draws k = round(15 % x (20 + N)) validators, at most 256: 5 at N = 10 and 256 from
# N = 1,687, so N = 2,000 and N = 100,000 make the same draw (256 re-weighings of the serving
# validators, about 270 to 290 trials, 256 nodes put back: about 790 steps) over lists of
# different lengths. The draw starts at block #100, the first of session 1, and takes at most 64
# steps a block (MaxDrawStepsPerBlock), so at 256 validators it fills #100..#111 and ends in
# #112 or #113.
# The drawn validators have no keys, so nothing is attested and finality stays at genesis; the
# trading center authors the blocks all the same, and nothing else happens in them.
# The nodes are then stopped and blocks #FROM (default 90)..#END of each database are re-executed
# with `dpoa-node benchmark block` (trie cache off, as the database weights were measured;
# REPEAT times each, default 5), alternating between the databases ROUNDS times (default 3) so
# that the machine's load falls on all of them alike. `scripts/draw-report.py` prints each
# block's charged weight and execution time at each N and compares the draw's blocks.
# Two more passes re-execute the same blocks with the trie cache on (its default size, 1 GiB),
# each block once (`--repeat 1`) in a fresh process, CACHED_ROUNDS times (default 5):
# - `cold`: the cache holds what the blocks before it (#FROM on) read and wrote, as the cache
#   of a node that started a few blocks before does; no block is measured on a cache its own
#   earlier execution filled (repeated executions of one block would be);
# - `warm`: the node's `--warm-up-trie-cache blocking` first loads the whole state of the last
#   block into the cache, as a node started with that option has it.
# PASSES chooses them (default "off cold warm"). KEEP=1 keeps the databases (removed otherwise).
# Last, the script prints how long each node took to build (propose) the draw's blocks while
# it ran, from its log: the running node, its own cache, to the millisecond.
# Needs the built node (scripts/run-dev.sh or scripts/test.sh builds it). Takes about 12 min
# (100 blocks of 6 s) plus the re-execution (about 3 min for the three passes, 2 at two sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
read -r -a sizes <<<"${COMMUNITIES:-10 2000 100000}"
from="${FROM:-90}"
end="${END:-115}"
work="$(mktemp -d -t dpoa-draw.XXXXXX)"
pids=()
stop_nodes() {
	for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
	for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	pids=()
}
cleanup() {
	stop_nodes
	[ "${KEEP:-0}" = 1 ] || rm -rf "$work"/*/db "$work"/*/*.json
}
trap cleanup EXIT
echo "work directory: $work" >&2
index=0
for n in "${sizes[@]}"; do
	dir="$work/$n"
	mkdir -p "$dir"
	large_raw_spec "$dir/spec.json" "$n"
	"$NODE_BIN" --chain "$dir/spec.json" --alice --validator --force-authoring \
		--node-key "$(printf '%064x' $((index + 1)))" --base-path "$dir/db" \
		--rpc-port $((9990 + index)) --port 0 --no-prometheus --no-telemetry --no-mdns \
		>"$dir/node.log" 2>&1 &
	pids+=($!)
	index=$((index + 1))
done
echo "running ${#sizes[@]} nodes to #$end ($(date +%T))" >&2
while :; do
	lowest="$end"
	for i in "${!sizes[@]}"; do
		kill -0 "${pids[$i]}" 2>/dev/null || { tail -20 "$work/${sizes[$i]}/node.log" >&2; exit 1; }
		number="$(best_block $((9990 + i)))"
		[ "$number" -lt "$lowest" ] && lowest="$number"
	done
	[ "$lowest" -ge "$end" ] && break
	sleep 6
done
stop_nodes
# replay PASS ROUNDS ARGS...: re-execute #from..#end of every database ROUNDS times,
# alternately, and report.
replay() {
	local pass="$1" rounds="$2" reports=() round n
	shift 2
	echo "re-executing #$from..#$end, pass $pass, $rounds rounds ($(date +%T))" >&2
	for round in $(seq "$rounds"); do
		for n in "${sizes[@]}"; do
			"$NODE_BIN" benchmark block --chain "$work/$n/spec.json" --base-path "$work/$n/db" \
				--from "$from" --to "$end" "$@" >"$work/$n/$pass-$round.log" 2>&1 ||
				{ tail -20 "$work/$n/$pass-$round.log" >&2; exit 1; }
			reports+=("$n=$work/$n/$pass-$round.log")
		done
	done
	echo "== pass $pass: $* ==" >&2
	echo "== pass $pass: $* =="
	python3 scripts/draw-report.py "${reports[@]}"
}
for pass in ${PASSES:-off cold warm}; do
	case "$pass" in
	off) replay off "${ROUNDS:-3}" --repeat "${REPEAT:-5}" ;;
	cold) replay cold "${CACHED_ROUNDS:-5}" --repeat 1 --enable-trie-cache ;;
	warm) replay warm "${CACHED_ROUNDS:-5}" --repeat 1 --enable-trie-cache \
		--warm-up-trie-cache blocking ;;
	*) echo "unknown pass $pass" >&2; exit 1 ;;
	esac
done
echo "== the running nodes: ms to build each block #$from..#$end (their logs) =="
for n in "${sizes[@]}"; do
	sed -nE 's/.*Prepared block for proposing at ([0-9]+) \(([0-9]+) ms\).*/\1 \2/p' \
		"$work/$n/node.log" | awk -v n="$n" -v from="$from" -v end="$end" '
		$1 >= from && $1 <= end { line = line " " $2; if ($1 >= 100) draw += $2 }
		END { printf "N = %s:%s; #100 on: %d ms\n", n, line, draw }'
done
