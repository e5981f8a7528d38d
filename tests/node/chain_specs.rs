//! The committed chain specs in `chain-specs/` are what `dpoa-node build-spec` generates from the
//! runtime's presets (`scripts/generate-chain-specs.sh` regenerates them).
//!
//! The runtime code blob is compared by presence only: its bytes embed the absolute paths of
//! the build, so they differ between checkouts even for the same source.

mod common;

use serde_json::Value;
use std::process::Command;

fn generated(chain: &str) -> Value {
	let output = Command::new(common::node_bin())
		.args(["build-spec", "--chain", chain, "--disable-default-bootnode"])
		.stderr(std::process::Stdio::null())
		.output()
		.unwrap();
	assert!(output.status.success(), "build-spec --chain {chain} succeeds");
	serde_json::from_slice(&output.stdout).unwrap()
}

fn committed(file: &str) -> Value {
	let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../chain-specs").join(file);
	let text = std::fs::read_to_string(&path)
		.unwrap_or_else(|e| panic!("{}: {e}; run scripts/generate-chain-specs.sh", path.display()));
	serde_json::from_str(&text).unwrap()
}

/// Take the code out of a spec, checking it is there.
fn without_code(mut spec: Value, what: &str) -> Value {
	let code = spec["genesis"]["runtimeGenesis"]
		.as_object_mut()
		.and_then(|g| g.remove("code"))
		.unwrap_or_else(|| panic!("{what} has no runtime code"));
	assert!(code.as_str().is_some_and(|c| c.starts_with("0x") && c.len() > 1000), "{what}: code");
	spec
}

fn check(chain: &str, file: &str) {
	let generated = without_code(generated(chain), "generated spec");
	let committed = without_code(committed(file), file);
	assert!(
		generated == committed,
		"chain-specs/{file} drifted from the `{chain}` preset; run scripts/generate-chain-specs.sh"
	);
}

#[test]
fn dev_chain_spec_matches_the_preset() {
	check("dev", "dev.json");
}

#[test]
fn local_chain_spec_matches_the_preset() {
	check("local", "local.json");
}
