#!/usr/bin/env python3
"""Measure DPoA finality on a five-node `--chain local` network on 127.0.0.1.

Starts Alice (the trading center) and the validators Bob, Charlie, Dave and Eve, samples
`dpoa_finalityStatus` on Alice's node until BLOCKS blocks (default 200) have been imported after
the first finalised block, and prints:

- the finality lag (best - finalised) seen when each new best block arrived: median and max;
- for every justified block, the share of its session's validator weight that attested it when
  it reached the quorum: min, median, max;
- the last line: `blocks=<n> lag_median=<x> lag_max=<y> attested_share_min=<a>
  attested_share_median=<b>`.

Usage: scripts/measure-finality.py [BLOCKS]   (build first: cargo build --release)
Needs only the Python 3 standard library.
"""

import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

BLOCKS = int(sys.argv[1]) if len(sys.argv) > 1 else 200
TARGET = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/dpoa-target"))
NODE = os.environ.get("NODE_BIN", os.path.join(TARGET, "release", "dpoa-node"))
BOOT_ID = "12D3KooWEyoppNCUx8Yx66oV9fJnriXwCcXwDDUA2kj6vnc6iDEp"  # node key 0x..01


def rpc(port, method, params=None):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}", body.encode(), {"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.load(response)
    if "error" in reply:
        raise RuntimeError(reply["error"])
    return reply["result"]


def main():
    base = tempfile.mkdtemp(prefix="dpoa-finality-")
    nodes = []
    try:
        for i, who in enumerate(["alice", "bob", "charlie", "dave", "eve"]):
            args = [
                NODE, "--chain", "local", f"--{who}", "--base-path", os.path.join(base, who),
                "--node-key", f"{i + 1:064x}", "--port", str(30433 + i),
                "--rpc-port", str(9960 + i), "--no-prometheus", "--no-telemetry", "--no-mdns",
            ]
            if i:
                args += ["--bootnodes", f"/ip4/127.0.0.1/tcp/30433/p2p/{BOOT_ID}"]
            log = open(os.path.join(base, f"{who}.log"), "w")
            nodes.append(subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=log))
        lags, shares, seen_best, first = [], {}, None, None
        deadline = time.time() + 60 + BLOCKS * 6 * 2
        while time.time() < deadline:
            try:
                status = rpc(9960, "dpoa_finalityStatus")
            except Exception:
                time.sleep(1)
                continue
            best, finalized = status["best"]["number"], status["finalized"]["number"]
            if first is None and finalized > 0:
                first = best
            if first is not None and best != seen_best:
                seen_best = best
                lags.append(best - finalized)
            for j in status["justified"]:
                total = int(j["sessionWeight"])
                if total:
                    shares[j["number"]] = int(j["attestedWeight"]) / total
            if first is not None and best - first >= BLOCKS:
                break
            time.sleep(0.5)
        if not lags:
            sys.exit("no finality observed; logs in " + base)
        share_values = list(shares.values())
        print(f"blocks sampled: {len(lags)} (#{first}..#{seen_best})")
        print(f"finality lag at each new best block: median {statistics.median(lags)}, max {max(lags)}")
        print(f"lag histogram: { {l: lags.count(l) for l in sorted(set(lags))} }")
        print(
            f"attested weight share at justification over {len(share_values)} blocks: "
            f"min {min(share_values):.3f}, median {statistics.median(share_values):.3f}, "
            f"max {max(share_values):.3f}"
        )
        print(
            f"blocks={len(lags)} lag_median={statistics.median(lags)} lag_max={max(lags)} "
            f"attested_share_min={min(share_values):.3f} "
            f"attested_share_median={statistics.median(share_values):.3f}"
        )
    finally:
        for n in nodes:
            n.terminate()
        for n in nodes:
            try:
                n.wait(timeout=20)
            except subprocess.TimeoutExpired:
                n.kill()
        if os.environ.get("KEEP_LOGS"):
            print("logs in", base)
        else:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    main()
