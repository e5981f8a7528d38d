//! Test runtime for the finality pallet: validators and credit are mocked.

use crate as pallet_finality;
use energy_primitives::{credit::CreditParams, CreditChange, CreditScore, ValidatorSet};
use frame_support::{derive_impl, parameter_types, traits::Hooks};
use sp_core::{sr25519, Pair, H256};
use sp_runtime::{AccountId32, BuildStorage, FixedU128};
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Finality = pallet_finality;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountId = AccountId32;
	type Lookup = sp_runtime::traits::IdentityLookup<AccountId32>;
}

thread_local! {
	static SESSION: RefCell<u32> = const { RefCell::new(0) };
	static VALIDATORS: RefCell<Vec<(AccountId32, u128)>> = const { RefCell::new(Vec::new()) };
	/// (who, defaulted) of record_trade; (who, correct) of record_verification.
	pub static TRADES: RefCell<Vec<(AccountId32, bool)>> = const { RefCell::new(Vec::new()) };
	pub static VERIFICATIONS: RefCell<Vec<(AccountId32, bool)>> = const { RefCell::new(Vec::new()) };
}

/// The session's validators, settable by tests.
pub struct MockValidators;
impl ValidatorSet<AccountId32> for MockValidators {
	fn session() -> u32 {
		SESSION.with(|s| *s.borrow())
	}
	fn validator_weight(who: &AccountId32) -> Option<u128> {
		VALIDATORS.with(|v| v.borrow().iter().find(|(a, _)| a == who).map(|(_, w)| *w))
	}
	fn total_weight() -> u128 {
		VALIDATORS.with(|v| v.borrow().iter().map(|(_, w)| w).sum())
	}
	fn validators() -> Vec<(AccountId32, u128)> {
		VALIDATORS.with(|v| v.borrow().clone())
	}
	fn remove_validator(who: &AccountId32) -> bool {
		VALIDATORS.with(|v| {
			let mut v = v.borrow_mut();
			let before = v.len();
			v.retain(|(a, _)| a != who);
			v.len() != before
		})
	}
}

/// Start session `session` with `validators` (keyring index, weight).
pub fn set_session(session: u32, validators: &[(u8, u128)]) {
	SESSION.with(|s| *s.borrow_mut() = session);
	VALIDATORS.with(|v| *v.borrow_mut() = validators.iter().map(|(i, w)| (account(*i), *w)).collect());
}

/// Records what the pallet charges.
pub struct MockCredits;
impl CreditScore<AccountId32> for MockCredits {
	fn params() -> CreditParams {
		CreditParams::default()
	}
	fn credit(_: &AccountId32) -> Option<u32> {
		Some(100)
	}
	fn verification_credit(_: &AccountId32) -> FixedU128 {
		FixedU128::from_u32(1)
	}
	fn record_trade(who: &AccountId32, defaulted: bool) -> Option<CreditChange> {
		TRADES.with(|t| t.borrow_mut().push((who.clone(), defaulted)));
		None
	}
	fn record_verification(who: &AccountId32, correct: bool) {
		VERIFICATIONS.with(|t| t.borrow_mut().push((who.clone(), correct)));
	}
	fn apply_verifications(_: &AccountId32, _: energy_primitives::StreakDelta) {
		unreachable!("the finality pallet judges one verification at a time");
	}
}

parameter_types! {
	pub const MaxValidators: u32 = 8;
	pub const CheckpointInterval: u32 = 1;
	pub const AttestationWindow: u32 = 16;
}

impl pallet_finality::Config for Test {
	type Validators = MockValidators;
	type Credits = MockCredits;
	type MaxValidators = MaxValidators;
	type CheckpointInterval = CheckpointInterval;
	type AttestationWindow = AttestationWindow;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
	type WeightInfo = ();
}

/// The key pair of test validator `i`.
pub fn pair(i: u8) -> sr25519::Pair {
	sr25519::Pair::from_seed(&[i; 32])
}

/// The account of test validator `i`.
pub fn account(i: u8) -> AccountId32 {
	AccountId32::new(pair(i).public().0)
}

/// The hash of block `n` in the tests' chain.
pub fn block_hash(n: u32) -> H256 {
	H256::repeat_byte(n as u8 + 1)
}

/// Finish the current block and start the next, as the executive would.
pub fn next_block() {
	let n = System::block_number();
	Finality::on_finalize(n);
	System::initialize(&(n + 1), &block_hash(n as u32), &Default::default());
	Finality::on_initialize(n + 1);
}

/// Run to block `n`.
pub fn run_to(n: u64) {
	while System::block_number() < n {
		next_block();
	}
}

/// Validator `i`'s signed attestation of block `number` (with `hash`) in `session`.
pub fn signed(i: u8, session: u32, number: u32, hash: H256) -> crate::SignedAttestation {
	let attestation = crate::Attestation { session, number, hash };
	crate::SignedAttestation {
		attestation,
		validator: pair(i).public(),
		signature: pair(i).sign(&attestation.payload()),
	}
}

/// Session 0 with validators 1 (weight 40), 2 (30), 3 (20), 4 (10); at block 1.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	// The benchmarks sign with keys they generate.
	ext.register_extension(sp_keystore::KeystoreExt::new(sp_keystore::testing::MemoryKeystore::new()));
	ext.execute_with(|| {
		set_session(0, &[(1, 40), (2, 30), (3, 20), (4, 10)]);
		TRADES.with(|t| t.borrow_mut().clear());
		VERIFICATIONS.with(|t| t.borrow_mut().clear());
		System::set_block_number(1);
	});
	ext
}

/// Run `test` in fresh externalities, then check the invariants.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Finality::do_try_state().expect("finality invariants hold after the test");
	});
}

/// Seats benchmark validators in the mocked set.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl crate::BenchmarkHelper for MockHelper {
	fn make_validator(who: &AccountId32) {
		VALIDATORS.with(|v| v.borrow_mut().push((who.clone(), 1)));
	}
}
