//! Both genesis presets build a genesis state (through the wasm runtime's `GenesisBuilder`, as a
//! chain spec does) on which a block initialises and finalises.

use dpoa_consensus_primitives::{CompatibleDigestItem, PreDigest, Slot};
use dpoa_runtime::{
	genesis_config_presets::ENDOWMENT, Balances, Dpoa, Executive, Header, Runtime, RuntimeCall,
	System, UncheckedExtrinsic, SLOT_DURATION, WASM_BINARY,
};
use sc_chain_spec::{ChainType, GenericChainSpec};
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::DigestItem, traits::Header as _, BuildStorage, Digest};

fn genesis_storage(preset: &str) -> sp_runtime::Storage {
	GenericChainSpec::<()>::builder(WASM_BINARY.expect("wasm built"), ())
		.with_name("test")
		.with_id("test")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(preset)
		.build()
		.build_storage()
		.expect("the preset builds a genesis state")
}

fn check_preset(preset: &str) {
	let mut ext = sp_io::TestExternalities::new(genesis_storage(preset));
	ext.execute_with(|| {
		let alice = Sr25519Keyring::Alice;
		assert_eq!(Dpoa::authorities(), vec![alice.public().into()], "Alice is the trading center");
		assert_eq!(pallet_sudo::Key::<Runtime>::get(), Some(alice.to_account_id()));
		for account in Sr25519Keyring::iter() {
			assert_eq!(Balances::free_balance(account.to_account_id()), ENDOWMENT);
		}
		check_community(preset == sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET);

		// Block 1 in slot 1000, with the timestamp inherent in that slot.
		let slot = Slot::from(1_000u64);
		let vrf_signature = {
			use sp_core::crypto::VrfSecret;
			alice.pair().vrf_sign(&dpoa_consensus_primitives::slot_vrf_sign_data(slot))
		};
		let digest = Digest {
			logs: vec![DigestItem::dpoa_pre_digest(PreDigest { slot, authority_index: 0, vrf_signature })],
		};
		let header = Header::new(1, Default::default(), Default::default(), System::block_hash(0), digest);
		Executive::initialize_block(&header);
		let now = *slot * SLOT_DURATION;
		let inherent = UncheckedExtrinsic::new_bare(RuntimeCall::Timestamp(
			pallet_timestamp::Call::set { now },
		));
		Executive::apply_extrinsic(inherent).expect("applies").expect("dispatches");
		let finished = Executive::finalize_block();
		assert_eq!(*finished.number(), 1);
		assert_eq!(pallet_dpoa::CurrentSlot::<Runtime>::get(), slot);
		assert_ne!(pallet_dpoa::AccumulatedRandomness::<Runtime>::get(), [0u8; 32], "the VRF output");
		// The finality pallet recorded the block's session and its validators.
		let (session, validators) = dpoa_runtime::Finality::validators_of(1).expect("recorded");
		assert_eq!(session, pallet_verification::Session::<Runtime>::get());
		assert_eq!(validators.len(), pallet_verification::Validators::<Runtime>::get().len());
		assert_eq!(pallet_timestamp::Now::<Runtime>::get(), now);
	});
}

/// The energy community of the presets: registered, with credit records, penalty shares and a
/// validator draw of several. On `local` only Bob, Charlie, Dave and Eve are eligible (the
/// others start at 89) and all four are drawn (20 %).
fn check_community(local: bool) {
	use dpoa_runtime::{genesis_config_presets::community, Credit, Penalty};
	use energy_primitives::{CreditScore, Registry as _};
	let alice = Sr25519Keyring::Alice.to_account_id();
	assert_eq!(<dpoa_runtime::Registry as energy_primitives::Registry<_>>::trading_center(), Some(alice.clone()));
	let nodes = community();
	assert_eq!(nodes.len(), 20);
	for (who, role, meter) in &nodes {
		assert_eq!(dpoa_runtime::Registry::active_role(who), Some(*role));
		assert_eq!(dpoa_runtime::Registry::node_of_meter(meter), Some(who.clone()));
		let local_validator = dpoa_runtime::genesis_config_presets::local_validators().contains(who);
		let expected = if local && !local_validator { 89 } else { 100 };
		assert_eq!(Credit::credit(who), Some(expected));
		assert!(Balances::free_balance(meter) > 0, "meters can pay fees");
	}
	assert_eq!(pallet_registry::ActiveCount::<Runtime>::get(), 20);
	let total_credit = if local { 4 * 100 + 16 * 89 } else { 2000 };
	assert_eq!(pallet_penalty::TotalWeight::<Runtime>::get(), total_credit);
	let validators = pallet_verification::Validators::<Runtime>::get();
	if local {
		let mut drawn: Vec<_> = validators.iter().map(|(v, _)| v.clone()).collect();
		let mut expected = dpoa_runtime::genesis_config_presets::local_validators();
		drawn.sort();
		expected.sort();
		assert_eq!(drawn, expected, "20 % of 20 nodes, the four eligible ones");
	} else {
		assert_eq!(validators.len(), 3, "15 % of 20 nodes");
	}
	for (validator, _) in validators.iter() {
		assert!(nodes.iter().any(|(who, _, _)| who == validator));
	}
	// The penalty pot exists, holding the minimum balance.
	assert_eq!(
		Balances::free_balance(Penalty::pot_account()),
		dpoa_runtime::EXISTENTIAL_DEPOSIT
	);
}

#[test]
fn development_preset_initialises() {
	check_preset(sp_genesis_builder::DEV_RUNTIME_PRESET);
}

#[test]
fn local_testnet_preset_initialises() {
	check_preset(sp_genesis_builder::LOCAL_TESTNET_RUNTIME_PRESET);
}

#[test]
fn presets_are_listed_and_unknown_ones_refused() {
	use dpoa_runtime::genesis_config_presets::{get_preset, preset_names};
	let names = preset_names();
	assert_eq!(names, vec!["development".to_string(), "local_testnet".to_string()]);
	assert!(get_preset(&"no_such_preset".to_string()).is_none());
}
