#!/usr/bin/env bash
# Measures whether the trading calls, settlement with penalty distribution, the concluding vote
# and a block's share of the validator draw cost the same with 10, 100, 1,000, 10,000 and 100,000
# registered nodes: runs the `scale_*` benchmarks of pallet_market and pallet_verification
# (n = 10^e other nodes registered before each measurement) and prints the table of
# scripts/scale-report.py, which fails if a weight moves by more than 10 %. REPEAT defaults to
# 3; the run takes about 40 minutes on 2 cores (20 with CONTROLS=0). The controls (an empty
# block, one read, 100 and 5000 reads, 100 and 5000 proposals) are reported but not judged;
# CONTROLS=0 leaves them out.
# The raw results go to $OUT (default target/bench-scale).
#
# The benchmarks run under jemalloc (Debian libjemalloc2, LD_PRELOAD), not glibc's malloc: with
# glibc, the harness frees the key tracker of the million keys the setup wrote just before the
# measured block, and the first allocations inside the block pay for sorting that freed memory
# (`_int_malloc` over the unsorted bin, profiled with perf: about 250 ms at n = 100,000), which
# no block on a node pays. docs/PERFORMANCE.md, Scale, has the measurements.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
REPEAT="${REPEAT:-3}"
OUT="${OUT:-target/bench-scale}"
# Installed by scripts/setup.sh (Debian libjemalloc2).
JEMALLOC="${JEMALLOC:-/usr/lib/x86_64-linux-gnu/libjemalloc.so.2}"
mkdir -p "$OUT"
scripts/setup.sh
cargo build --release --workspace --locked
run() {
	local pallet="$1" extrinsics="$2"
	LD_PRELOAD="$JEMALLOC" "$NODE_BIN" benchmark pallet \
		--runtime "$RUNTIME_WASM" \
		--genesis-builder runtime \
		--pallet "$pallet" --extrinsic "$extrinsics" --extra \
		--steps 5 --repeat "$REPEAT" --min-duration 0 --no-verify \
		--json-file "$OUT/$pallet.json" > "$OUT/$pallet.log" 2>&1 ||
		{ tail -40 "$OUT/$pallet.log"; exit 1; }
}
market=scale_propose,scale_accept,scale_post_offer,scale_report_reading,scale_settle
if [ "${CONTROLS:-1}" != 0 ]; then
	market="$market,scale_control_read,scale_control_reads_100,scale_control_reads_5000"
	market="$market,scale_control_proposes_100,scale_control_proposes_5000"
fi
run pallet_market "$market"
run pallet_verification scale_vote,scale_draw
python3 scripts/scale-report.py "$OUT/pallet_market.json" "$OUT/pallet_verification.json"
