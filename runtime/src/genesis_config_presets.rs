//! Genesis presets: `development` and `local_testnet` (the names of `sp_genesis_builder`).
//!
//! The committed chain specs in `chain-specs/` are generated from these presets
//! (`scripts/generate-chain-specs.sh`), and a test fails if they drift.

use crate::{
	AccountId, Balance, BalancesConfig, CreditConfig, DpoaConfig, RegistryConfig,
	RuntimeGenesisConfig, SudoConfig, VerificationConfig, UNIT,
};
use alloc::{vec, vec::Vec};
use dpoa_consensus_primitives::AuthorityId as DpoaId;
use energy_primitives::Role;
use sp_core::Pair;
use frame_support::build_struct_json_patch;
use serde_json::Value;
use sp_genesis_builder::{self, PresetId};
use sp_keyring::Sr25519Keyring;

/// The balance every well-known dev account starts with.
pub const ENDOWMENT: Balance = 1_000_000 * UNIT;

/// What a meter key starts with: enough for years of readings' fees.
pub const METER_ENDOWMENT: Balance = 1_000 * UNIT;
/// The declared capacity of every genesis node: 100 kWh per contract.
pub const NODE_CAPACITY_WH: u64 = 100_000;

/// A genesis patch: `authorities` author blocks, `root` is sudo and the trading center's
/// account, `endowed` are funded, `nodes` (account, role, meter) are registered.
fn genesis(
	authorities: Vec<DpoaId>,
	root: AccountId,
	endowed: Vec<AccountId>,
	nodes: Vec<(AccountId, Role, AccountId)>,
) -> Value {
	let mut balances: Vec<(AccountId, Balance)> =
		endowed.into_iter().map(|account| (account, ENDOWMENT)).collect();
	// The grid buys producers' surpluses from this account.
	balances.push((crate::configs::GridAccount::get(), ENDOWMENT));
	for (_, _, meter) in &nodes {
		if !balances.iter().any(|(a, _)| a == meter) {
			balances.push((meter.clone(), METER_ENDOWMENT));
		}
	}
	let nodes: Vec<_> = nodes
		.into_iter()
		.map(|(who, role, meter)| (who, role, meter, NODE_CAPACITY_WH))
		.collect();
	build_struct_json_patch!(RuntimeGenesisConfig {
		balances: BalancesConfig { balances },
		dpoa: DpoaConfig { authorities },
		sudo: SudoConfig { key: Some(root.clone()) },
		registry: RegistryConfig { trading_center: Some(root), nodes },
	})
}

/// The account of the dev key `//{index}` (polkadot.js: `keyring.addFromUri('//7')`).
fn numbered(index: usize) -> AccountId {
	Sr25519Keyring::numeric_id(index)
}

/// The dev community: 20 nodes among the well-known dev accounts and `//1`..`//8`.
///
/// - producers: Bob, Charlie, Bob//stash, Charlie//stash, //1, //2, //3, //4;
/// - consumers: Dave, Eve, Dave//stash, Eve//stash, //5, //6, //7, //8;
/// - prosumers: Ferdie, Ferdie//stash, One, Two.
///
/// Node `i` (in that order) has the meter key `//meter{i}`. All start at the initial credit,
/// so all are eligible, and the 15 % validator ratio draws 3 validators per session.
/// Alice is the trading center; Alice//stash is left out so a user can try the application
/// flow with it.
pub fn community() -> Vec<(AccountId, Role, AccountId)> {
	use Sr25519Keyring::*;
	let producers = [Bob, Charlie, BobStash, CharlieStash].map(|k| k.to_account_id());
	let consumers = [Dave, Eve, DaveStash, EveStash].map(|k| k.to_account_id());
	let prosumers = [Ferdie, FerdieStash, One, Two].map(|k| k.to_account_id());
	let nodes = producers
		.into_iter()
		.chain((1..=4).map(numbered))
		.map(|a| (a, Role::Producer))
		.chain(consumers.into_iter().chain((5..=8).map(numbered)).map(|a| (a, Role::Consumer)))
		.chain(prosumers.into_iter().map(|a| (a, Role::Prosumer)));
	nodes
		.enumerate()
		.map(|(i, (who, role))| (who, role, meter(i)))
		.collect()
}

/// The meter key `//meter{i}` of community node `i`.
pub fn meter(i: usize) -> AccountId {
	let pair = sp_core::sr25519::Pair::from_string(&alloc::format!("//meter{i}"), None)
		.expect("a static derivation path is valid; qed");
	AccountId::from(pair.public())
}

/// The trading center's DPoA key on the dev and local chains: Alice's.
fn trading_center() -> DpoaId {
	Sr25519Keyring::Alice.public().into()
}

/// The well-known dev accounts (Alice, Bob, ..., Ferdie, their `//stash` accounts, One, Two)
/// and `//1`..`//8`.
fn dev_accounts() -> Vec<AccountId> {
	Sr25519Keyring::iter().map(|k| k.to_account_id()).chain((1..=8).map(numbered)).collect()
}

/// `development`: a single node; Alice is the trading center and sudo; the [`community`] is
/// registered.
pub fn development_config_genesis() -> Value {
	genesis(
		vec![trading_center()],
		Sr25519Keyring::Alice.to_account_id(),
		dev_accounts(),
		community(),
	)
}

/// The validators of the local network: the nodes started with `--bob`, `--charlie`, `--dave`
/// and `--eve`.
pub fn local_validators() -> Vec<AccountId> {
	use Sr25519Keyring::*;
	[Bob, Charlie, Dave, Eve].iter().map(|k| k.to_account_id()).collect()
}

/// `local_testnet`: five nodes on one machine (`--alice`, `--bob`, `--charlie`, `--dave`,
/// `--eve`); Alice's node is the trading center and authors. The [`community`] is registered,
/// but only Bob, Charlie, Dave and Eve start at the initial credit; the others start at 89,
/// below the validator threshold (90), and the draw ratio is 20 %, so every session's
/// validators are exactly those four (`round(0.2 * 20) = 4`), whose nodes attest blocks.
pub fn local_config_genesis() -> Value {
	let mut patch = genesis(
		vec![trading_center()],
		Sr25519Keyring::Alice.to_account_id(),
		dev_accounts(),
		community(),
	);
	let validators = local_validators();
	let records: Vec<(AccountId, u32, u32)> = community()
		.into_iter()
		.filter(|(who, _, _)| !validators.contains(who))
		.map(|(who, _, _)| (who, 89, 0))
		.collect();
	let extra = build_struct_json_patch!(RuntimeGenesisConfig {
		credit: CreditConfig { records },
		verification: VerificationConfig { ratio_percent: 20 },
	});
	if let (Value::Object(patch), Value::Object(extra)) = (&mut patch, extra) {
		patch.extend(extra);
	}
	patch
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
