//! Test runtime for the registry pallet.

use crate as pallet_registry;
use energy_primitives::OnMembershipChange;
use frame_support::{derive_impl, parameter_types};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::cell::RefCell;

type Block = frame_system::mocking::MockBlock<Test>;

/// The application deposit of the test runtime.
pub const DEPOSIT: u128 = 50;
/// The largest declarable capacity of the test runtime, in Wh.
pub const MAX_CAPACITY: u64 = 1_000_000;

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
	pub type Registry = pallet_registry;
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
	type RuntimeHoldReason = RuntimeHoldReason;
}

thread_local! {
	/// Membership changes reported, in order: (account, joined).
	pub static MEMBERSHIP: RefCell<Vec<(u64, bool)>> = const { RefCell::new(Vec::new()) };
}

/// Records membership changes so tests can check them.
pub struct RecordMembership;
impl OnMembershipChange<u64> for RecordMembership {
	fn on_joined(who: &u64) {
		MEMBERSHIP.with(|m| m.borrow_mut().push((*who, true)));
	}
	fn on_left(who: &u64) {
		MEMBERSHIP.with(|m| m.borrow_mut().push((*who, false)));
	}
}

/// The membership changes reported so far.
pub fn membership() -> Vec<(u64, bool)> {
	MEMBERSHIP.with(|m| m.borrow().clone())
}

parameter_types! {
	pub const ApplicationDeposit: u128 = DEPOSIT;
	pub const MaxCapacity: u64 = MAX_CAPACITY;
}

impl pallet_registry::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = EnsureRoot<u64>;
	type OnMembershipChange = RecordMembership;
	type ApplicationDeposit = ApplicationDeposit;
	type MaxCapacity = MaxCapacity;
	type WeightInfo = ();
}

/// Builds test externalities: accounts 1..=9 hold 1000 each; meters are 100 + account.
#[derive(Default)]
pub struct ExtBuilder {
	nodes: Vec<(u64, crate::Role, u64, u64)>,
}

impl ExtBuilder {
	/// Register these nodes at genesis: account, role, meter, capacity.
	pub fn nodes(mut self, nodes: Vec<(u64, crate::Role, u64, u64)>) -> Self {
		self.nodes = nodes;
		self
	}

	/// Build the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_balances::GenesisConfig::<Test> {
			balances: (1..=9).map(|who| (who, 1000)).collect(),
			..Default::default()
		}
		.assimilate_storage(&mut storage)
		.unwrap();
		pallet_registry::GenesisConfig::<Test> { trading_center: Some(99), nodes: self.nodes }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			MEMBERSHIP.with(|m| m.borrow_mut().clear());
		});
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Registry::do_try_state().expect("registry invariants hold after the test");
		});
	}
}
