//! Chain specifications built from the runtime's genesis presets.

use dpoa_runtime::WASM_BINARY;
use sc_service::ChainType;

/// The chain specification type of this node.
pub type ChainSpec = sc_service::GenericChainSpec;

fn wasm() -> Result<&'static [u8], String> {
	WASM_BINARY.ok_or_else(|| "The runtime's wasm binary is not available".to_string())
}

fn properties() -> sc_service::Properties {
	let mut properties = sc_service::Properties::new();
	properties.insert("tokenSymbol".into(), "ENR".into());
	properties.insert("tokenDecimals".into(), 12.into());
	properties.insert("ss58Format".into(), 42.into());
	properties
}

/// `--dev`: one node, Alice is the trading center (preset `development`).
pub fn development_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("DPoA Energy Development")
		.with_id("dpoa_dev")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}

/// `--chain local`: several nodes on one machine; Alice's node authors (preset
/// `local_testnet`).
pub fn local_chain_spec() -> Result<ChainSpec, String> {
	Ok(ChainSpec::builder(wasm()?, None)
		.with_name("DPoA Energy Local Testnet")
		.with_id("dpoa_local")
		.with_chain_type(ChainType::Local)
		.with_genesis_config_preset_name(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET)
		.with_properties(properties())
		.build())
}
