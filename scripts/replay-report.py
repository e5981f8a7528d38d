#!/usr/bin/env python3
"""Summarises a `dpoa-node benchmark block` log (scripts/bench-throughput.sh with REPLAY=1).

Each line of the log says how long re-executing a block took against the weight the block was
charged. The blocks that used at least half of the 2 s weight are grouped by phase of the
throughput run (a block with 1,000 extrinsics or more is a transfer block, the trade blocks hold
fewer, batched calls) and for each phase the script prints the execution time as a share of the
charged weight: over all its blocks, and the median and largest block. A share that stays the
same in a small and a large community means the calls cost no more there than they are charged.

Usage: replay-report.py <benchmark-block.log>
"""
import statistics
import sys

from block_log import blocks as read_blocks

FULL_NS = 1_000_000_000  # half of the block's 2 s weight


def main() -> None:
    phases: dict[str, list[tuple[int, int, int]]] = {}
    for block, txs, took, charged in read_blocks(sys.argv[1]):
        if charged < FULL_NS:
            continue
        phase = "transfers" if txs >= 1000 else "trades"
        phases.setdefault(phase, []).append((block, took, charged))
    if not phases:
        sys.exit("no block in the log used half of its weight")
    for phase, blocks in sorted(phases.items()):
        took = sum(b[1] for b in blocks)
        charged = sum(b[2] for b in blocks)
        shares = [b[1] / b[2] * 100 for b in blocks]
        largest = max(blocks, key=lambda b: b[1] / b[2])
        print(
            f"replay {phase}: {len(blocks)} blocks #{blocks[0][0]}..#{blocks[-1][0]}, "
            f"executed in {took / 1e6:,.1f} ms of {charged / 1e6:,.1f} ms charged: "
            f"{took / charged * 100:.1f} % (median block {statistics.median(shares):.1f} %, "
            f"largest {max(shares):.1f} % at #{largest[0]})"
        )


if __name__ == "__main__":
    main()
