//! Test runtime for the penalty pallet.

use crate as pallet_penalty;
use energy_primitives::{
	Credit, CreditChange, CreditParams, CreditScore, FixedU128, Registry, Role, WattHours,
};
use frame_support::{derive_impl, parameter_types, PalletId};
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

/// One currency unit of the tests: amounts are written in thousandths of it.
pub const UNIT: u128 = 1_000_000_000_000;
/// The trading center's account.
pub const CENTER: u64 = 999;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeTask,
		RuntimeHoldReason,
		RuntimeFreezeReason
	)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Balances = pallet_balances;
	#[runtime::pallet_index(2)]
	pub type Penalty = pallet_penalty;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
	type AccountData = pallet_balances::AccountData<u128>;
}

#[derive_impl(pallet_balances::config_preludes::TestDefaultConfig)]
impl pallet_balances::Config for Test {
	type Balance = u128;
	type AccountStore = System;
	type ExistentialDeposit = frame_support::traits::ConstU128<10>;
}

thread_local! {
	/// The credits the mock credit pallet reports.
	pub static CREDITS: RefCell<BTreeMap<u64, Credit>> = const { RefCell::new(BTreeMap::new()) };
	/// Whether the mock registry names a trading center.
	pub static HAS_CENTER: RefCell<bool> = const { RefCell::new(true) };
}

/// Set the credit the mock credit pallet reports for `who`.
pub fn set_credit(who: u64, credit: Credit) {
	CREDITS.with(|c| c.borrow_mut().insert(who, credit));
}

/// A credit pallet that reports what tests set.
pub struct MockCredits;
impl CreditScore<u64> for MockCredits {
	fn params() -> CreditParams {
		CreditParams::default()
	}
	fn credit(who: &u64) -> Option<Credit> {
		CREDITS.with(|c| c.borrow().get(who).copied())
	}
	fn verification_credit(_: &u64) -> FixedU128 {
		FixedU128::from_u32(0)
	}
	fn record_trade(_: &u64, _: bool) -> Option<CreditChange> {
		None
	}
	fn record_verification(_: &u64, _: bool) {}
	fn apply_verifications(_: &u64, _: energy_primitives::StreakDelta) {}
}

/// A registry whose trading center is `CENTER` unless a test removes it.
pub struct MockRegistry;
impl Registry<u64> for MockRegistry {
	fn trading_center() -> Option<u64> {
		HAS_CENTER.with(|c| *c.borrow()).then_some(CENTER)
	}
	fn active_role(_: &u64) -> Option<Role> {
		None
	}
	fn capacity_wh(_: &u64) -> Option<WattHours> {
		None
	}
	fn node_of_meter(_: &u64) -> Option<u64> {
		None
	}
}

parameter_types! {
	pub const PenaltyPalletId: PalletId = PalletId(*b"py/penal");
}

impl pallet_penalty::Config for Test {
	type Currency = Balances;
	type Credits = MockCredits;
	type Registry = MockRegistry;
	type PalletId = PenaltyPalletId;
	type WeightInfo = ();
}

/// Builds test externalities: every account in `balances` funded.
pub struct ExtBuilder {
	balances: Vec<(u64, u128)>,
}

impl Default for ExtBuilder {
	fn default() -> Self {
		Self { balances: (1..=30).map(|who| (who, 1_000 * UNIT)).collect() }
	}
}

impl ExtBuilder {
	/// Build the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> { balances: self.balances, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		pallet_penalty::GenesisConfig::<Test>::default().assimilate_storage(&mut storage).unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			CREDITS.with(|c| c.borrow_mut().clear());
			HAS_CENTER.with(|c| *c.borrow_mut() = true);
		});
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Penalty::do_try_state().expect("penalty invariants hold after the test");
		});
	}
}
