//! Test runtime for the market pallet.

use crate as pallet_market;
use energy_primitives::{
	Credit, CreditChange, CreditParams, CreditScore, CreditState, FixedU128, PenaltyPool,
	PollKind, Registry, Role, Verifier, WattHours,
};
use frame_support::{derive_impl, parameter_types};
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

/// One currency unit.
pub const UNIT: u128 = 1_000_000_000_000;
/// The trading center's account.
pub const CENTER: u64 = 99;
/// The contract fee.
pub const FEE: u128 = UNIT / 100;
/// The grid fee per kWh.
pub const GRID_FEE: u128 = UNIT / 50;

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
	pub type Market = pallet_market;
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
	type ExistentialDeposit = frame_support::traits::ConstU128<1>;
}

thread_local! {
	/// Registered nodes: role, capacity, active.
	pub static NODES: RefCell<BTreeMap<u64, (Role, WattHours, bool)>> = const { RefCell::new(BTreeMap::new()) };
	/// Meter keys registered by the benchmark helper.
	pub static METERS: RefCell<BTreeMap<u64, u64>> = const { RefCell::new(BTreeMap::new()) };
	/// Polls opened and not closed.
	pub static POLLS: RefCell<Vec<(u64, PollKind)>> = const { RefCell::new(Vec::new()) };
	/// Credit states of the mock credit pallet.
	pub static CREDITS: RefCell<BTreeMap<u64, CreditState>> = const { RefCell::new(BTreeMap::new()) };
	/// Distributions the penalty pool was asked for: (counterparty share, community share).
	pub static DISTRIBUTED: RefCell<Vec<(Option<(u64, u128)>, u128)>> = const { RefCell::new(Vec::new()) };
}

/// The penalty pot's account.
pub const POT: u64 = 98;
/// The grid's account.
pub const GRID: u64 = 97;

/// Set `who`'s credit in the mock credit pallet.
pub fn set_credit(who: u64, credit: Credit) {
	CREDITS.with(|c| c.borrow_mut().insert(who, CreditState { credit, ..Default::default() }));
}

/// `who`'s credit in the mock credit pallet.
pub fn credit(who: u64) -> Credit {
	CREDITS.with(|c| c.borrow().get(&who).map(|s| s.credit).unwrap_or(100))
}

/// A credit pallet applying the real credit rules to `CREDITS`.
pub struct MockCredits;
impl CreditScore<u64> for MockCredits {
	fn params() -> CreditParams {
		CreditParams::default()
	}
	fn credit(who: &u64) -> Option<Credit> {
		Some(credit(*who))
	}
	fn verification_credit(_: &u64) -> FixedU128 {
		CreditParams::default().verification_credit(0)
	}
	fn record_trade(who: &u64, defaulted: bool) -> Option<CreditChange> {
		CREDITS.with(|c| {
			let mut c = c.borrow_mut();
			let state = c.entry(*who).or_insert(CreditState::new(&CreditParams::default()));
			Some(state.apply_trade(&CreditParams::default(), defaulted))
		})
	}
	fn record_verification(_: &u64, _: bool) {}
	fn apply_verifications(_: &u64, _: energy_primitives::StreakDelta) {}
}

/// A penalty pool that records what it is asked to distribute.
pub struct MockPenalties;
impl PenaltyPool<u64> for MockPenalties {
	fn pot() -> u64 {
		POT
	}
	fn distribute(counterparty: Option<(&u64, u128)>, community_share: u128, _: &[&u64]) {
		DISTRIBUTED.with(|d| d.borrow_mut().push((counterparty.map(|(w, s)| (*w, s)), community_share)));
	}
}

/// What the penalty pool was asked to distribute.
pub fn distributed() -> Vec<(Option<(u64, u128)>, u128)> {
	DISTRIBUTED.with(|d| d.borrow().clone())
}

/// A registry over `NODES`.
pub struct MockRegistry;
impl Registry<u64> for MockRegistry {
	fn trading_center() -> Option<u64> {
		Some(CENTER)
	}
	fn active_role(who: &u64) -> Option<Role> {
		NODES.with(|n| n.borrow().get(who).filter(|(_, _, a)| *a).map(|(r, _, _)| *r))
	}
	fn capacity_wh(who: &u64) -> Option<WattHours> {
		NODES.with(|n| n.borrow().get(who).map(|(_, c, _)| *c))
	}
	fn node_of_meter(meter: &u64) -> Option<u64> {
		METERS
			.with(|m| m.borrow().get(meter).copied())
			.or(meter.checked_sub(100))
			.filter(|who| NODES.with(|n| n.borrow().contains_key(who)))
	}
}

/// A verifier that records its polls.
pub struct MockVerifier;
impl Verifier for MockVerifier {
	fn open(subject: u64, kind: PollKind) -> sp_runtime::DispatchResult {
		POLLS.with(|p| p.borrow_mut().push((subject, kind)));
		Ok(())
	}
	fn cancel(subject: u64, kind: PollKind) {
		POLLS.with(|p| p.borrow_mut().retain(|x| *x != (subject, kind)));
	}
}

/// The open polls.
pub fn polls() -> Vec<(u64, PollKind)> {
	POLLS.with(|p| p.borrow().clone())
}

parameter_types! {
	/// Tests may raise it (`MaxSettlements::set`).
	pub static MaxSettlements: u32 = 2;
}

parameter_types! {
	pub const MinPrice: u128 = UNIT / 10;
	pub const MaxPrice: u128 = 2 * UNIT;
	pub const ContractFee: u128 = FEE;
	pub const GridFee: u128 = GRID_FEE;
	pub const GridAccount: u64 = GRID;
	pub const GridPrice: u128 = 75 * UNIT / 100;
	pub const FeedInPrice: u128 = UNIT / 2;
}

impl pallet_market::Config for Test {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = MockRegistry;
	type Verifier = MockVerifier;
	type MinPrice = MinPrice;
	type MaxPrice = MaxPrice;
	type ContractFee = ContractFee;
	type GridFee = GridFee;
	type MaxOpenContracts = frame_support::traits::ConstU32<3>;
	type MaxRelaysPerCall = frame_support::traits::ConstU32<3>;
	type Credits = MockCredits;
	type Penalties = MockPenalties;
	type MeterOrigin = frame_system::EnsureRoot<u64>;
	type GridAccount = GridAccount;
	type GridPrice = GridPrice;
	type FeedInPrice = FeedInPrice;
	type ReadingPeriod = frame_support::traits::ConstU64<10>;
	type MaxSettlementsPerBlock = MaxSettlements;
	type MaxOpenOffers = frame_support::traits::ConstU32<3>;
	type MaxOffersPerBlock = frame_support::traits::ConstU32<4>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MockHelper;
	type Signature = sp_runtime::testing::TestSignature;
	type Signer = sp_runtime::testing::UintAuthorityId;
	type WeightInfo = ();
}

/// Nodes 1, 2 producers; 3, 4 consumers; 5 prosumer; all with 100 kWh capacity and 1000 units,
/// except 4 who holds 1 unit.
pub fn new_test_ext() -> sp_io::TestExternalities {
	let mut storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
	pallet_balances::GenesisConfig::<Test> {
		balances: vec![
			(1, 1000 * UNIT),
			(2, 1000 * UNIT),
			(3, 1000 * UNIT),
			(4, UNIT),
			(5, 1000 * UNIT),
			(CENTER, UNIT),
			(POT, UNIT),
			(GRID, 1000 * UNIT),
		],
		..Default::default()
	}
	.assimilate_storage(&mut storage)
	.unwrap();
	let mut ext = sp_io::TestExternalities::new(storage);
	ext.execute_with(|| {
		System::set_block_number(1);
		NODES.with(|n| {
			let mut n = n.borrow_mut();
			n.clear();
			n.insert(1, (Role::Producer, 100_000, true));
			n.insert(2, (Role::Producer, 100_000, true));
			n.insert(3, (Role::Consumer, 100_000, true));
			n.insert(4, (Role::Consumer, 100_000, true));
			n.insert(5, (Role::Prosumer, 100_000, true));
		});
		POLLS.with(|p| p.borrow_mut().clear());
		CREDITS.with(|c| c.borrow_mut().clear());
		DISTRIBUTED.with(|d| d.borrow_mut().clear());
	});
	ext
}

/// Run `test` in fresh externalities, then check the invariants.
pub fn run(test: impl FnOnce()) {
	new_test_ext().execute_with(|| {
		test();
		Market::do_try_state().expect("market invariants hold after the test");
	});
}

/// Registers nodes in the mock registry for the benchmarks.
#[cfg(feature = "runtime-benchmarks")]
pub struct MockHelper;
#[cfg(feature = "runtime-benchmarks")]
impl
	crate::BenchmarkHelper<
		u64,
		sp_runtime::testing::UintAuthorityId,
		sp_runtime::testing::TestSignature,
	> for MockHelper
{
	fn register(who: &u64, role: Role, meter: &u64) {
		NODES.with(|n| n.borrow_mut().insert(*who, (role, 100_000, true)));
		METERS.with(|m| m.borrow_mut().insert(*meter, *who));
		<Balances as frame_support::traits::fungible::Mutate<u64>>::set_balance(who, 10_000 * UNIT);
	}

	fn signer() -> sp_runtime::testing::UintAuthorityId {
		// Accounts no test uses, a new one each time.
		thread_local! {
			static NEXT: core::cell::Cell<u64> = const { core::cell::Cell::new(1_000_000) };
		}
		sp_runtime::testing::UintAuthorityId(NEXT.with(|n| {
			let next = n.get();
			n.set(next + 1);
			next
		}))
	}

	fn sign(
		signer: &sp_runtime::testing::UintAuthorityId,
		message: &[u8],
	) -> sp_runtime::testing::TestSignature {
		sp_runtime::testing::TestSignature(signer.0, message.to_vec())
	}
}
