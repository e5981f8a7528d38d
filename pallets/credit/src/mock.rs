//! Test runtime for the credit pallet.

use crate as pallet_credit;
use energy_primitives::{Credit as Points, OnCreditChange, PendingVerifications, StreakDelta};
use frame_support::derive_impl;
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Credit = pallet_credit;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	/// Every credit change reported through `OnCreditChange`, in order.
	pub static CREDIT_CHANGES: RefCell<Vec<(u64, Points, Points)>> = const { RefCell::new(Vec::new()) };
}

/// Records what the pallet reports, so tests can check it.
pub struct RecordChanges;
impl OnCreditChange<u64> for RecordChanges {
	fn on_credit_change(who: &u64, old: Points, new: Points) {
		CREDIT_CHANGES.with(|c| c.borrow_mut().push((*who, old, new)));
	}
}

/// The credit changes reported so far.
pub fn credit_changes() -> Vec<(u64, Points, Points)> {
	CREDIT_CHANGES.with(|c| c.borrow().clone())
}

impl pallet_credit::Config for Test {
	type AdminOrigin = EnsureRoot<u64>;
	type OnCreditChange = RecordChanges;
	type PendingVerifications = TestPending;
	type WeightInfo = ();
}

thread_local! {
	/// Judgements a test leaves pending, as the verification pallet's tally would.
	pub static PENDING: RefCell<BTreeMap<u64, StreakDelta>> = const { RefCell::new(BTreeMap::new()) };
}

/// Leave `judgements` pending for `who`.
pub fn set_pending(who: u64, judgements: StreakDelta) {
	PENDING.with(|p| p.borrow_mut().insert(who, judgements));
}

/// The tally of [`PENDING`].
pub struct TestPending;
impl PendingVerifications<u64> for TestPending {
	fn pending(who: &u64) -> StreakDelta {
		PENDING.with(|p| p.borrow().get(who).copied().unwrap_or_default())
	}
	fn take(who: &u64) -> StreakDelta {
		PENDING.with(|p| p.borrow_mut().remove(who).unwrap_or_default())
	}
}

/// Builds test externalities with chosen genesis records.
#[derive(Default)]
pub struct ExtBuilder {
	records: Vec<(u64, Points, u32)>,
}

impl ExtBuilder {
	/// Open these records at genesis: account, credit, verification streak.
	pub fn records(mut self, records: Vec<(u64, Points, u32)>) -> Self {
		self.records = records;
		self
	}

	/// Build the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		pallet_credit::GenesisConfig::<Test> { records: self.records, ..Default::default() }
			.assimilate_storage(&mut storage)
			.unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			System::set_block_number(1);
			CREDIT_CHANGES.with(|c| c.borrow_mut().clear());
			PENDING.with(|p| p.borrow_mut().clear());
		});
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Credit::do_try_state().expect("credit invariants hold after the test");
		});
	}
}
