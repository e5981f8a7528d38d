//! Test runtime for the DPoA pallet.

use crate as pallet_dpoa;
use dpoa_consensus_primitives::{AuthorityId, CompatibleDigestItem, PreDigest, Slot};
use frame_support::{derive_impl, parameter_types, traits::ConstU32};
use frame_system::EnsureRoot;
use sp_runtime::{generic::DigestItem, BuildStorage, Digest};

type Block = frame_system::mocking::MockBlock<Test>;

/// Slot duration of the test runtime, in milliseconds.
pub const SLOT_DURATION: u64 = 6000;
/// Maximum authorities of the test runtime.
pub const MAX_AUTHORITIES: u32 = 4;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;
	#[runtime::pallet_index(2)]
	pub type Dpoa = pallet_dpoa;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

parameter_types! {
	pub const SlotDuration: u64 = SLOT_DURATION;
}

#[derive_impl(pallet_timestamp::config_preludes::TestDefaultConfig)]
impl pallet_timestamp::Config for Test {
	type OnTimestampSet = Dpoa;
	type MinimumPeriod = frame_support::traits::ConstU64<{ SLOT_DURATION / 2 }>;
}

impl pallet_dpoa::Config for Test {
	type RuntimeEvent = RuntimeEvent;
	type AdminOrigin = EnsureRoot<u64>;
	type MaxAuthorities = ConstU32<MAX_AUTHORITIES>;
	type SlotDuration = SlotDuration;
	type WeightInfo = ();
}

/// The key pair of test authority `i`.
pub fn pair(i: u8) -> sp_core::sr25519::Pair {
	use sp_core::Pair;
	sp_core::sr25519::Pair::from_seed(&[i; 32])
}

/// A deterministic authority key for tests: the public key of [`pair`]`(i)`.
pub fn authority(i: u8) -> AuthorityId {
	use sp_core::Pair;
	AuthorityId::from(pair(i).public())
}

/// The VRF signature of test authority `i` for `slot`.
pub fn vrf_signature(i: u8, slot: u64) -> dpoa_consensus_primitives::VrfSignature {
	use sp_core::crypto::VrfSecret;
	pair(i).vrf_sign(&dpoa_consensus_primitives::slot_vrf_sign_data(Slot::from(slot)))
}

/// Builds test externalities with a chosen genesis authority set.
pub struct ExtBuilder {
	authorities: Vec<AuthorityId>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { authorities: vec![authority(1)] }
	}
}

impl ExtBuilder {
	/// Use these genesis authorities.
	pub fn authorities(mut self, authorities: Vec<AuthorityId>) -> Self {
		self.authorities = authorities;
		self
	}

	/// Build the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_dpoa::GenesisConfig::<Test> { authorities: self.authorities, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Dpoa::do_try_state().expect("DPoA invariants hold after the test");
		});
	}
}

/// Start block `number` with a DPoA pre-digest for `slot` by the first authority, with its VRF
/// signature, and run `on_initialize`.
pub fn initialize_block_at_slot(number: u64, slot: u64) {
	let first = Dpoa::authorities()[0].clone();
	let i = (0..=u8::MAX).find(|i| authority(*i) == first).expect("a test authority");
	initialize_block_with(number, PreDigest {
		slot: Slot::from(slot),
		authority_index: 0,
		vrf_signature: vrf_signature(i, slot),
	});
}

/// Start block `number` with `pre_digest` and run `on_initialize`.
pub fn initialize_block_with(number: u64, pre_digest: PreDigest) {
	use frame_support::traits::OnInitialize;
	let digest = Digest { logs: vec![DigestItem::dpoa_pre_digest(pre_digest)] };
	System::reset_events();
	// `System::initialize` requires `number` to follow the current block number.
	System::set_block_number(number - 1);
	System::initialize(&number, &Default::default(), &digest);
	Dpoa::on_initialize(number);
}
