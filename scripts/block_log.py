"""Reads a `dpoa-node benchmark block` log (scripts/replay-report.py, scripts/draw-report.py).

Each block's line says how long re-executing it took against the weight it was charged:
`Block 12 with  874 tx used  71.23% of its weight (1,424,600,000 of 2,000,000,000 ns)`.
"""
import re

LINE = re.compile(
    r"Block (\d+) with\s+(\d+) tx used\s+[\d.]+% of its weight \(\s*([\d,]+) of\s+([\d,]+) ns\)"
)


def blocks(path: str) -> list[tuple[int, int, int, int]]:
    """The log's blocks in order: (number, extrinsics, execution ns, charged ns)."""
    found = []
    for line in open(path):
        match = LINE.search(line)
        if match:
            took, charged = (int(match[i].replace(",", "")) for i in (3, 4))
            found.append((int(match[1]), int(match[2]), took, charged))
    return found
