#!/usr/bin/env python3
"""Writes a chain spec like chain-specs/dev.json with N more registered nodes (default 100,000),
each with a funded account and its own meter key: the state that `scripts/bench-storage.sh`
measures the database weights on (issue #6: costs must hold from 10 to 100,000 nodes).

With a CREDIT below the draw's eligibility threshold (90), the extra nodes get credit records at
that credit and are never drawn as validators: the session's validators stay the dev community,
whose keys `dpoa-node throughput` holds, so it can run its trades in a community of N more
nodes (`CHAIN=... scripts/bench-throughput.sh`). Their accounts have no key pairs.

Usage: large-spec.py <dev.json> <out.json> [N] [CREDIT]
"""
import hashlib
import json
import sys

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def ss58(public: bytes, prefix: int = 42) -> str:
    """The SS58 address of a 32-byte account id (generic Substrate prefix)."""
    data = bytes([prefix]) + public
    checksum = hashlib.blake2b(b"SS58PRE" + data, digest_size=64).digest()[:2]
    raw = data + checksum
    number = int.from_bytes(raw, "big")
    out = ""
    while number:
        number, rem = divmod(number, 58)
        out = ALPHABET[rem] + out
    return "1" * (len(raw) - len(raw.lstrip(b"\0"))) + out


def account(kind: str, i: int) -> str:
    """A deterministic account id: no key pair is needed to be stored or read."""
    return ss58(hashlib.blake2b(f"dpoa-large/{kind}/{i}".encode(), digest_size=32).digest())


def main() -> None:
    source, target = sys.argv[1], sys.argv[2]
    count = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
    credit = int(sys.argv[4]) if len(sys.argv) > 4 else None
    spec = json.load(open(source))
    patch = spec["genesis"]["runtimeGenesis"]["patch"]
    roles = ["producer", "consumer", "prosumer"]
    unit = 10**12
    for i in range(count):
        node = account("node", i)
        patch["registry"]["nodes"].append([node, roles[i % 3], account("meter", i), 100_000])
        patch["balances"]["balances"].append([node, 1_000 * unit])
        if credit is not None:
            # The credit pallet's genesis runs before the registry's, which keeps the record.
            patch.setdefault("credit", {}).setdefault("records", []).append([node, credit, 0])
    spec["name"] += f" ({count} extra nodes)"
    spec["id"] += "_large"
    json.dump(spec, open(target, "w"))


if __name__ == "__main__":
    main()
