//! `dpoa-node raw-spec`: turn a chain spec whose genesis is a patch into a raw one, building the
//! genesis state with the native runtime.
//!
//! The node builds a patched genesis in the wasm runtime, which receives the whole configuration
//! as one pretty-printed JSON string. The runtime's allocator gives no single allocation more
//! than 32 MiB, so a community of 100,000 registered nodes (37 MB of pretty-printed JSON) cannot
//! be built that way: "Requested allocation size is too large". The native runtime, the same
//! code compiled for the host, has no such limit. The raw spec holds the storage it builds and
//! the spec's own runtime code under `:code`; a node started with it never runs the genesis
//! build again. `scripts/bench-throughput.sh` uses it for `COMMUNITY=N`.

use dpoa_runtime::RuntimeGenesisConfig;
use serde_json::{json, Value};
use sp_core::{bytes, storage::Storage};
use sp_runtime::BuildStorage;
use std::{fs::File, io::BufWriter, path::PathBuf};

/// Arguments of `dpoa-node raw-spec`.
#[derive(Debug, Clone, clap::Parser)]
pub struct RawSpecCmd {
	/// The chain spec to convert: JSON whose `genesis.runtimeGenesis` has `code` and `patch`
	/// (what `build-spec` writes without `--raw`).
	#[arg(long)]
	pub chain: PathBuf,
	/// Where to write the raw chain spec.
	#[arg(long)]
	pub out: PathBuf,
	/// Also register and fund, at the default credit, the first N extra producers and N
	/// consumers of `dpoa-node throughput` (its `--extra-nodes N --extra-in-genesis`): nodes the
	/// first session's validator draw can pick, whose keys the tool holds.
	#[arg(long, default_value_t = 0)]
	pub throughput_nodes: u32,
}

impl RawSpecCmd {
	/// Reads the spec, builds its genesis natively and writes the raw spec.
	pub fn run(&self) -> Result<(), String> {
		let file = File::open(&self.chain)
			.map_err(|e| format!("cannot open {}: {e}", self.chain.display()))?;
		let mut spec: Value = serde_json::from_reader(std::io::BufReader::new(file))
			.map_err(|e| format!("{} is not JSON: {e}", self.chain.display()))?;
		if self.throughput_nodes > 0 {
			let patch = spec
				.pointer_mut("/genesis/runtimeGenesis/patch")
				.ok_or("the spec has no genesis.runtimeGenesis.patch")?;
			crate::throughput::add_genesis_nodes(patch, self.throughput_nodes)?;
		}
		make_raw(&mut spec)?;
		let out = File::create(&self.out)
			.map_err(|e| format!("cannot create {}: {e}", self.out.display()))?;
		serde_json::to_writer(BufWriter::new(out), &spec)
			.map_err(|e| format!("cannot write {}: {e}", self.out.display()))
	}
}

/// Replaces the spec's `genesis.runtimeGenesis` (code and patch) by `genesis.raw`: the storage
/// the native runtime builds from the patch applied to the default configuration, and the code.
pub fn make_raw(spec: &mut Value) -> Result<(), String> {
	let runtime_genesis = spec
		.pointer_mut("/genesis/runtimeGenesis")
		.map(Value::take)
		.ok_or("the spec has no genesis.runtimeGenesis (is it raw already?)")?;
	let code = runtime_genesis
		.get("code")
		.and_then(Value::as_str)
		.ok_or("genesis.runtimeGenesis has no code")
		.and_then(|code| bytes::from_hex(code).map_err(|_| "the runtime code is not hex"))?;
	let patch = runtime_genesis
		.get("patch")
		.cloned()
		.ok_or("genesis.runtimeGenesis has no patch (only patched geneses are converted)")?;
	let mut storage = native_storage(patch)?;
	storage.top.insert(sp_core::storage::well_known_keys::CODE.to_vec(), code);
	if !storage.children_default.is_empty() {
		return Err("the genesis has child tries, which this converter does not write".into());
	}
	let top: serde_json::Map<String, Value> = storage
		.top
		.iter()
		.map(|(key, value)| (bytes::to_hex(key, false), Value::String(bytes::to_hex(value, false))))
		.collect();
	spec["genesis"] = json!({ "raw": { "top": top, "childrenDefault": {} } });
	Ok(())
}

/// The genesis storage of the default configuration with `patch` applied (as the node applies a
/// chain spec's patch), built by the native runtime.
pub fn native_storage(patch: Value) -> Result<Storage, String> {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default())
		.map_err(|e| format!("cannot serialise the default genesis config: {e}"))?;
	sc_chain_spec::json_merge(&mut config, patch);
	let config: RuntimeGenesisConfig =
		serde_json::from_value(config).map_err(|e| format!("invalid genesis patch: {e}"))?;
	config.build_storage()
}

#[cfg(test)]
mod tests {
	use super::*;

	/// The dev chain's patch with a few more registered nodes, as `scripts/large-spec.py` adds
	/// them.
	fn dev_patch_with_more_nodes() -> Value {
		let spec = crate::chain_spec::development_chain_spec().expect("dev spec");
		let spec: Value =
			serde_json::from_str(&sc_service::ChainSpec::as_json(&spec, false).expect("json"))
				.expect("valid json");
		let mut patch = spec["genesis"]["runtimeGenesis"]["patch"].clone();
		for i in 0..3u8 {
			let account = sp_core::crypto::AccountId32::new([i + 100; 32]).to_string();
			let meter = sp_core::crypto::AccountId32::new([i + 200; 32]).to_string();
			let nodes = patch["registry"]["nodes"].as_array_mut().expect("dev nodes");
			nodes.push(json!([account, "producer", meter, 100_000]));
			let balances = patch["balances"]["balances"].as_array_mut().expect("dev balances");
			balances.push(json!([account, 1_000_000_000_000_000u128]));
		}
		patch
	}

	#[test]
	fn native_genesis_is_the_genesis_the_wasm_runtime_builds() {
		let patch = dev_patch_with_more_nodes();
		let native = native_storage(patch.clone()).expect("native genesis");
		let wasm = dpoa_runtime::WASM_BINARY.expect("the wasm runtime is built");
		let from_wasm = <sc_chain_spec::GenesisConfigBuilderRuntimeCaller>::new(wasm)
			.get_storage_for_patch(patch)
			.expect("wasm genesis");
		assert!(native.top.len() > 20, "a genesis with the dev community and three more nodes");
		assert_eq!(native.top, from_wasm.top);
		assert_eq!(native.children_default, from_wasm.children_default);
	}

	#[test]
	fn the_throughput_tools_nodes_in_genesis_are_drawn_as_validators() {
		use dpoa_runtime::{AccountId, Runtime};
		use sp_core::Pair;
		let spec = crate::chain_spec::development_chain_spec().expect("dev spec");
		let spec: Value =
			serde_json::from_str(&sc_service::ChainSpec::as_json(&spec, false).expect("json"))
				.expect("valid json");
		let mut patch = spec["genesis"]["runtimeGenesis"]["patch"].clone();
		let dev_nodes = patch["registry"]["nodes"].as_array().expect("dev nodes").len();
		crate::throughput::add_genesis_nodes(&mut patch, 40).expect("added");
		let storage = native_storage(patch).expect("native genesis");
		sp_io::TestExternalities::new(storage).execute_with(|| {
			let tools: std::collections::HashSet<AccountId> = crate::throughput::extra_nodes(40)
				.iter()
				.map(|node| AccountId::from(node.0.public()))
				.collect();
			assert_eq!(tools.len(), 80);
			for who in &tools {
				assert!(pallet_registry::Nodes::<Runtime>::contains_key(who), "registered");
				let free = pallet_balances::Pallet::<Runtime>::free_balance(who);
				assert_eq!(free, crate::throughput::extra_node_funds(), "funded as the tool funds");
			}
			// k = round(15 % of every node), all eligible at the default credit.
			let validators = pallet_verification::Validators::<Runtime>::get();
			let k = ((dev_nodes + 80) as f64 * 0.15).round() as usize;
			assert_eq!(validators.len(), k);
			assert!(
				validators.iter().any(|(who, _)| tools.contains(who)),
				"the draw picks among the tool's nodes"
			);
		});
	}

	#[test]
	fn the_raw_spec_holds_the_native_storage_and_the_code() {
		let spec = crate::chain_spec::development_chain_spec().expect("dev spec");
		let mut spec: Value =
			serde_json::from_str(&sc_service::ChainSpec::as_json(&spec, false).expect("json"))
				.expect("valid json");
		let code = spec["genesis"]["runtimeGenesis"]["code"].clone();
		let patch = spec["genesis"]["runtimeGenesis"]["patch"].clone();
		make_raw(&mut spec).expect("converted");
		let top = spec["genesis"]["raw"]["top"].as_object().expect("raw storage");
		assert_eq!(top[&bytes::to_hex(b":code", false)], code);
		let native = native_storage(patch).expect("native genesis");
		assert_eq!(top.len(), native.top.len() + 1);
		for (key, value) in &native.top {
			assert_eq!(top[&bytes::to_hex(key, false)], bytes::to_hex(value, false));
		}
		assert!(spec.pointer("/genesis/runtimeGenesis").is_none());
		assert!(make_raw(&mut spec).is_err(), "a raw spec is not converted twice");
	}
}
