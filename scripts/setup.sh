#!/usr/bin/env bash
# Installs everything building the node needs on a fresh Debian 12 machine with rustup:
# Debian packages (protoc for the networking crates, a C toolchain, Node.js and npm for the
# polkadot.js end-to-end suite, jemalloc for scripts/bench-scale.sh), the toolchain pinned in
# rust-toolchain.toml with the wasm32-unknown-unknown target and rust-src (the runtime's wasm
# build needs both). Idempotent; quiet when everything is there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"

need_apt=()
command -v protoc >/dev/null 2>&1 || need_apt+=(protobuf-compiler)
command -v cc >/dev/null 2>&1 || need_apt+=(build-essential)
command -v git >/dev/null 2>&1 || need_apt+=(git)
command -v curl >/dev/null 2>&1 || need_apt+=(curl)
# The polkadot.js end-to-end suite (tests/e2e) runs on Node.js with npm.
command -v node >/dev/null 2>&1 || need_apt+=(nodejs)
command -v npm >/dev/null 2>&1 || need_apt+=(npm)
# scripts/bench-scale.sh runs the benchmarks under jemalloc (LD_PRELOAD).
[ -e /usr/lib/x86_64-linux-gnu/libjemalloc.so.2 ] || need_apt+=(libjemalloc2)
if [ ${#need_apt[@]} -gt 0 ]; then
	echo "setup: installing Debian packages: ${need_apt[*]}"
	$SUDO apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

if ! command -v rustup >/dev/null 2>&1; then
	echo "setup: rustup is required (https://rustup.rs); it is not installed" >&2
	exit 1
fi
# rust-toolchain.toml names the components and target; make sure they are installed.
rustup show active-toolchain >/dev/null 2>&1 || rustup toolchain install
installed_targets=$(rustup target list --installed)
echo "$installed_targets" | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
rustup component list --installed | grep -q '^rust-src' || rustup component add rust-src
