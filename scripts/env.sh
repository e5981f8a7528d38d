# Sourced by the other scripts: one persistent cargo target directory outside the checkout, so a
# new clone reuses the build (a cold build of the node takes most of an hour on 2 cores).
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/dpoa-target}"
export PATH="$HOME/.cargo/bin:$PATH"
NODE_BIN="$CARGO_TARGET_DIR/release/dpoa-node"
export NODE_BIN
