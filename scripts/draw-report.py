#!/usr/bin/env python3
"""Compares the validator draw's blocks re-executed on nodes of different community sizes
(scripts/bench-draw.sh).

Each argument is N=LOG, a `dpoa-node benchmark block` log of the blocks around the start of
session 1 on a chain with N more nodes; several logs of one N (rounds) are combined by taking,
block by block, the median of their execution times. A block belongs to the draw when it was
charged more than 1 ms above the median of the blocks before #100 (the idle blocks, which carry
only the hooks). The blocks charged the most are the full ones, 64 draw steps each
(MaxDrawStepsPerBlock). For each N the script prints the idle and the draw blocks, the full
draw block's execution time, and its part above an idle block's (the draw's share of a block);
then the changes of these against the first N with full draw blocks.

Usage: draw-report.py N=LOG [N=LOG ...]
"""
import re
import statistics
import sys

LINE = re.compile(
    r"Block (\d+) with\s+(\d+) tx used\s+[\d.]+% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)"
)
SESSION_START = 100


def read(path: str) -> dict[int, tuple[int, int]]:
    """Block number -> (execution ns, charged ns)."""
    blocks = {}
    for line in open(path):
        match = LINE.search(line)
        if match:
            took, charged = (int(match[i].replace(",", "")) for i in (3, 4))
            blocks[int(match[1])] = (took, charged)
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
    summary = {}
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
        most = max(charged[b] for b in draw)
        full = [b for b in draw if charged[b] == most]
        idle_took = statistics.median(took[b] for b in idle)
        full_took = statistics.median(took[b] for b in full)
        summary[size] = (len(full), full_took, full_took - idle_took, idle_took)
        print(f"N = {size} ({len(logs)} rounds):")
        print(
            f"  idle blocks: {len(idle)}, charged {ms(baseline)}, executed median {ms(idle_took)}"
        )
        print(
            f"  draw blocks #{draw[0]}..#{draw[-1]}: charged {ms(sum(charged[b] for b in draw))}, "
            f"executed {ms(sum(took[b] for b in draw))} "
            f"({sum(took[b] for b in draw) / sum(charged[b] for b in draw) * 100:.1f} %)"
        )
        print(
            f"  the fullest ({len(full)}, charged {ms(most)} each): executed median "
            f"{ms(full_took)}, largest {ms(max(took[b] for b in full))}; "
            f"above an idle block {ms(full_took - idle_took)}"
        )
        for b in draw:
            print(f"    #{b}: executed {ms(took[b])} of {ms(charged[b])} charged")
    sizes = [size for size in sorted(summary) if summary[size][0] > 1]
    for size in sizes[1:]:
        base, now = summary[sizes[0]], summary[size]
        print(
            f"full draw block, N = {sizes[0]} -> {size}: executed {ms(base[1])} -> {ms(now[1])} "
            f"({(now[1] / base[1] - 1) * 100:+.1f} %); the draw's part {ms(base[2])} -> "
            f"{ms(now[2])} ({(now[2] / base[2] - 1) * 100:+.1f} %); idle block {ms(base[3])} -> "
            f"{ms(now[3])} ({(now[3] / base[3] - 1) * 100:+.1f} %)"
        )


if __name__ == "__main__":
    main()
