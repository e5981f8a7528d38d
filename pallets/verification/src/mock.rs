//! Test runtime for the verification pallet.

use crate as pallet_verification;
use energy_primitives::{
	Credit, CreditChange, CreditParams, CreditScore, FixedU128, OnVerdict, PendingVerifications,
	PollKind, StreakDelta, Verdict,
};
use frame_support::{derive_impl, parameter_types, traits::Randomness};
use frame_system::EnsureRoot;
use sp_runtime::BuildStorage;
use std::{cell::RefCell, collections::BTreeMap};

type Block = frame_system::mocking::MockBlock<Test>;

/// Blocks per session in the tests.
pub const SESSION_LENGTH: u64 = 10;

#[frame_support::runtime]
mod runtime {
	#[runtime::runtime]
	#[runtime::derive(RuntimeCall, RuntimeEvent, RuntimeError, RuntimeOrigin, RuntimeTask)]
	pub struct Test;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;
	#[runtime::pallet_index(1)]
	pub type Verification = pallet_verification;
}

#[derive_impl(frame_system::config_preludes::TestDefaultConfig)]
impl frame_system::Config for Test {
	type Block = Block;
}

thread_local! {
	/// Credits and verification streaks the mock credit pallet reports.
	pub static CREDITS: RefCell<BTreeMap<u64, (Credit, u32)>> = const { RefCell::new(BTreeMap::new()) };
	/// The seed the mock randomness returns.
	pub static SEED: RefCell<u64> = const { RefCell::new(0) };
	/// Draw steps allowed per block.
	pub static STEPS: RefCell<u32> = const { RefCell::new(100) };
	/// Verifications written to the records: (validator, judgements), in order.
	pub static JUDGED: RefCell<Vec<(u64, StreakDelta)>> = const { RefCell::new(Vec::new()) };
	/// Verdicts the market was told.
	pub static VERDICTS: RefCell<Vec<(u64, PollKind, Verdict)>> = const { RefCell::new(Vec::new()) };
	/// Whether the mock market refuses verdicts.
	pub static MARKET_FAILS: RefCell<bool> = const { RefCell::new(false) };
	/// The last subject handed out for a benchmark's poll.
	pub static NEXT_SUBJECT: RefCell<u64> = const { RefCell::new(0) };
}

/// A market that records verdicts, or refuses them when `MARKET_FAILS`.
pub struct MockMarket;
impl OnVerdict for MockMarket {
	fn on_verdict(subject: u64, kind: PollKind, verdict: Verdict) -> sp_runtime::DispatchResult {
		if MARKET_FAILS.with(|f| *f.borrow()) {
			return Err(sp_runtime::DispatchError::Other("market refuses"));
		}
		VERDICTS.with(|v| v.borrow_mut().push((subject, kind, verdict)));
		Ok(())
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_subject(_kind: PollKind) -> u64 {
		// A new subject each time, as the market's own contracts are.
		NEXT_SUBJECT.with(|n| {
			let mut n = n.borrow_mut();
			*n += 1;
			*n
		})
	}
}

/// Set `who`'s credit and verification streak in the mock credit pallet.
pub fn set_credit(who: u64, credit: Credit, streak: u32) {
	CREDITS.with(|c| c.borrow_mut().insert(who, (credit, streak)));
}

/// `who`'s streak in the mock credit records, without what is pending.
pub fn recorded_streak(who: u64) -> u32 {
	CREDITS.with(|c| c.borrow().get(&who).map(|(_, n)| *n)).unwrap_or_default()
}

/// A credit pallet that reports what tests set and, like the real one, reads a streak with the
/// judgements the verification pallet keeps pending.
pub struct MockCredits;
impl CreditScore<u64> for MockCredits {
	fn params() -> CreditParams {
		CreditParams::default()
	}
	fn credit(who: &u64) -> Option<Credit> {
		CREDITS.with(|c| c.borrow().get(who).map(|(credit, _)| *credit))
	}
	fn verification_credit(who: &u64) -> FixedU128 {
		let streak = Verification::pending(who).apply(recorded_streak(*who));
		CreditParams::default().verification_credit(streak)
	}
	fn record_trade(_: &u64, _: bool) -> Option<CreditChange> {
		None
	}
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_open_record(who: &u64) {
		CREDITS.with(|c| {
			c.borrow_mut().entry(*who).or_insert((100, 0));
		});
	}
	fn record_verification(who: &u64, correct: bool) {
		let judgements = Verification::take(who).then(StreakDelta::judged(correct));
		Self::apply_verifications(who, judgements);
	}
	fn apply_verifications(who: &u64, judgements: StreakDelta) {
		if judgements.is_empty() {
			return;
		}
		JUDGED.with(|j| j.borrow_mut().push((*who, judgements)));
		CREDITS.with(|c| {
			if let Some((_, streak)) = c.borrow_mut().get_mut(who) {
				*streak = judgements.apply(*streak);
			}
		});
	}
}

/// Randomness from the test's `SEED`.
pub struct TestRandomness;
impl Randomness<sp_core::H256, u64> for TestRandomness {
	fn random(subject: &[u8]) -> (sp_core::H256, u64) {
		let seed = SEED.with(|s| *s.borrow());
		(sp_core::H256(sp_io::hashing::blake2_256(&(subject, seed).encode())), 0)
	}
}
use codec::Encode;

parameter_types! {
	pub const SessionLength: u64 = SESSION_LENGTH;
	pub MaxDrawStepsPerBlock: u32 = STEPS.with(|s| *s.borrow());
}

impl pallet_verification::Config for Test {
	type Credits = MockCredits;
	type Randomness = TestRandomness;
	type AdminOrigin = EnsureRoot<u64>;
	type SessionLength = SessionLength;
	type MaxValidators = frame_support::traits::ConstU32<8>;
	type MaxDrawStepsPerBlock = MaxDrawStepsPerBlock;
	type OnVerdict = MockMarket;
	type VotingPeriod = frame_support::traits::ConstU64<5>;
	type MaxVotesPerCall = frame_support::traits::ConstU32<4>;
	type MaxBatchPolls = frame_support::traits::ConstU32<3>;
	type WeightInfo = ();
}

/// Builds test externalities with nodes that join at genesis.
#[derive(Default)]
pub struct ExtBuilder {
	nodes: Vec<(u64, Credit, u32)>,
}

impl ExtBuilder {
	/// Nodes (account, credit, verification streak) that join before the genesis draw.
	pub fn nodes(mut self, nodes: Vec<(u64, Credit, u32)>) -> Self {
		self.nodes = nodes;
		self
	}

	/// Build the externalities.
	pub fn build(self) -> sp_io::TestExternalities {
		CREDITS.with(|c| c.borrow_mut().clear());
		SEED.with(|s| *s.borrow_mut() = 0);
		STEPS.with(|s| *s.borrow_mut() = 100);
		JUDGED.with(|j| j.borrow_mut().clear());
		VERDICTS.with(|v| v.borrow_mut().clear());
		MARKET_FAILS.with(|f| *f.borrow_mut() = false);
		let storage = frame_system::GenesisConfig::<Test>::default().build_storage().unwrap();
		let mut ext = sp_io::TestExternalities::new(storage);
		ext.execute_with(|| {
			// Join the nodes as the registry's genesis does (it builds before this pallet's).
			for (who, credit, streak) in &self.nodes {
				set_credit(*who, *credit, *streak);
				<Verification as energy_primitives::OnMembershipChange<u64>>::on_joined(who);
			}
			frame_support::traits::BuildGenesisConfig::build(
				&pallet_verification::GenesisConfig::<Test>::default(),
			);
		});
		ext.execute_with(|| System::set_block_number(1));
		ext
	}

	/// Build, run `test`, then check the pallet's invariants.
	pub fn build_and_execute(self, test: impl FnOnce()) {
		self.build().execute_with(|| {
			test();
			Verification::do_try_state().expect("verification invariants hold after the test");
		});
	}
}
