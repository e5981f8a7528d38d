#!/usr/bin/env python3
"""Compares the validator draw's blocks re-executed on nodes of different community sizes
(scripts/bench-draw.sh).

Each argument is N=LOG, a `dpoa-node benchmark block` log of the blocks around the start of
session 1 on a chain with N more nodes; several logs of one N (rounds) are combined by taking,
block by block, the median of their execution times. A block belongs to the draw when it was
charged more than 1 ms above the median of the blocks before #100 (the idle blocks, which carry
only the hooks). A draw block's *draw part* is its execution time less the median of the idle
blocks. For each N the script prints the idle and the draw blocks; then, for each N against
the next smaller N whose draw took more than one block, the draw parts of the blocks both draws
have, block by block (chains whose draws have the same number of validators do the same kind
of steps in the same blocks: re-weighings, trials, nodes put back).

Usage: draw-report.py N=LOG [N=LOG ...]
"""
import statistics
import sys

from block_log import blocks as read_blocks

SESSION_START = 100


def read(path: str) -> dict[int, tuple[int, int]]:
    """Block number -> (execution ns, charged ns)."""
    blocks = {number: (took, charged) for number, _, took, charged in read_blocks(path)}
    if not blocks:
        sys.exit(f"{path}: no block lines")
    return blocks


def ms(ns: float) -> str:
    return f"{ns / 1e6:,.2f} ms"


def main() -> None:
    runs: dict[int, list[dict[int, tuple[int, int]]]] = {}
    for argument in sys.argv[1:]:
        size, path = argument.split("=", 1)
        runs.setdefault(int(size), []).append(read(path))
    if not runs:
        sys.exit(__doc__)
    parts: dict[int, dict[int, float]] = {}
    for size, logs in sorted(runs.items()):
        numbers = sorted(set.intersection(*(set(log) for log in logs)))
        took = {b: statistics.median(log[b][0] for log in logs) for b in numbers}
        charged = {b: logs[0][b][1] for b in numbers}
        before = [charged[b] for b in numbers if b < SESSION_START]
        if not before:
            sys.exit(f"N = {size}: no block before #{SESSION_START} to compare with")
        baseline = statistics.median(before)
        draw = [b for b in numbers if b >= SESSION_START and charged[b] > baseline + 1e6]
        idle = [b for b in numbers if b not in draw]
        if not draw:
            sys.exit(f"N = {size}: no draw block from #{SESSION_START}")
        idle_took = statistics.median(took[b] for b in idle)
        parts[size] = {b: took[b] - idle_took for b in draw}
        largest = max(draw, key=lambda b: parts[size][b])
        print(f"N = {size} ({len(logs)} rounds):")
        print(
            f"  idle blocks: {len(idle)}, charged {ms(baseline)}, executed median {ms(idle_took)}"
        )
        print(
            f"  draw blocks #{draw[0]}..#{draw[-1]}: charged {ms(sum(charged[b] for b in draw))}, "
            f"executed {ms(sum(took[b] for b in draw))} "
            f"({sum(took[b] for b in draw) / sum(charged[b] for b in draw) * 100:.1f} %); "
            f"the draw's part {ms(sum(parts[size].values()))}, largest {ms(parts[size][largest])} "
            f"of {ms(charged[largest] - baseline)} charged above an idle block (#{largest})"
        )
        for b in draw:
            print(
                f"    #{b}: executed {ms(took[b])} of {ms(charged[b])} charged; "
                f"draw part {ms(parts[size][b])} of {ms(charged[b] - baseline)}"
            )
    sizes = [size for size in sorted(parts) if len(parts[size]) > 1]
    for smaller, size in zip(sizes, sizes[1:]):
        base, now = parts[smaller], parts[size]
        common = sorted(set(base) & set(now))
        print(f"draw parts, N = {smaller} -> {size}, block by block:")
        for b in common:
            print(f"    #{b}: {ms(base[b])} -> {ms(now[b])} ({(now[b] / base[b] - 1) * 100:+.0f} %)")
        before, after = sum(base[b] for b in common), sum(now[b] for b in common)
        print(f"  all {len(common)}: {ms(before)} -> {ms(after)} ({(after / before - 1) * 100:+.1f} %)")


if __name__ == "__main__":
    main()
