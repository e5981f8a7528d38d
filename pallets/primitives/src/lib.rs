//! # Energy primitives
//!
//! The small crate that couples the energy-trading pallets (registry, market, credit,
//! verification, penalty) without any of them naming another's `Config`: shared types, the
//! credit model's arithmetic ([`credit`]) and glue traits, each with a `()` no-op
//! implementation. The runtime wires the pallets together through these traits.
//!
//! ## Terminology
//! - *Credit*: performance credit `C^z`, an integer in `0..=initial_credit` (MODEL §4).
//! - *Verification credit*: `C_verification`, fixed point, from `k1 / 4` up to `k1` (MODEL §5).
//! - *Wh*: quantities are integral watt-hours; prices are balances per kWh.

#![cfg_attr(not(feature = "std"), no_std)]
#![deny(missing_docs)]

extern crate alloc;

pub mod credit;

pub use credit::{CreditChange, CreditParams, CreditState, InvalidCreditParams, PenaltySplit};

use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
pub use sp_arithmetic::FixedU128;

/// Balances of the chain's currency, in its smallest unit.
pub type Balance = u128;
/// Performance credit (MODEL §4): a whole number of points.
pub type Credit = u32;
/// An energy quantity in watt-hours.
pub type WattHours = u64;
/// Watt-hours per kilowatt-hour: prices are per kWh, quantities in Wh.
pub const WH_PER_KWH: u128 = 1_000;

/// What a registered node may sign in a contract (MODEL §1).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
	/// A distributed generator: sells energy.
	Producer,
	/// A distributed load: buys energy.
	Consumer,
	/// Both: may sign either side of a contract.
	Prosumer,
}

impl Role {
	/// May sign a contract as the producer (seller).
	pub fn can_supply(self) -> bool {
		matches!(self, Role::Producer | Role::Prosumer)
	}

	/// May sign a contract as the consumer (buyer).
	pub fn can_consume(self) -> bool {
		matches!(self, Role::Consumer | Role::Prosumer)
	}
}

/// The registry as the other pallets see it: who is an active (registered, not suspended)
/// node, with which role and declared capacity.
pub trait Registry<AccountId> {
	/// The trading center's account: it receives fees and rounding dust.
	fn trading_center() -> Option<AccountId>;
	/// The node's role if it is registered and not suspended.
	fn active_role(who: &AccountId) -> Option<Role>;
	/// The node's declared capacity in Wh per contract, if registered.
	fn capacity_wh(who: &AccountId) -> Option<WattHours>;
	/// The node whose registered meter key `meter` is.
	fn node_of_meter(meter: &AccountId) -> Option<AccountId>;
	/// Whether the node is registered and not suspended.
	fn is_active(who: &AccountId) -> bool {
		Self::active_role(who).is_some()
	}
}

impl<AccountId> Registry<AccountId> for () {
	fn trading_center() -> Option<AccountId> {
		None
	}
	fn active_role(_: &AccountId) -> Option<Role> {
		None
	}
	fn capacity_wh(_: &AccountId) -> Option<WattHours> {
		None
	}
	fn node_of_meter(_: &AccountId) -> Option<AccountId> {
		None
	}
}

/// Told when a node joins or leaves the set of registered nodes (the credit pallet opens and
/// closes its record; the penalty pallet starts and stops its share).
pub trait OnMembershipChange<AccountId> {
	/// `who` became a registered node.
	fn on_joined(who: &AccountId);
	/// `who` stopped being a registered node.
	fn on_left(who: &AccountId);
}

#[impl_trait_for_tuples::impl_for_tuples(5)]
impl<AccountId> OnMembershipChange<AccountId> for Tuple {
	fn on_joined(who: &AccountId) {
		for_tuples!( #( Tuple::on_joined(who); )* );
	}
	fn on_left(who: &AccountId) {
		for_tuples!( #( Tuple::on_left(who); )* );
	}
}

/// The credit record as the other pallets see it (MODEL §4-§6).
pub trait CreditScore<AccountId> {
	/// The model parameters in force.
	fn params() -> CreditParams;
	/// The node's performance credit, if it has a record.
	fn credit(who: &AccountId) -> Option<Credit>;
	/// The node's verification-reward credit `C_verification`.
	fn verification_credit(who: &AccountId) -> FixedU128;
	/// Apply one settled trade to the node's credit (MODEL R3-R6).
	fn record_trade(who: &AccountId, defaulted: bool) -> Option<CreditChange>;
	/// Record a selected validator's verification: a correct one extends its streak `n`, a
	/// wrong or missing one resets it (MODEL §5). Judgements still pending for `who`
	/// ([`PendingVerifications`]) are taken and applied first, since they came earlier.
	fn record_verification(who: &AccountId, correct: bool);
	/// Apply judgements that the pallet keeping them ([`PendingVerifications`]) has taken out of
	/// its tally, oldest first in `judgements`; nothing else is taken.
	fn apply_verifications(who: &AccountId, judgements: StreakDelta);

	/// Benchmarks: give `who` a credit record at the initial credit, as registration does, so
	/// that judging it writes the record.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_open_record(_who: &AccountId) {}
}

/// Verification judgements of one validator not yet written to its credit record (MODEL §5):
/// `correct` consecutive correct ones at the end, after a wrong or missing one if `reset`.
/// Applying them to a streak `n` gives `correct` if `reset`, else `n + correct`; judging one by
/// one and applying once give the same streak.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct StreakDelta {
	/// A wrong or missing verification came among them: the streak restarts.
	pub reset: bool,
	/// Consecutive correct verifications at the end.
	pub correct: u32,
}

impl StreakDelta {
	/// One judgement.
	pub fn judged(correct: bool) -> Self {
		let mut delta = Self::default();
		delta.judge(correct);
		delta
	}

	/// Add a later judgement.
	pub fn judge(&mut self, correct: bool) {
		if correct {
			self.correct = self.correct.saturating_add(1);
		} else {
			*self = Self { reset: true, correct: 0 };
		}
	}

	/// These judgements followed by `later`.
	pub fn then(self, later: Self) -> Self {
		if later.reset {
			later
		} else {
			Self { reset: self.reset, correct: self.correct.saturating_add(later.correct) }
		}
	}

	/// The streak `streak` becomes with these judgements.
	pub fn apply(self, streak: u32) -> u32 {
		if self.reset {
			self.correct
		} else {
			streak.saturating_add(self.correct)
		}
	}

	/// No judgement.
	pub fn is_empty(&self) -> bool {
		*self == Self::default()
	}
}

/// The judgements of validators that the verification pallet tallies per session instead of
/// writing every validator's credit record at every poll (MODEL §5; docs/PERFORMANCE.md). The
/// credit pallet adds them to the stored streak wherever it reads one, so that what the chain
/// computes from `n` never lags.
pub trait PendingVerifications<AccountId> {
	/// `who`'s judgements not yet applied, oldest first.
	fn pending(who: &AccountId) -> StreakDelta;
	/// [`Self::pending`], removed from the tally: the caller applies them.
	fn take(who: &AccountId) -> StreakDelta;
}

impl<AccountId> PendingVerifications<AccountId> for () {
	fn pending(_: &AccountId) -> StreakDelta {
		StreakDelta::default()
	}
	fn take(_: &AccountId) -> StreakDelta {
		StreakDelta::default()
	}
}

/// Told when a node's performance credit changes, so that credit-weighted shares can be
/// settled lazily (MODEL §7).
pub trait OnCreditChange<AccountId> {
	/// `who`'s credit went from `old` to `new`.
	fn on_credit_change(who: &AccountId, old: Credit, new: Credit);
}

#[impl_trait_for_tuples::impl_for_tuples(5)]
impl<AccountId> OnCreditChange<AccountId> for Tuple {
	fn on_credit_change(who: &AccountId, old: Credit, new: Credit) {
		for_tuples!( #( Tuple::on_credit_change(who, old, new); )* );
	}
}

/// The penalty pool (MODEL §7): penalties are paid into its pot, and it owes each recipient
/// its share until claimed.
pub trait PenaltyPool<AccountId> {
	/// The account penalties are paid into.
	fn pot() -> AccountId;
	/// `counterparty_share + community_share` has just been paid into the pot: owe
	/// `counterparty_share` to `counterparty` and share `community_share` among the active
	/// nodes by credit, leaving out everyone in `excluded` (the trade's parties). The cost does
	/// not grow with the number of nodes.
	fn distribute(
		counterparty: Option<(&AccountId, Balance)>,
		community_share: Balance,
		excluded: &[&AccountId],
	);
}

/// The session's validators as the other pallets see them (MODEL §8).
pub trait ValidatorSet<AccountId> {
	/// The current session's index.
	fn session() -> u32;
	/// `who`'s weight if it is a validator of the current session.
	fn validator_weight(who: &AccountId) -> Option<u128>;
	/// The total weight of the current session's validators.
	fn total_weight() -> u128;
	/// The current session's validators with their weights.
	fn validators() -> alloc::vec::Vec<(AccountId, u128)>;
	/// Take `who`'s seat for the rest of the session (misbehaviour); whether it had one.
	fn remove_validator(who: &AccountId) -> bool;
}

impl<AccountId> ValidatorSet<AccountId> for () {
	fn session() -> u32 {
		0
	}
	fn validator_weight(_: &AccountId) -> Option<u128> {
		None
	}
	fn total_weight() -> u128 {
		0
	}
	fn validators() -> alloc::vec::Vec<(AccountId, u128)> {
		alloc::vec::Vec::new()
	}
	fn remove_validator(_: &AccountId) -> bool {
		false
	}
}

/// What validators vote on (MODEL §3 steps 3-4).
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum PollKind {
	/// Approve or reject a new contract.
	Approval,
	/// Attest a contract's metered delivery.
	Delivery,
}

/// A validator's vote, or the final outcome of a poll.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Verdict {
	/// The contract is reasonable (an [`PollKind::Approval`] poll).
	Approve,
	/// The contract is unreasonable (an [`PollKind::Approval`] poll).
	Reject,
	/// The quantities metered (a [`PollKind::Delivery`] poll).
	Quantities {
		/// Delivered by the producer, in Wh.
		delivered_wh: WattHours,
		/// Consumed by the consumer, in Wh.
		consumed_wh: WattHours,
	},
}

impl Verdict {
	/// Whether the verdict answers a poll of `kind`.
	pub fn fits(&self, kind: PollKind) -> bool {
		matches!(
			(self, kind),
			(Verdict::Approve | Verdict::Reject, PollKind::Approval) |
				(Verdict::Quantities { .. }, PollKind::Delivery)
		)
	}
}

/// The validators' polls as the market sees them.
pub trait Verifier {
	/// Open a poll of `kind` on contract `subject` for the current session's validators.
	fn open(subject: u64, kind: PollKind) -> sp_runtime::DispatchResult;
	/// Close a poll without a verdict (e.g. its contract was cancelled).
	fn cancel(subject: u64, kind: PollKind);
	/// What [`Self::open`] costs now beyond an open poll's cost in the callers' benchmarks,
	/// which open polls one by one: what putting a poll in a batch adds, when polls open in
	/// batches. A call charges it for each poll it may open.
	fn open_extra_weight() -> sp_runtime::Weight {
		sp_runtime::Weight::zero()
	}
}

/// Told the final verdict of a poll.
pub trait OnVerdict {
	/// Poll `kind` on `subject` ended with `verdict`.
	fn on_verdict(subject: u64, kind: PollKind, verdict: Verdict) -> sp_runtime::DispatchResult;

	/// Benchmarks: set up a subject that takes an `Approve` verdict of `kind` at its costliest
	/// (it may open its poll) and return it.
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_subject(_kind: PollKind) -> u64 {
		0
	}
}

impl OnVerdict for () {
	fn on_verdict(_: u64, _: PollKind, _: Verdict) -> sp_runtime::DispatchResult {
		Ok(())
	}
}

#[cfg(test)]
mod tests {
	use super::StreakDelta;

	/// The streak after judging `judgements` one at a time from `start` (MODEL §5).
	fn one_by_one(start: u32, judgements: &[bool]) -> u32 {
		judgements.iter().fold(start, |n, correct| if *correct { n + 1 } else { 0 })
	}

	#[test]
	fn a_tally_applied_once_equals_judging_one_by_one() {
		// Every sequence of up to 8 judgements, split at every point into two tallies.
		for len in 0..=8u32 {
			for bits in 0..(1u32 << len) {
				let judgements: Vec<bool> = (0..len).map(|i| bits & (1 << i) != 0).collect();
				for start in [0, 3] {
					let expected = one_by_one(start, &judgements);
					for split in 0..=judgements.len() {
						let tally = |part: &[bool]| {
							let mut delta = StreakDelta::default();
							part.iter().for_each(|c| delta.judge(*c));
							delta
						};
						let (early, late) = judgements.split_at(split);
						let combined = tally(early).then(tally(late));
						assert_eq!(combined.apply(start), expected, "{judgements:?} from {start}");
						assert_eq!(tally(late).apply(tally(early).apply(start)), expected);
					}
				}
			}
		}
		assert!(StreakDelta::default().is_empty());
		assert_eq!(StreakDelta::judged(false), StreakDelta { reset: true, correct: 0 });
		assert!(!StreakDelta::judged(false).is_empty());
	}
}
