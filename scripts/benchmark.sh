#!/usr/bin/env bash
# Regenerates the runtime's weights: every project pallet's and pallet_balances' with the node's
# `benchmark pallet` command, and the runtime's ExtrinsicBaseWeight and BlockExecutionWeight with
# `benchmark overhead`, and the database weights with `benchmark storage` (scripts/bench-storage.sh)
# (runtime/src/weights/). STEPS and REPEAT default to 50 and 20; lower them for a quick
# run. PALLETS (space-separated, e.g. "credit registry") limits the run to some pallets;
# BALANCES=0, OVERHEAD=0 and STORAGE=0 skip the SDK pallets (pallet_balances and the transaction
# extensions), the overhead and the storage benchmark. Every pallet's run is checked for noise
# (scripts/bench-noise.sh: NOISE_MAX_PCT, NOISE_MIN_US, NOISE_MAX_SHARE) and made again if it was
# noisy, at most NOISE_RETRIES times (default 2).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
STEPS="${STEPS:-50}"
REPEAT="${REPEAT:-20}"
# The node that scripts/test.sh and scripts/run-dev.sh build (one build: tests/node/one_build.rs).
cargo build --release --workspace --locked

# The CLI's output of each pallet's runs (<pallet>.run<N>.log), which scripts/bench-noise.sh checks.
logs="$CARGO_TARGET_DIR/benchmark-logs"
mkdir -p "$logs"
# How many times a pallet whose run was noisy is run again before the script gives up.
NOISE_RETRIES="${NOISE_RETRIES:-2}"

# benchmark_pallet <pallet> <steps> <repeat> <output> [extra arguments]
# Writes <output> only from a run that scripts/bench-noise.sh accepts: a noisy run is made again,
# up to NOISE_RETRIES times, and if every run was noisy the previous file is put back and the
# script fails.
benchmark_pallet() {
	local pallet="$1" steps="$2" repeat="$3" output="$4"
	shift 4
	local log previous="$logs/$pallet.previous.rs" attempt
	rm -f "$previous" "$logs/$pallet".run*.log
	if [ -e "$output" ]; then cp "$output" "$previous"; fi
	for attempt in $(seq 1 $((NOISE_RETRIES + 1))); do
		log="$logs/$pallet.run$attempt.log"
		# (Called in a `||` list, so `set -e` does not apply here: every failure is explicit.)
		if ! "$NODE_BIN" benchmark pallet \
			--runtime "$RUNTIME_WASM" \
			--genesis-builder runtime \
			--pallet "$pallet" --extrinsic '*' \
			--steps "$steps" --repeat "$repeat" \
			--output "$output" \
			--header scripts/license-header.txt "$@" | tee "$log"; then
			echo "benchmark.sh: $pallet: the benchmark failed" >&2
			exit 1
		fi
		local status=0
		scripts/bench-noise.sh "$log" || status=$?
		case "$status" in
		0) return 0 ;;
		1) echo "benchmark.sh: $pallet: run $attempt was noisy ($log)" >&2 ;;
		*) echo "benchmark.sh: $pallet: $log could not be checked" >&2; exit 1 ;;
		esac
	done
	if [ -e "$previous" ]; then cp "$previous" "$output"; else rm -f "$output"; fi
	echo "benchmark.sh: $pallet: every run was noisy; $output is left as it was" >&2
	return 1
}

# The pallets every run of which was noisy.
noisy=()

for pallet in ${PALLETS:-dpoa credit registry penalty verification market finality}; do
	steps="$STEPS" repeat="$REPEAT"
	extra=()
	if [ "$pallet" = dpoa ]; then
		# The CLI re-runs every step until a benchmark has taken `--min-duration` (10 s by
		# default), and its median-slopes analysis takes the slope of every pair of samples
		# (frame-benchmarking's `analysis.rs`), which is quadratic in their number. pallet_dpoa's
		# authority-set calls take about 15 us, so the 10 s gave tens of thousands of samples and
		# the CLI 9.7 GB and 3 minutes. Without it, exactly 50 x 20 takes 7 s and 230 MB.
		extra=(--min-duration 0)
	elif [ "$pallet" = verification ]; then
		# The batch benchmarks set up a market contract for each of up to 512 polls, about 4 s
		# a run at the largest batch: 50 x 20 would take some 9 hours, 10 x 5 takes about 20
		# minutes.
		steps="${STEPS_VERIFICATION:-10}" repeat="${REPEAT_VERIFICATION:-5}"
	fi
	benchmark_pallet "pallet_$pallet" "$steps" "$repeat" "pallets/$pallet/src/weights.rs" \
		--template scripts/weight-template.hbs "${extra[@]}" || noisy+=("pallet_$pallet")
done

if [ "${BALANCES:-1}" != 0 ]; then
	# The transfer that the trading calls are compared with, and the transaction extensions every
	# signed transaction pays for (nonce, mortality, weight, fee), weighed on this machine and
	# database.
	for pallet in pallet_balances frame_system_extensions pallet_transaction_payment; do
		benchmark_pallet "$pallet" "$STEPS" "$REPEAT" "runtime/src/weights/$pallet.rs" ||
			noisy+=("$pallet")
	done
fi

if [ "${OVERHEAD:-1}" != 0 ]; then
	# The overhead benchmark builds its blocks with the node's own extrinsic builder, which knows
	# this runtime's transaction extensions; that needs a chain spec (its `--runtime` mode signs
	# with the SDK's default extensions and fails with BadProof). The node's own `dev` spec
	# carries this build's runtime; chain-specs/dev.json carries the one it was generated with
	# (measuring that one, or BadProof once the runtime's version has moved on).
	"$NODE_BIN" benchmark overhead \
		--chain dev \
		--weight-path runtime/src/weights \
		--header scripts/license-header.txt
fi

if [ "${STORAGE:-1}" != 0 ]; then
	# The database weights every other weight's reads and writes are charged at.
	scripts/bench-storage.sh
fi

if [ "${#noisy[@]}" -gt 0 ]; then
	echo "benchmark.sh: no quiet run of ${noisy[*]}: their weights are left as they were" >&2
	exit 1
fi
