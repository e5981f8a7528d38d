//! Genesis presets: `development` and `local_testnet` (the names of `sp_genesis_builder`).
//!
//! The committed chain specs in `chain-specs/` are generated from these presets
//! (`scripts/generate-chain-specs.sh`), and a test fails if they drift.

use crate::{AccountId, Balance, BalancesConfig, DpoaConfig, RuntimeGenesisConfig, SudoConfig, UNIT};
use alloc::{vec, vec::Vec};
use dpoa_consensus_primitives::AuthorityId as DpoaId;
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::Sr25519Keyring;

/// The balance every well-known dev account starts with.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// A genesis patch: `authorities` author blocks, `root` is sudo, `endowed` are funded.
fn genesis(authorities: Vec<DpoaId>, root: AccountId, endowed: Vec<AccountId>) -> Value {
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig {
			balances: endowed.into_iter().map(|account| (account, ENDOWMENT)).collect::<Vec<_>>(),
		},
		dpoa: DpoaConfig { authorities },
		sudo: SudoConfig { key: Some(root) },
	})
}

/// The trading center's DPoA key on the dev and local chains: Alice's.
fn trading_center() -> DpoaId {
	Sr25519Keyring::Alice.public().into()
}

/// The well-known dev accounts (Alice, Bob, ..., Ferdie and their `//stash` accounts).
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).collect()
}

/// `development`: a single node; Alice is the trading center and sudo.
pub fn development_config_genesis() -> Value {
	genesis(vec![trading_center()], Sr25519Keyring::Alice.to_account_id(), dev_accounts())
}

/// `local_testnet`: several nodes on one machine (`--alice`, `--bob`, ...); Alice's node is the
/// trading center and authors, the others import and verify.
pub fn local_config_genesis() -> Value {
	genesis(vec![trading_center()], Sr25519Keyring::Alice.to_account_id(), dev_accounts())
}

/// The preset named `id`, serialised as JSON.
pub fn get_preset(id: &PresetId) -> Option<Vec<u8>> {
	let patch = match id.as_ref() {
		sp_genesis_builder::DEV_RUNTIME_PRESET => development_config_genesis(),
		sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET => local_config_genesis(),
		_ => return None,
	};
	Some(
		serde_json::to_string(&patch)
			.expect("serialization to json is expected to work. qed.")
			.into_bytes(),
	)
}

/// The names of the presets.
pub fn preset_names() -> Vec<PresetId> {
	vec![
		PresetId::from(sp_genesis_builder::DEV_RUNTIME_PRESET),
		PresetId::from(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET),
	]
}
