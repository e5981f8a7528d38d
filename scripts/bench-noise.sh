#!/usr/bin/env bash
# Checks the output of a `benchmark pallet` run for noise: the spread of the repeats at each point
# of each benchmark's components.
#
# Usage: scripts/bench-noise.sh <log of the CLI's standard output>
#
# The CLI (frame-benchmarking 50.0.0, `analysis.rs`) prints, under "Min Squares Analysis", the
# mean and the standard deviation of the middle half of each point's repeats ("Data points
# distribution"). Repeats of one point run back to back, so a slow stretch of the machine moves a
# point, and the fit then finds slopes that are not in the code: on 2026-12-04 a noisy run put
# 48.9 us a validator on `vote_batch` where a quiet one found 1.8 (docs/PERFORMANCE.md). This
# prints, for each benchmark, how many of its points spread over the limit, and its worst point.
# A point is over the limit if its deviation is above NOISE_MAX_PCT percent of its mean (default
# 10) and above NOISE_MIN_US microseconds (default 5: a few microseconds of jitter on a call that
# takes ten is not what a block's weight is made of). A benchmark is noisy if more than
# NOISE_MAX_SHARE percent of its points (default 10) are over: one stray point among 50 barely
# moves the fit, a slow stretch over several does.
# Benchmarks without components print no distribution (the CLI takes their median) and are not
# checked. Exits 0 if the run is accepted, 1 if it is noisy, 2 if the log holds no benchmark.
set -euo pipefail
log="${1:?usage: $0 <log of benchmark pallet>}"
awk -v max_pct="${NOISE_MAX_PCT:-10}" -v min_us="${NOISE_MIN_US:-5}" \
	-v max_share="${NOISE_MAX_SHARE:-10}" '
function report() {
	if (bench == "" || points == 0)
		return
	benchmarks++
	flag = ""
	if (over * 100 > max_share * points) {
		noisy++
		flag = "  NOISY"
	}
	printf "%-32s %3d points, %3d over, worst %5.1f %% (%s us of %s us) at %s%s\n",
		bench, points, over, worst_pct, worst_sigma, worst_mean, worst_at, flag
}
/^Pallet: / {
	report()
	pallet_lines++
	match($0, /Extrinsic: "[^"]*"/)
	bench = substr($0, RSTART + 12, RLENGTH - 13)
	points = 0; over = 0; worst_pct = -1; worst_over = 0; in_dist = 0
	next
}
/^Data points distribution:/ {
	in_dist = 1
	# The header: the component names, then "mean us sigma us %".
	getline
	n_names = NF - 5
	for (i = 1; i <= n_names; i++)
		names[i] = $i
	next
}
in_dist && $NF ~ /%$/ {
	pct = $NF; sub(/%$/, "", pct)
	# A zero mean prints "?.?%": nothing measured, nothing to judge.
	if (pct ~ /\?/)
		next
	points++
	at = ""
	for (i = 1; i <= n_names; i++)
		at = at (i > 1 ? " " : "") names[i] "=" $i
	is_over = (pct + 0 > max_pct + 0 && $(NF - 1) + 0 > min_us + 0)
	over += is_over
	# The worst point is the widest of those over the limit, else the widest.
	if ((is_over && !worst_over) || (is_over == worst_over && pct + 0 > worst_pct)) {
		worst_pct = pct + 0; worst_sigma = $(NF - 1); worst_mean = $(NF - 2); worst_at = at
		worst_over = is_over
	}
	next
}
in_dist { in_dist = 0 }
END {
	report()
	if (pallet_lines == 0) {
		print "no benchmark found: is this the output of `benchmark pallet`?"
		exit 2
	}
	if (benchmarks == 0) {
		printf "%d benchmarks, none with a component: nothing to check\n", pallet_lines
		exit 0
	}
	if (noisy > 0) {
		printf "%d of %d benchmarks have more than %s %% of their points spread over %s %% " \
			"and %s us\n", noisy, benchmarks, max_share, max_pct, min_us
		exit 1
	}
	printf "%d benchmarks, at most %s %% of the points of each spread over %s %% and %s us\n",
		benchmarks, max_share, max_pct, min_us
}
' "$log"
