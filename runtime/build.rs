//! Builds the runtime's WebAssembly blob (needs the `wasm32-unknown-unknown` target and the
//! `rust-src` component; `scripts/setup.sh` installs both).

#[cfg(feature = "std")]
fn main() {
	substrate_wasm_builder::WasmBuilder::build_using_defaults();
}

#[cfg(not(feature = "std"))]
fn main() {}
