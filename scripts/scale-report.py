#!/usr/bin/env python3
"""Reads the raw results of the `scale_*` benchmarks (`benchmark pallet --json-file`) and prints,
for each benchmark and community size n = 10^e, the median execution time, the storage reads and
writes, and the weight the runtime would charge for them (time + the runtime's database weights,
runtime/src/weights/paritydb_weights.rs, per read and per write). It exits with status 1 if
any benchmark's weight at some n differs from its weight at n = 10 by more than the tolerance
(default 10 %). The `scale_control_*` benchmarks are shown but not judged; the pairs
`scale_control_<what>_100` and `_5000` (the same work done 100 and 5000 times in one measured
block) are split into the cost of one item and the part a measured block pays once, whatever
it does.

`scale_draw` (a block's share of the validator draw) is not compared with n = 10, where the
draw of a ten-node community ends within the block: the runtime charges a block's share at a
fixed weight, `MaxDrawStepsPerBlock` steps, each at the dearer of the `on_initialize_draw` and
`on_initialize_refresh` benchmarks' steps (pallets/verification/src/weights.rs), as the pallet's
`draw_step_weight` does. It is judged by whether that weight's reads and writes
cover the ones measured at every n. Its execution time is shown beside the charged one.

Usage: scale-report.py [--tolerance 0.10] RESULTS.json...
"""
import argparse
import json
import re
import statistics
import sys

def db_weights(path="runtime/src/weights/paritydb_weights.rs"):
    """The runtime's database weights (one read, one write) in microseconds, as
    scripts/bench-storage.sh wrote them."""
    text = open(path).read()
    found = {}
    for kind in ("read", "write"):
        match = re.search(kind + r":\s*([0-9_]+)\s*\*\s*constants::WEIGHT_REF_TIME_PER_NANOS", text)
        if not match:
            sys.exit(f"scale-report: no {kind} weight in {path}")
        found[kind] = int(match.group(1).replace("_", "")) / 1000.0
    return found["read"], found["write"]


READ_US, WRITE_US = db_weights()


def weight_parts(text, function):
    """The parts of a `fn function(s: u32, ) -> Weight` of a weights file: (execution time in
    us, reads, writes), each a pair (fixed, per unit of s)."""
    start = text.index(f"fn {function}(s: u32, ) -> Weight {{")
    body = text[start:text.index("\n\t}", start)]
    number = lambda m: int(m.group(1).replace("_", "")) if m else 0
    time = (number(re.search(r"Weight::from_parts\(([0-9_]+), [0-9_]+\)\n", body)) / 1e6,
            number(re.search(r"Weight::from_parts\(([0-9_]+), 0\)\.saturating_mul\(s", body)) / 1e6)
    counts = [(number(re.search(kind + r"\(([0-9_]+)_u64\)\)", body)),
               number(re.search(kind + r"\(\(([0-9_]+)_u64\)\.saturating_mul\(s", body)))
              for kind in ("reads", "writes")]
    return time, counts[0], counts[1]


def draw_charge(weights="pallets/verification/src/weights.rs", configs="runtime/src/configs.rs"):
    """What the runtime charges a block of `MaxDrawStepsPerBlock` draw steps, as
    `pallet_verification`'s `on_initialize` and `draw_step_weight` do: the larger fixed part
    of `on_initialize_draw` and `on_initialize_refresh`, and every step at the larger of their
    slopes (a step may be a trial or a re-weighing). Returns (steps, execution time in us,
    reads, writes)."""
    steps = re.search(r"MaxDrawStepsPerBlock\s*=\s*ConstU32<([0-9_]+)>", open(configs).read())
    if not steps:
        sys.exit(f"scale-report: no MaxDrawStepsPerBlock in {configs}")
    s = int(steps.group(1).replace("_", ""))
    text = open(weights).read()
    kinds = [weight_parts(text, f) for f in ("on_initialize_draw", "on_initialize_refresh")]
    weight = lambda parts, i: parts[0][i] + parts[1][i] * READ_US + parts[2][i] * WRITE_US
    fixed = max(kinds, key=lambda parts: weight(parts, 0))
    step = max(kinds, key=lambda parts: weight(parts, 1))
    return (s, fixed[0][0] + s * step[0][1], fixed[1][0] + s * step[1][1],
            fixed[2][0] + s * step[2][1])


def points(result):
    """{e: (median time us, reads, writes)} of one benchmark."""
    times, db = {}, {}
    for r in result["time_results"]:
        e = dict((name, value) for name, value in r["components"])["e"]
        times.setdefault(e, []).append(r["extrinsic_time"] / 1000.0)
    for r in result["db_results"]:
        e = dict((name, value) for name, value in r["components"])["e"]
        db[e] = (r["reads"], r["writes"])
    return {e: (statistics.median(ts),) + db.get(e, (0, 0)) for e, ts in times.items()}


def controls(results, sizes):
    """Splits each `scale_control_<what>_100` / `_5000` pair into the time of one item and
    the time the measured block paid once (t_100 - 100 x per item)."""
    times = {r["benchmark"]: {e: t for e, (t, _, _) in points(r).items()} for r in results}
    pairs = sorted(b[: -len("_100")] for b in times if b.startswith("scale_control_")
                   and b.endswith("_100") and b[: -len("_100")] + "_5000" in times)
    if not pairs:
        return
    print()
    print("| control | " + " | ".join(f"n = {10**e:,}" for e in sizes) + " |")
    print("|---|" + "---:|" * len(sizes))
    for what in pairs:
        few, many = times[what + "_100"], times[what + "_5000"]
        cells = []
        for e in sizes:
            if e in few and e in many:
                per_item = (many[e] - few[e]) / 4900
                once = few[e] - 100 * per_item
                cells.append(f"{per_item:,.1f} µs each, {once / 1000:,.1f} ms once")
            else:
                cells.append("-")
        print(f"| {what} | " + " | ".join(cells) + " |")
    print()
    print("Each cell: the time of one item, (t_5000 - t_100) / 4900, and what the measured block")
    print("paid once besides, t_100 - 100 x that.")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--tolerance", type=float, default=0.10)
    parser.add_argument("files", nargs="+")
    args = parser.parse_args()
    results = []
    for path in args.files:
        with open(path) as f:
            results.extend(json.load(f))
    failed = []
    draw = None
    sizes = sorted({e for r in results for e in points(r)})
    header = "| benchmark | " + " | ".join(f"n = {10**e:,}" for e in sizes) + " | largest change |"
    print(header)
    print("|---|" + "---:|" * (len(sizes) + 1))
    for result in results:
        name = f'{result["pallet"]}::{result["benchmark"]}'
        pts = points(result)
        weights = {e: t + r * READ_US + w * WRITE_US for e, (t, r, w) in pts.items()}
        base = weights[min(weights)]
        change = max(abs(w - base) / base for w in weights.values())
        cells = []
        for e in sizes:
            if e in pts:
                t, r, w = pts[e]
                cells.append(f"{weights[e]:,.1f} µs ({t:,.1f} µs, r {r}, w {w})")
            else:
                cells.append("-")
        if result["benchmark"] == "scale_draw":
            draw = (name, pts)
            print(f"| {name} | " + " | ".join(cells) + " | (below) |")
            continue
        print(f"| {name} | " + " | ".join(cells) + f" | {change * 100:+.1f} % |")
        if change > args.tolerance and not result["benchmark"].startswith("scale_control_"):
            failed.append((name, change))
    print()
    if draw:
        name, pts = draw
        steps, time, reads, writes = draw_charge()
        print(f"{name}: the runtime charges a block's share of the draw ({steps} steps) "
              f"{time + reads * READ_US + writes * WRITE_US:,.1f} µs: {time:,.1f} µs of execution, "
              f"r {reads}, w {writes}.")
        for e, (t, r, w) in sorted(pts.items()):
            covered = r <= reads and w <= writes
            print(f"  n = {10**e:,}: measured r {r}, w {w}: "
                  f"{'covered' if covered else 'NOT COVERED'}; execution {t:,.1f} µs")
            if not covered:
                failed.append((f"{name} (storage at n = {10**e:,})", None))
        print()
    print(f"Each cell: the weight (execution time + reads x {READ_US} µs + writes x {WRITE_US} µs), then the median")
    print("execution time and the storage reads and writes.")
    controls(results, sizes)
    if failed:
        for name, change in failed:
            if change is None:
                print(f"NOT COVERED: {name} reads or writes more than its weight charges")
            else:
                print(f"NOT FLAT: {name} changes by {change * 100:.1f} % (tolerance "
                      f"{args.tolerance * 100:.0f} %)")
        sys.exit(1)
    judged = [r for r in results if not r["benchmark"].startswith("scale_control_")]
    if not judged:
        print("Only controls: nothing judged.")
        return
    print(f"All flat within {args.tolerance * 100:.0f} % from n = 10 to n = {10**max(sizes):,}.")


if __name__ == "__main__":
    main()
