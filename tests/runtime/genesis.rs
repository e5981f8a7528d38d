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

		// Block 1 in slot 1000, with the timestamp inherent in that slot.
		let slot = Slot::from(1_000u64);
		let digest = Digest {
			logs: vec![DigestItem::dpoa_pre_digest(PreDigest { slot, authority_index: 0 })],
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
		assert_eq!(pallet_timestamp::Now::<Runtime>::get(), now);
	});
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
