# Sourced by the other scripts: one persistent cargo target directory outside the checkout, so a
# new clone reuses the build (a cold build of the node takes most of an hour on 2 cores).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dpoa-target}"
export PATH="$HOME/.cargo/bin:$PATH"
# The node of that build, unless NODE_BIN names another (the tests give the one cargo built them).
NODE_BIN="${NODE_BIN:-$CARGO_TARGET_DIR/release/dpoa-node}"
export NODE_BIN
# The runtime of that build, which `benchmark pallet` measures.
RUNTIME_WASM="$CARGO_TARGET_DIR/release/wbuild/dpoa-runtime/dpoa_runtime.compact.compressed.wasm"

# Writes to OUT the dev chain spec of this build with N more registered, funded nodes
# (scripts/large-spec.py; CREDIT, if given, is their credit), made raw by `dpoa-node raw-spec`:
# the wasm runtime cannot build a genesis of 100,000 nodes (its configuration, 37 MB of JSON, is
# more than the one allocation of 32 MiB its allocator gives). THROUGHPUT_NODES=M registers the
# throughput tool's M extra producers and M consumers as well, at the default credit.
large_raw_spec() { # OUT N [CREDIT]
	"$NODE_BIN" build-spec --chain dev --disable-default-bootnode 2>/dev/null >"$1.dev"
	python3 scripts/large-spec.py "$1.dev" "$1.patched" "$2" ${3:+"$3"}
	"$NODE_BIN" raw-spec --chain "$1.patched" --out "$1" --throughput-nodes "${THROUGHPUT_NODES:-0}"
	rm "$1.dev" "$1.patched"
}

# The best block number of the node whose JSON-RPC listens on 127.0.0.1:PORT; 0 while it does not
# answer.
best_block() { # PORT
	local header='{"id":1,"jsonrpc":"2.0","method":"chain_getHeader","params":[]}' number
	number="$( (curl -s -H 'Content-Type: application/json' -d "$header" \
		"http://127.0.0.1:$1" || true) | sed -nE 's/.*"number":"(0x[0-9a-f]+)".*/\1/p')"
	echo $((${number:-0}))
}
