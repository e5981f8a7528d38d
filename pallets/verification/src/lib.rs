//! # Verification pallet
//!
//! The per-session draw of the validators that approve contracts and attest deliveries
//! (MODEL §8).
//!
//! ## Overview
//!
//! Every active node whose performance credit is at least the eligibility threshold (default
//! 90) has a *draw weight* `C^z + C_verification` (fixed point, 18 decimals); everyone else has
//! weight zero. The eligible nodes are listed in slots `0..EligibleCount` ([`EligibleAt`]),
//! each node's slot kept beside it ([`SlotOf`]): a node becoming eligible takes a slot, one
//! ceasing to be gives its slot to another, in a constant number of storage accesses whatever
//! the community's size.
//!
//! ## Voting
//!
//! The session's validators vote on each poll with [`Pallet::vote`], or on many polls of one
//! kind in one transaction with [`Pallet::vote_many`], which reads the session's validators and
//! updates the tally once for all of them. A 2/3 quorum of the session's validator weight
//! concludes a poll; after its deadline the trading center decides it ([`Pallet::decide`]).
//!
//! With batched polls ([`Pallet::set_batched_polls`]) the polls of one kind opened in one block
//! form a batch (at most `MaxBatchPolls`; [`Pallet::batch_polls`] lists them), and from the next
//! block a validator votes on the whole batch at once ([`Pallet::vote_batch`]): one verdict
//! per poll, in the batch's order. Opening a poll in a batch appends it to its batch's list
//! ([`BatchSubjects`]; the block's count of batched polls, [`BatchFill`], gives its place): one
//! write more than opening it alone, and nothing else until the vote.
//! The list of verdicts that 2/3 of the weight backs concludes every poll of the batch; a vote
//! costs the same whatever the number of validators, so the votes a contract needs no longer
//! grow with them. Once 2/3 of the weight has voted on different lists, each poll whose
//! verdict 2/3 of the weight backs across the lists concludes (MODEL §3.4), so a split on one
//! poll holds no other. The trading center decides what is left of a batch with no quorum
//! ([`Pallet::decide_batch`]).
//!
//! ## Judging validators
//!
//! A poll of the current session that concludes judges every validator of the session (a vote
//! for the verdict is correct; a different or missing one resets the streak, MODEL §5). The
//! judgements go into the session's tally, [`Judgements`], one [`StreakDelta`] per validator:
//! a concluding vote writes that one value instead of every validator's credit record. The
//! credit pallet adds the pending judgements wherever it reads a streak
//! ([`energy_primitives::PendingVerifications`]), so the verification credit, the penalty
//! price and the draw weights never lag. The tally moves to [`PreviousJudgements`] when the
//! session's successors take office and is written to the credit records, one validator per
//! step, at the start of the draw after that, which also re-weighs the serving and the previous
//! validators in the tree. Judgements outside the tally (a poll of an earlier session decided
//! by the trading center, a validator removed for misbehaviour, a report from the finality
//! pallet) take the pending ones out first and write them with the new one, in order.
//!
//! Every `SessionLength` blocks a new session starts and `k = round(ratio * N)` validators are
//! drawn (`N` active nodes, `ratio` in 10 %-20 %, default 15 %, at least 1, at most
//! `MaxValidators` and at most the number of eligible nodes), weighted by draw weight, without
//! replacement: each draw picks a node with probability proportional to its weight and sets it
//! aside ([`Drawn`]) until the draw is over. A draw is by rejection: a *trial* picks a slot of
//! the list uniformly and takes its node with probability `weight / WeightCeiling` (the largest
//! weight any node has had) unless it is drawn already, else tries again. Every trial reads
//! one slot and one weight wherever it lands, so a block's trials touch as many storage items
//! in a community of 2,000 as in one of 100,000 (a tree over the nodes' positions would share
//! its cells between the draws of a small community and not of a large one). With `E`
//! eligible nodes, `d` of them drawn and the weights between the threshold and the ceiling, a
//! draw takes about `E / (E - d) * WeightCeiling / mean weight` trials: 1.1 to 1.3 at the
//! default parameters while few are drawn, and `E * ln(E / (E - k))` times that for a whole
//! draw of `k`. The work is spread over blocks, at most `MaxDrawStepsPerBlock` steps (one
//! re-weighing, trial or node put back, each a constant number of storage accesses) per
//! block, so a block's cost does not depend on the number of nodes. The previous session's
//! validators serve until the new set is complete.
//!
//! ## Randomness
//!
//! Each session's draw is seeded once, when the session starts, from `Config::Randomness`. The
//! runtime wires the DPoA pallet's randomness here: the block authors' VRF outputs over their
//! slots, verified on chain and accumulated, which the trading center (the author) cannot
//! choose. The seed is recorded in [`Event::DrawStarted`].
//!
//! ## Invariants
//!
//! - [`EligibleAt`] holds exactly the nodes with a positive [`DrawWeight`], in slots
//!   `0..EligibleCount`, and [`SlotOf`] is its inverse; [`UndrawnCount`] of them are not in
//!   [`Drawn`].
//! - No node's draw weight is above [`WeightCeiling`].
//! - `Validators` holds no account twice and `ValidatorsTotal` is the sum of its weights.
//! - An account is in `Drawn` exactly while it is in the pending draw's list.
//! - `Judgements` and `PreviousJudgements` are no longer than the sets they are aligned with.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
pub mod migrations;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use energy_primitives::Credit;
pub use energy_primitives::{PollKind, Verdict};
use energy_primitives::{
	CreditScore, OnCreditChange, OnMembershipChange, OnVerdict, PendingVerifications, StreakDelta,
	ValidatorSet, Verifier,
};
use frame_support::{
	pallet_prelude::*,
	traits::Randomness,
	weights::WeightMeter,
};
use sp_runtime::{
	traits::{Hash, Saturating, Zero},
	Perbill,
};

pub use pallet::*;
pub use weights::WeightInfo;

/// The lowest and highest validator ratio the model allows (MODEL §8).
pub const MIN_RATIO: Perbill = Perbill::from_percent(10);
/// See [`MIN_RATIO`].
pub const MAX_RATIO: Perbill = Perbill::from_percent(20);

/// The draw's parameters, settable by the admin origin.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct DrawParams {
	/// The share of active nodes drawn each session, in `MIN_RATIO..=MAX_RATIO`.
	pub ratio: Perbill,
	/// The least performance credit that makes a node eligible.
	pub threshold: Credit,
}

impl Default for DrawParams {
	fn default() -> Self {
		Self { ratio: Perbill::from_percent(15), threshold: 90 }
	}
}

/// A draw in progress.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct PendingDraw<T: Config> {
	/// The session it is for.
	pub session: u32,
	/// Its random seed.
	pub seed: T::Hash,
	/// How many validators it draws.
	pub wanted: u32,
	/// Drawn so far, with the weight each had when drawn.
	pub drawn: BoundedVec<(T::AccountId, u128), T::MaxValidators>,
	/// How many of `drawn` have been put back among the nodes to draw.
	pub restored: u32,
	/// How many nodes' draw weights the draw brings up to date before it draws: the previous
	/// session's validators (whose tallied judgements it also writes to their credit records)
	/// followed by the serving ones, whose verification streaks moved while they served (a
	/// concluded poll judges them without re-weighing them).
	pub to_refresh: u32,
	/// How many of those it has brought up to date.
	pub refreshed: u32,
	/// How many trials it has made: the index of the next trial's random number.
	pub trials: u32,
}

/// An open poll: the validators of `session` vote until `deadline`; then the trading center
/// decides.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct Poll<T: Config> {
	/// The session whose validators vote.
	pub session: u32,
	/// The last block in which they can vote.
	pub deadline: BlockNumberFor<T>,
	/// The votes so far: validator, verdict, its weight (none on a poll in a batch, whose
	/// votes are its batch's).
	pub votes: BoundedVec<(T::AccountId, Verdict, u128), T::MaxValidators>,
	/// The batch it is voted on in, if any ([`Pallet::vote_batch`]).
	pub batch: Option<BatchRef<BlockNumberFor<T>>>,
}

/// A batch: the polls of one kind opened in one block for one session, at most
/// `MaxBatchPolls` of them, voted on together with [`Pallet::vote_batch`]. It is named by the
/// poll kind and a [`BatchId`].
pub type BatchId<BlockNumber> = (BlockNumber, u32);

/// Where a poll is in its batch.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct BatchRef<BlockNumber> {
	/// The block its batch opened in.
	pub opened: BlockNumber,
	/// Which of that block's batches of its kind it is in (the first is 0).
	pub page: u32,
	/// Its place in the batch: the index of its verdict in a batch vote.
	pub index: u32,
}

impl<BlockNumber: Copy> BatchRef<BlockNumber> {
	/// The batch's id.
	pub fn id(&self) -> BatchId<BlockNumber> {
		(self.opened, self.page)
	}
}

/// The tally of an open batch, from its first vote: the votes on it so far, by distinct
/// verdict list.
#[derive(
	CloneNoBound,
	PartialEqNoBound,
	EqNoBound,
	DebugNoBound,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct Batch<T: Config> {
	/// The session whose validators vote.
	pub session: u32,
	/// The last block in which they can vote.
	pub deadline: BlockNumberFor<T>,
	/// Each distinct verdict list voted so far ([`BatchLists`] holds it): its hash and the
	/// weight of the validators who voted it.
	pub lists: BoundedVec<(T::Hash, u128), T::MaxValidators>,
	/// Who voted, each with the index of its list in `lists`.
	pub votes: BoundedVec<(T::AccountId, u32), T::MaxValidators>,
}

use frame_system::pallet_prelude::BlockNumberFor;

/// How many polls of each kind have opened in batches in a block ([`BatchFill`]).
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct BlockFill<BlockNumber> {
	/// The block.
	pub block: BlockNumber,
	/// Its [`PollKind::Approval`] polls opened in batches.
	pub approval: u32,
	/// Its [`PollKind::Delivery`] polls opened in batches.
	pub delivery: u32,
}

impl<BlockNumber> BlockFill<BlockNumber> {
	/// None yet in `block`.
	pub fn new(block: BlockNumber) -> Self {
		Self { block, approval: 0, delivery: 0 }
	}

	/// The place of the next poll of `kind` in the block's batches (the polls before it),
	/// counting it.
	pub fn take_place(&mut self, kind: PollKind) -> u32 {
		let count = match kind {
			PollKind::Approval => &mut self.approval,
			PollKind::Delivery => &mut self.delivery,
		};
		let place = *count;
		*count = count.saturating_add(1);
		place
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(4);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the verification pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The credit records that set the draw weights.
		type Credits: CreditScore<Self::AccountId>;
		/// The source of each session's seed (see the crate docs on what it is today).
		type Randomness: Randomness<Self::Hash, BlockNumberFor<Self>>;
		/// The origin that sets the draw's parameters: the trading center.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Blocks per session.
		#[pallet::constant]
		type SessionLength: Get<BlockNumberFor<Self>>;
		/// The most validators a session has.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// The most draw steps (one re-weighing, trial or node put back) done in one block.
		#[pallet::constant]
		type MaxDrawStepsPerBlock: Get<u32>;
		/// Weights of this pallet's calls and hooks.
		/// Told the final verdict of every poll (the market).
		type OnVerdict: OnVerdict;
		/// How many blocks validators have to vote on a poll (within its session).
		#[pallet::constant]
		type VotingPeriod: Get<BlockNumberFor<Self>>;
		/// The most votes one [`Pallet::vote_many`] call casts.
		#[pallet::constant]
		type MaxVotesPerCall: Get<u32>;
		/// The most polls in a batch; a block's further polls of the kind start another.
		#[pallet::constant]
		type MaxBatchPolls: Get<u32>;
		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The draw's parameters.
	#[pallet::storage]
	pub type Params<T> = StorageValue<_, DrawParams, ValueQuery>;

	/// The eligible node in each slot `0..EligibleCount`, in no particular order.
	#[pallet::storage]
	pub type EligibleAt<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId, OptionQuery>;

	/// Each eligible node's slot in [`EligibleAt`].
	#[pallet::storage]
	pub type SlotOf<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, OptionQuery>;

	/// How many listed nodes the pending draw has not drawn: [`EligibleCount`] while no draw
	/// is pending. The draw takes no more nodes once it is zero.
	#[pallet::storage]
	pub type UndrawnCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The largest draw weight any node has had: a trial takes the node it picks with
	/// probability `weight / WeightCeiling`. It never falls, so it bounds every weight.
	#[pallet::storage]
	pub type WeightCeiling<T> = StorageValue<_, u128, ValueQuery>;

	/// Each node's nominal draw weight (zero: not eligible).
	#[pallet::storage]
	pub type DrawWeight<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u128, ValueQuery>;

	/// Whether each node is an active member.
	#[pallet::storage]
	pub type Members<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// The number of active members `N`.
	#[pallet::storage]
	pub type MemberCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The number of members with a positive draw weight.
	#[pallet::storage]
	pub type EligibleCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The current session's index.
	#[pallet::storage]
	pub type Session<T> = StorageValue<_, u32, ValueQuery>;

	/// The current session's validators with their draw weights.
	#[pallet::storage]
	pub type Validators<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, u128), T::MaxValidators>, ValueQuery>;

	/// The sum of the current validators' weights.
	#[pallet::storage]
	pub type ValidatorsTotal<T> = StorageValue<_, u128, ValueQuery>;

	/// The draw in progress, if any.
	#[pallet::storage]
	pub type Draw<T: Config> = StorageValue<_, PendingDraw<T>, OptionQuery>;

	/// The previous session's validators, who may still be judged on polls of that session.
	#[pallet::storage]
	pub type PreviousValidators<T: Config> =
		StorageValue<_, BoundedVec<(T::AccountId, u128), T::MaxValidators>, ValueQuery>;

	/// The current session's tally: the judgements of the `i`-th validator of [`Validators`]
	/// not yet written to its credit record are at index `i` (missing entries: none).
	#[pallet::storage]
	pub type Judgements<T: Config> =
		StorageValue<_, BoundedVec<StreakDelta, T::MaxValidators>, ValueQuery>;

	/// The previous session's tally, aligned with [`PreviousValidators`]; the next draw writes
	/// it to the credit records.
	#[pallet::storage]
	pub type PreviousJudgements<T: Config> =
		StorageValue<_, BoundedVec<StreakDelta, T::MaxValidators>, ValueQuery>;

	/// Open polls, by contract and kind.
	#[pallet::storage]
	pub type Polls<T: Config> =
		StorageDoubleMap<_, Twox64Concat, u64, Twox64Concat, PollKind, Poll<T>, OptionQuery>;

	/// Whether new polls open in batches, voted on with [`Pallet::vote_batch`] (one vote per
	/// validator and batch, whatever the batch's size), rather than one by one. A poll keeps
	/// the way it opened with to the end.
	#[pallet::storage]
	pub type BatchedPolls<T> = StorageValue<_, bool, ValueQuery>;

	/// The first blocks of the current and of the previous session: a batch's session is the
	/// one its block is in (sessions change in this pallet's `on_initialize`, before any poll
	/// of the block opens).
	#[pallet::storage]
	pub type SessionStarts<T: Config> =
		StorageValue<_, (BlockNumberFor<T>, BlockNumberFor<T>), ValueQuery>;

	/// The subjects of each open batch's polls, by kind and batch, in order (a cancelled
	/// poll's included: its verdict is ignored). A poll joins its batch with a storage append,
	/// which costs one write whatever the batch's length; at most `MaxBatchPolls` join one
	/// batch ([`BatchFill`] numbers them). The batch's entry goes when it concludes.
	#[pallet::storage]
	#[pallet::unbounded]
	pub type BatchSubjects<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		PollKind,
		Twox64Concat,
		BatchId<BlockNumberFor<T>>,
		alloc::vec::Vec<u64>,
		OptionQuery,
	>;

	/// How many polls of each kind have opened in batches in the current block: the `n`th
	/// (from 0) is poll `n % MaxBatchPolls` of batch `(block, n / MaxBatchPolls)`. Removed at
	/// the end of the block, so it never reaches the database; whitelisted, as the batched
	/// opens of a block read and write it in memory (`on_initialize` is charged for its first
	/// read and its removal).
	#[pallet::storage]
	#[pallet::whitelist_storage]
	pub type BatchFill<T: Config> = StorageValue<_, BlockFill<BlockNumberFor<T>>, OptionQuery>;

	/// The tallies of open batches that have been voted on, by kind and id.
	#[pallet::storage]
	pub type Batches<T: Config> = StorageDoubleMap<
		_,
		Twox64Concat,
		PollKind,
		Twox64Concat,
		BatchId<BlockNumberFor<T>>,
		Batch<T>,
		OptionQuery,
	>;

	/// The distinct verdict lists voted on each open batch, by hash (not the one that
	/// concludes it, which its vote carries).
	#[pallet::storage]
	pub type BatchLists<T: Config> = StorageNMap<
		_,
		(
			NMapKey<Twox64Concat, PollKind>,
			NMapKey<Twox64Concat, BatchId<BlockNumberFor<T>>>,
			NMapKey<Identity, T::Hash>,
		),
		BoundedVec<Verdict, T::MaxBatchPolls>,
		OptionQuery,
	>;

	/// Nodes drawn by the pending draw (set aside from the draws until it ends).
	#[pallet::storage]
	pub type Drawn<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, (), OptionQuery>;

	/// Events of the verification pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A session's draw started.
		DrawStarted {
			/// The session.
			session: u32,
			/// Its seed.
			seed: T::Hash,
			/// How many validators it draws.
			wanted: u32,
		},
		/// A session's validators took office.
		ValidatorsChosen {
			/// The session.
			session: u32,
			/// The validators and their draw weights.
			validators: alloc::vec::Vec<(T::AccountId, u128)>,
		},
		/// A validator lost its seat for the rest of the session (misbehaviour).
		ValidatorRemoved {
			/// The validator.
			who: T::AccountId,
		},
		/// The admin set the draw's parameters.
		ParamsSet {
			/// The new parameters.
			params: DrawParams,
		},
		/// A poll opened for the current session's validators.
		PollOpened {
			/// The contract.
			subject: u64,
			/// What is voted on.
			kind: PollKind,
			/// The session whose validators vote.
			session: u32,
			/// The last block to vote in.
			deadline: BlockNumberFor<T>,
		},
		/// A validator voted.
		Voted {
			/// The contract.
			subject: u64,
			/// What is voted on.
			kind: PollKind,
			/// The validator.
			who: T::AccountId,
			/// Its vote.
			verdict: Verdict,
		},
		/// A poll ended: by a 2/3 quorum of validator weight, or by the trading center after the
		/// deadline.
		PollConcluded {
			/// The contract.
			subject: u64,
			/// What was voted on.
			kind: PollKind,
			/// The outcome.
			verdict: Verdict,
			/// The trading center decided it (no quorum by the deadline).
			by_trading_center: bool,
		},
		/// A poll was closed without a verdict (its contract went away).
		PollCancelled {
			/// The contract.
			subject: u64,
			/// What was voted on.
			kind: PollKind,
		},
		/// The admin switched batched polls on or off.
		BatchedPollsSet {
			/// Whether new polls open in batches.
			on: bool,
		},
		/// A batch of polls opened; its polls follow ([`Event::PollOpened`]).
		BatchOpened {
			/// What is voted on.
			kind: PollKind,
			/// The batch.
			batch: BatchId<BlockNumberFor<T>>,
			/// The session whose validators vote.
			session: u32,
			/// The last block to vote in.
			deadline: BlockNumberFor<T>,
		},
		/// A validator voted on a batch.
		BatchVoted {
			/// What is voted on.
			kind: PollKind,
			/// The batch.
			batch: BatchId<BlockNumberFor<T>>,
			/// The validator.
			who: T::AccountId,
			/// The hash of its verdict list.
			list: T::Hash,
		},
		/// A batch ended: a verdict list reached 2/3 of the session's validator weight, or the
		/// trading center decided it after the deadline. Its polls that were still open
		/// concluded ([`Event::PollConcluded`] each).
		BatchConcluded {
			/// What was voted on.
			kind: PollKind,
			/// The batch.
			batch: BatchId<BlockNumberFor<T>>,
			/// How many of its polls concluded.
			concluded: u32,
			/// The trading center decided it.
			by_trading_center: bool,
		},
		/// The market could not apply a batch's verdict to one of its polls (or the poll is of
		/// another session than its batch): nothing of it was kept, and the poll left its
		/// batch, to be voted on or decided on its own.
		PollUnbatched {
			/// The contract.
			subject: u64,
			/// What is voted on.
			kind: PollKind,
			/// The market's error ([`Error::PollClosed`] for a poll of another session).
			error: DispatchError,
		},
		/// A vote of a [`Pallet::vote_many`] call could not be cast; nothing of it was kept.
		VoteSkipped {
			/// The contract.
			subject: u64,
			/// What was voted on.
			kind: PollKind,
			/// The validator.
			who: T::AccountId,
			/// Why: what [`Pallet::vote`] would have failed with.
			error: DispatchError,
		},
	}

	/// Errors of the verification pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The ratio must lie in 10 %-20 %.
		RatioOutOfRange,
		/// The threshold must be positive.
		ZeroThreshold,
		/// No such poll is open.
		PollNotFound,
		/// A poll of this kind is already open on this contract.
		PollExists,
		/// The caller is not a validator of the poll's session.
		NotValidator,
		/// The caller has already voted on this poll.
		AlreadyVoted,
		/// Voting on this poll is over (deadline passed or session ended).
		PollClosed,
		/// Voting is still open: the trading center decides only after the deadline.
		PollStillOpen,
		/// The verdict does not answer this kind of poll.
		VerdictDoesNotFit,
		/// The poll is in a batch: vote with [`Pallet::vote_batch`], decide with
		/// [`Pallet::decide_batch`].
		PollInBatch,
		/// No such batch is open.
		BatchNotFound,
		/// A batch vote must give one verdict for each of the batch's polls, in order.
		WrongBatchLength,
		/// The batch is still filling: its polls are all in from the block after it opened.
		BatchStillFilling,
	}

	/// Genesis: the draw's parameters; the first validators are drawn at genesis from the
	/// nodes registered by then, with a zero seed.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The share of active nodes drawn each session, in percent (10-20).
		pub ratio_percent: u32,
		/// The eligibility threshold (0: the default, 90).
		pub threshold: Credit,
		/// Whether polls open in batches ([`BatchedPolls`]).
		pub batched_polls: bool,
		#[serde(skip)]
		#[allow(missing_docs)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let mut params = DrawParams::default();
			if self.ratio_percent != 0 {
				params.ratio = Perbill::from_percent(self.ratio_percent);
			}
			if self.threshold != 0 {
				params.threshold = self.threshold;
			}
			Pallet::<T>::validate(&params).expect("genesis draw parameters must be valid");
			Params::<T>::put(params);
			BatchedPolls::<T>::put(self.batched_polls);
			// Nodes that joined in earlier genesis builds were weighed with the default
			// threshold; weigh them again.
			let members: alloc::vec::Vec<_> = Members::<T>::iter_keys().collect();
			for who in members {
				Pallet::<T>::refresh(&who);
			}
			Pallet::<T>::start_draw(0, Default::default());
			// Genesis has no weight limit: finish the draw.
			while Draw::<T>::exists() {
				Pallet::<T>::step_draw(&mut WeightMeter::new());
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			// `BatchFill`, whitelisted: its first read in the block and its removal.
			let fill = T::DbWeight::get().reads_writes(1, 1);
			let base = <T as Config>::WeightInfo::on_initialize_draw(0)
				.max(<T as Config>::WeightInfo::on_initialize_refresh(0));
			let mut meter = WeightMeter::with_limit(
				Self::draw_step_weight().saturating_mul(T::MaxDrawStepsPerBlock::get().into()),
			);
			let length = T::SessionLength::get();
			if !length.is_zero() && (n % length).is_zero() {
				let session = Session::<T>::get().saturating_add(1);
				let (seed, _) = T::Randomness::random(b"dpoa/validator-draw");
				Self::start_draw(session, seed);
			}
			let work = if Draw::<T>::exists() {
				Self::step_draw(&mut meter);
				base.saturating_add(meter.consumed())
			} else {
				<T as Config>::WeightInfo::on_initialize_idle()
			};
			work.saturating_add(fill)
		}

		fn on_finalize(_n: BlockNumberFor<T>) {
			BatchFill::<T>::kill();
		}

		fn integrity_test() {
			assert!(T::MaxValidators::get() > 0, "MaxValidators must be positive");
			assert!(T::MaxDrawStepsPerBlock::get() > 0, "MaxDrawStepsPerBlock must be positive");
			assert!(!T::SessionLength::get().is_zero(), "SessionLength must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set the draw's parameters; they apply from the next session's draw on.
		///
		/// - Origin: `AdminOrigin`.
		/// - `params`: the ratio (10 %-20 %) and the eligibility threshold (positive).
		///
		/// Errors: [`Error::RatioOutOfRange`], [`Error::ZeroThreshold`].
		/// Emits [`Event::ParamsSet`].
		///
		/// Complexity: `O(1)`; nodes are re-weighed against a new threshold when their credit
		/// next changes.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: DrawParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::validate(&params)?;
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}

		/// Vote on an open poll as a validator of its session. When the validators backing one
		/// verdict hold at least 2/3 of the session's validator weight, the poll concludes:
		/// the market is told the verdict and every validator of the session is judged (a
		/// vote for the verdict is correct; a different or missing vote resets its streak), in
		/// the session's tally ([`Judgements`]).
		///
		/// - Origin: signed, a validator of the poll's session.
		/// - `subject`, `kind`: the poll.
		/// - `verdict`: `Approve`/`Reject` on an approval poll, `Quantities` on a delivery poll.
		///
		/// Errors: [`Error::VerdictDoesNotFit`], [`Error::PollNotFound`], [`Error::PollInBatch`],
		/// [`Error::PollClosed`], [`Error::NotValidator`], [`Error::AlreadyVoted`], and the
		/// market's error if it cannot apply the verdict. Emits [`Event::Voted`], and
		/// [`Event::PollConcluded`] at quorum.
		///
		/// Complexity: `O(V)`, `V` the session's number of validators, which the weight is
		/// charged for ([`Pallet::validator_count`]): only an open poll of the current session
		/// can take a vote, so its electorate is the current set. A vote that does not conclude
		/// the poll judges no one and is refunded down to `vote_open(V)`.
		#[pallet::call_index(1)]
		#[pallet::weight(Pallet::<T>::vote_weight(*kind))]
		pub fn vote(
			origin: OriginFor<T>,
			subject: u64,
			kind: PollKind,
			verdict: Verdict,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(verdict.fits(kind), Error::<T>::VerdictDoesNotFit);
			let poll = Polls::<T>::get(subject, kind).ok_or(Error::<T>::PollNotFound)?;
			ensure!(poll.batch.is_none(), Error::<T>::PollInBatch);
			ensure!(Self::is_open(&poll), Error::<T>::PollClosed);
			let weight =
				<Self as ValidatorSet<_>>::validator_weight(&who).ok_or(Error::<T>::NotValidator)?;
			let total = ValidatorsTotal::<T>::get();
			match Self::cast(&who, weight, total, subject, kind, poll, verdict)? {
				Some(poll) => {
					Self::judge_concluded(subject, kind, &poll, verdict, false);
					Ok(().into())
				},
				None => Ok(Some(<T as Config>::WeightInfo::vote_open(Self::validator_count())).into()),
			}
		}

		/// Decide a poll whose voting is over without a quorum (MODEL §3 step 4). The session's
		/// validators are judged against this verdict: in the tally for a poll of the current
		/// session; for an earlier one, in their credit records at once (with what is pending
		/// for them).
		///
		/// - Origin: `AdminOrigin` (the trading center).
		/// - `subject`, `kind`: the poll; `verdict`: the decision.
		///
		/// Errors: [`Error::VerdictDoesNotFit`], [`Error::PollNotFound`], [`Error::PollInBatch`],
		/// [`Error::PollStillOpen`], and the market's error if it cannot apply the verdict.
		/// Emits [`Event::PollConcluded`].
		///
		/// Complexity: `O(MaxValidators)`, charged for a poll of the previous session, which
		/// writes a credit record per validator.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::decide(T::MaxValidators::get()))]
		pub fn decide(
			origin: OriginFor<T>,
			subject: u64,
			kind: PollKind,
			verdict: Verdict,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(verdict.fits(kind), Error::<T>::VerdictDoesNotFit);
			let poll = Polls::<T>::get(subject, kind).ok_or(Error::<T>::PollNotFound)?;
			ensure!(poll.batch.is_none(), Error::<T>::PollInBatch);
			ensure!(!Self::is_open(&poll), Error::<T>::PollStillOpen);
			Self::conclude(subject, kind, poll, verdict, true)
		}

		/// Vote on several polls of one kind in one transaction: what [`Pallet::vote`] does for
		/// each `(subject, verdict)` of `votes`, in order, for one transaction's overhead, one
		/// read of the session's validators and one update of its tally of judgements.
		///
		/// A vote that cannot be cast (its poll is not found, closed or in a batch, the caller
		/// has voted on it, or the market cannot apply the verdict it concludes with) is skipped with
		/// everything it did undone, and reported with [`Event::VoteSkipped`]; the others stand.
		///
		/// - Origin: signed, a validator of the current session.
		/// - `kind`: the kind of every poll voted on.
		/// - `votes`: `(subject, verdict)` pairs, at most `MaxVotesPerCall`.
		///
		/// Errors: [`Error::VerdictDoesNotFit`] if any verdict does not answer `kind`,
		/// [`Error::NotValidator`], with nothing changed. Emits, per vote, [`Event::Voted`], and
		/// [`Event::PollConcluded`] at quorum, or [`Event::VoteSkipped`].
		///
		/// Complexity: `O(n * V)`, `n` the votes and `V` the session's number of validators:
		/// each concluding vote judges every validator. Charged as if every vote concluded;
		/// refunded down to what the votes that did not conclude cost
		/// ([`Pallet::vote_many_weight`]).
		#[pallet::call_index(3)]
		#[pallet::weight(Pallet::<T>::vote_many_weight(*kind, votes.len() as u32, 0))]
		pub fn vote_many(
			origin: OriginFor<T>,
			kind: PollKind,
			votes: BoundedVec<(u64, Verdict), T::MaxVotesPerCall>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(votes.iter().all(|(_, v)| v.fits(kind)), Error::<T>::VerdictDoesNotFit);
			let validators = Validators::<T>::get();
			let weight = validators
				.iter()
				.find(|(v, _)| v == &who)
				.map(|(_, w)| *w)
				.ok_or(Error::<T>::NotValidator)?;
			let total = ValidatorsTotal::<T>::get();
			let session = Session::<T>::get();
			let now = frame_system::Pallet::<T>::block_number();
			let mut tally: Option<alloc::vec::Vec<StreakDelta>> = None;
			let mut open = 0u32;
			let count = votes.len() as u32;
			for (subject, verdict) in votes {
				let cast = frame_support::storage::with_storage_layer(|| {
					let poll = Polls::<T>::get(subject, kind).ok_or(Error::<T>::PollNotFound)?;
					ensure!(poll.batch.is_none(), Error::<T>::PollInBatch);
					ensure!(
						poll.session == session && now <= poll.deadline,
						Error::<T>::PollClosed
					);
					Self::cast(&who, weight, total, subject, kind, poll, verdict)
				});
				match cast {
					Ok(Some(poll)) => {
						let tally = tally.get_or_insert_with(|| {
							let mut tally = Judgements::<T>::get().into_inner();
							tally.resize(validators.len(), StreakDelta::default());
							tally
						});
						Self::judge(&validators, tally, &poll, verdict);
						Self::deposit_event(Event::PollConcluded {
							subject,
							kind,
							verdict,
							by_trading_center: false,
						});
					},
					Ok(None) => open.saturating_inc(),
					Err(error) => Self::deposit_event(Event::VoteSkipped {
						subject,
						kind,
						who: who.clone(),
						error,
					}),
				}
			}
			if let Some(tally) = tally {
				Judgements::<T>::put(BoundedVec::truncate_from(tally));
			}
			Ok(Some(Self::vote_many_weight(kind, count, open)).into())
		}

		/// Vote on a batch of polls as a validator of its session: one verdict for each of
		/// the batch's polls, in the batch's order ([`Pallet::batch_polls`]; a cancelled poll's
		/// verdict is ignored), from the block after the batch opened. Validators who give the
		/// same list back it together; when the weight behind one list reaches 2/3 of the
		/// session's validator weight, the batch concludes: each of its polls still open
		/// concludes with its verdict in that list (the market is told), and every validator of
		/// the session is judged on each of them (MODEL §5: a validator who voted that list is
		/// right on all of them, one who voted another list is judged poll by poll, one who has
		/// not voted is wrong), in the session's tally.
		///
		/// - Origin: signed, a validator of the batch's session.
		/// - `kind`, `batch`: the batch ([`Event::BatchOpened`], [`Poll::batch`]).
		/// - `verdicts`: one per poll of the batch.
		///
		/// Errors: [`Error::VerdictDoesNotFit`], [`Error::NotValidator`],
		/// [`Error::BatchNotFound`], [`Error::BatchStillFilling`], [`Error::PollClosed`],
		/// [`Error::AlreadyVoted`], [`Error::WrongBatchLength`], with nothing changed. Emits
		/// [`Event::BatchVoted`]; at quorum [`Event::PollConcluded`] for each poll concluded (or
		/// [`Event::PollUnbatched`] for one whose verdict the market cannot apply) and
		/// [`Event::BatchConcluded`]; comparing the lists poll by poll, the same for each poll
		/// concluded, and [`Event::BatchConcluded`] once none is left.
		///
		/// If 2/3 of the weight has voted but on different lists, each poll still open whose
		/// verdict validators of 2/3 of the weight back across the lists concludes with it
		/// (MODEL §3.4), and the validators are judged on those polls; the others wait for
		/// more votes or the trading center. Every later vote does the same.
		///
		/// Complexity: a vote that does not conclude is `O(p + V)`, `p` the batch's polls and
		/// `V` the session's validators, and is refunded down to that
		/// ([`Pallet::vote_batch_weight`]); the concluding one is charged for concluding every
		/// poll of the batch and judging every validator on each; one that compares the lists
		/// poll by poll as well for reading every list (at most
		/// [`Pallet::vote_batch_declared_weight`]).
		#[pallet::call_index(4)]
		#[pallet::weight(Pallet::<T>::vote_batch_declared_weight(*kind, verdicts.len() as u32))]
		pub fn vote_batch(
			origin: OriginFor<T>,
			kind: PollKind,
			batch: BatchId<BlockNumberFor<T>>,
			verdicts: BoundedVec<Verdict, T::MaxBatchPolls>,
		) -> DispatchResultWithPostInfo {
			let who = ensure_signed(origin)?;
			ensure!(verdicts.iter().all(|v| v.fits(kind)), Error::<T>::VerdictDoesNotFit);
			let weight =
				<Self as ValidatorSet<_>>::validator_weight(&who).ok_or(Error::<T>::NotValidator)?;
			let (polls, mut state) = Self::filled_batch(kind, batch)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				state.session == Session::<T>::get() && now <= state.deadline,
				Error::<T>::PollClosed
			);
			ensure!(state.votes.iter().all(|(v, _)| v != &who), Error::<T>::AlreadyVoted);
			let len = polls.len();
			ensure!(verdicts.len() == len, Error::<T>::WrongBatchLength);
			let hash = T::Hashing::hash_of(&verdicts);
			let (list, new) = match state.lists.iter().position(|(h, _)| *h == hash) {
				Some(list) => (list, false),
				None => {
					// Every voter is a validator, so there are no more lists than validators.
					state.lists.try_push((hash, 0)).map_err(|_| Error::<T>::NotValidator)?;
					(state.lists.len() - 1, true)
				},
			};
			state.votes.try_push((who.clone(), list as u32)).map_err(|_| Error::<T>::NotValidator)?;
			let backing = state.lists.get_mut(list).map(|(_, w)| {
				*w = w.saturating_add(weight);
				*w
			});
			Self::deposit_event(Event::BatchVoted { kind, batch, who, list: hash });
			let total = ValidatorsTotal::<T>::get();
			let backing = backing.unwrap_or_default();
			if Self::two_thirds(backing, total) {
				Self::conclude_batch(kind, batch, state, polls, &verdicts, false);
				return Ok(Some(Self::vote_batch_weight(kind, len as u32, true)).into());
			}
			if new {
				BatchLists::<T>::insert((kind, batch, hash), verdicts);
			}
			let voted = state.lists.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
			if Self::two_thirds(voted, total) {
				Self::conclude_agreed(kind, batch, state, polls, total);
				return Ok(Some(Self::vote_batch_agreed_weight(kind, len as u32)).into());
			}
			Batches::<T>::insert(kind, batch, state);
			Ok(Some(Self::vote_batch_weight(kind, len as u32, false)).into())
		}

		/// Decide a batch whose voting is over without a quorum (MODEL §3 step 4): each of its
		/// polls still open concludes with its verdict in `verdicts`, and the validators of the
		/// batch's session are judged against them poll by poll: in the tally for a batch of
		/// the current session; for an earlier one, in their credit records at once (with what
		/// is pending for them).
		///
		/// - Origin: `AdminOrigin` (the trading center).
		/// - `kind`, `batch`: the batch; `verdicts`: one per poll of the batch, in order.
		///
		/// Errors: [`Error::VerdictDoesNotFit`], [`Error::BatchNotFound`],
		/// [`Error::BatchStillFilling`], [`Error::PollStillOpen`], [`Error::WrongBatchLength`],
		/// with nothing changed. Emits
		/// [`Event::PollConcluded`] for each poll concluded (or [`Event::PollUnbatched`]) and
		/// [`Event::BatchConcluded`].
		///
		/// Complexity: `O(p * V)`, `p` the batch's polls and `V` the validators, charged for
		/// `MaxValidators` validators who each voted a different list, in a past session
		/// (a credit record written per validator).
		#[pallet::call_index(5)]
		#[pallet::weight(Pallet::<T>::decide_batch_weight(verdicts.len() as u32))]
		pub fn decide_batch(
			origin: OriginFor<T>,
			kind: PollKind,
			batch: BatchId<BlockNumberFor<T>>,
			verdicts: BoundedVec<Verdict, T::MaxBatchPolls>,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(verdicts.iter().all(|v| v.fits(kind)), Error::<T>::VerdictDoesNotFit);
			let (polls, state) = Self::filled_batch(kind, batch)?;
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(
				state.session != Session::<T>::get() || now > state.deadline,
				Error::<T>::PollStillOpen
			);
			ensure!(verdicts.len() == polls.len(), Error::<T>::WrongBatchLength);
			Self::conclude_batch(kind, batch, state, polls, &verdicts, true);
			Ok(())
		}

		/// Switch batched polls on or off: whether the polls opened from now on are voted on in
		/// batches ([`Pallet::vote_batch`]) or one by one ([`Pallet::vote`],
		/// [`Pallet::vote_many`]). Open polls keep the way they opened with.
		///
		/// - Origin: `AdminOrigin` (the trading center, when its validators' software votes on
		///   batches).
		///
		/// Emits [`Event::BatchedPollsSet`].
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::set_batched_polls())]
		pub fn set_batched_polls(origin: OriginFor<T>, on: bool) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			BatchedPolls::<T>::put(on);
			Self::deposit_event(Event::BatchedPollsSet { on });
			Ok(())
		}
	}
}

/// A list voted on a batch that concludes polls, as its voters are judged on them.
enum VotedList<V> {
	/// The list that concludes the batch: its voters are right on every poll concluded.
	Concluding,
	/// A list compared with the verdicts poll by poll.
	Other(V),
	/// A list not stored, which no voted list is: its voters are wrong.
	Missing,
}

/// Both sessions' tallies with their validators, read once to take several validators'
/// judgements out.
struct Tallies<T: Config> {
	validators: alloc::vec::Vec<T::AccountId>,
	current: alloc::vec::Vec<StreakDelta>,
	previous_validators: alloc::vec::Vec<T::AccountId>,
	previous: alloc::vec::Vec<StreakDelta>,
	changed: (bool, bool),
}

impl<T: Config> Tallies<T> {
	fn read() -> Self {
		let accounts = |set: BoundedVec<(T::AccountId, u128), T::MaxValidators>| {
			set.into_iter().map(|(who, _)| who).collect()
		};
		Self {
			validators: accounts(Validators::<T>::get()),
			current: Judgements::<T>::get().into_inner(),
			previous_validators: accounts(PreviousValidators::<T>::get()),
			previous: PreviousJudgements::<T>::get().into_inner(),
			changed: (false, false),
		}
	}

	/// Take the judgements at `who`'s place in `set`.
	fn take_from(
		set: &[T::AccountId],
		tally: &mut [StreakDelta],
		changed: &mut bool,
		who: &T::AccountId,
	) -> StreakDelta {
		let Some(entry) = set.iter().position(|v| v == who).and_then(|i| tally.get_mut(i)) else {
			return StreakDelta::default();
		};
		*changed |= !entry.is_empty();
		core::mem::take(entry)
	}

	/// `who`'s pending judgements, oldest first, out of the tallies.
	fn take(&mut self, who: &T::AccountId) -> StreakDelta {
		let earlier =
			Self::take_from(&self.previous_validators, &mut self.previous, &mut self.changed.1, who);
		let later = Self::take_from(&self.validators, &mut self.current, &mut self.changed.0, who);
		earlier.then(later)
	}

	/// `who`'s pending judgements, oldest first, left in place.
	fn peek(&self, who: &T::AccountId) -> StreakDelta {
		let at = |set: &[T::AccountId], tally: &[StreakDelta]| {
			set.iter().position(|v| v == who).and_then(|i| tally.get(i).copied()).unwrap_or_default()
		};
		at(&self.previous_validators, &self.previous).then(at(&self.validators, &self.current))
	}

	/// Store the tallies that changed.
	fn write(self) {
		if self.changed.0 {
			Judgements::<T>::put(BoundedVec::truncate_from(self.current));
		}
		if self.changed.1 {
			PreviousJudgements::<T>::put(BoundedVec::truncate_from(self.previous));
		}
	}
}

impl<T: Config> PendingVerifications<T::AccountId> for Pallet<T> {
	fn pending(who: &T::AccountId) -> StreakDelta {
		Tallies::<T>::read().peek(who)
	}

	fn take(who: &T::AccountId) -> StreakDelta {
		let mut tallies = Tallies::<T>::read();
		let judgements = tallies.take(who);
		tallies.write();
		judgements
	}
}

impl<T: Config> Pallet<T> {
	/// The number of the current session's validators (at least one), read without decoding
	/// the set: what a concluding vote judges.
	pub fn validator_count() -> u32 {
		Validators::<T>::decode_len().unwrap_or(0).max(1) as u32
	}

	/// What a vote on a poll of `kind` is charged before it runs: a concluding vote among the
	/// session's validators (an approval pays fees and puts on holds; an attestation does not).
	pub fn vote_weight(kind: PollKind) -> Weight {
		let validators = Self::validator_count();
		match kind {
			PollKind::Approval => <T as Config>::WeightInfo::vote(validators),
			PollKind::Delivery => <T as Config>::WeightInfo::vote_delivery(validators),
		}
	}

	/// What a [`Pallet::vote_many`] of `votes` votes on polls of `kind` costs if `open` of
	/// them leave their poll open (the others conclude theirs, or are skipped, which is charged
	/// as concluding): a call of one vote ([`Pallet::vote`]'s weight), and each further vote at
	/// its share of a full call beyond that (`vote_many` benchmarks a call of
	/// `MaxVotesPerCall`), at the session's number of validators.
	pub fn vote_many_weight(kind: PollKind, votes: u32, open: u32) -> Weight {
		let v = Self::validator_count();
		let full = u64::from(T::MaxVotesPerCall::get().max(2));
		// The cost of each vote beyond a call's first.
		let further = |one: Weight, all: Weight| all.saturating_sub(one).saturating_div(full - 1);
		let (one, all) = match kind {
			PollKind::Approval => (
				<T as Config>::WeightInfo::vote(v),
				<T as Config>::WeightInfo::vote_many(v),
			),
			PollKind::Delivery => (
				<T as Config>::WeightInfo::vote_delivery(v),
				<T as Config>::WeightInfo::vote_many_delivery(v),
			),
		};
		let (one_open, all_open) =
			(<T as Config>::WeightInfo::vote_open(v), <T as Config>::WeightInfo::vote_many_open(v));
		let open = u64::from(open.min(votes));
		let concluding = u64::from(votes).saturating_sub(open);
		let open_votes = further(one_open, all_open);
		if concluding > 0 {
			one.saturating_add(further(one, all).saturating_mul(concluding - 1))
				.saturating_add(open_votes.saturating_mul(open))
		} else {
			one_open.saturating_add(open_votes.saturating_mul(open.saturating_sub(1)))
		}
	}

	/// What a [`Pallet::vote_batch`] of `polls` verdicts on a batch of `kind` is charged:
	/// before it runs (`concluding`), as the vote that concludes the batch; after a vote that
	/// does not, what that vote costs. At the session's number of validators. (The benchmarks
	/// vote on a batch with a tally; the first vote reads [`SessionStarts`] as well.)
	pub fn vote_batch_weight(kind: PollKind, polls: u32, concluding: bool) -> Weight {
		let v = Self::validator_count();
		let first_vote = T::DbWeight::get().reads(1);
		match (concluding, kind) {
			(false, _) => <T as Config>::WeightInfo::vote_batch_open(polls, v),
			(true, PollKind::Approval) => <T as Config>::WeightInfo::vote_batch(polls, v),
			(true, PollKind::Delivery) => <T as Config>::WeightInfo::vote_batch_delivery(polls, v),
		}
		.saturating_add(first_vote)
	}

	/// What a [`Pallet::vote_batch`] of `polls` verdicts on a batch of `kind` that compares
	/// the lists poll by poll is charged: at the session's number of validators, each of whom
	/// voted a list of their own, with every poll 2/3 of them can agree on concluding. (It is
	/// never a first vote: the votes before it hold a third of the weight.)
	pub fn vote_batch_agreed_weight(kind: PollKind, polls: u32) -> Weight {
		let v = Self::validator_count();
		match kind {
			PollKind::Approval => <T as Config>::WeightInfo::vote_batch_agreed(polls, v),
			PollKind::Delivery => <T as Config>::WeightInfo::vote_batch_agreed_delivery(polls, v),
		}
	}

	/// What a [`Pallet::vote_batch`] of `polls` verdicts on a batch of `kind` is charged before
	/// it runs: the costlier of concluding the batch and comparing its lists poll by poll.
	pub fn vote_batch_declared_weight(kind: PollKind, polls: u32) -> Weight {
		Self::vote_batch_weight(kind, polls, true).max(Self::vote_batch_agreed_weight(kind, polls))
	}

	/// What a [`Pallet::decide_batch`] of `polls` verdicts is charged: `MaxValidators` of a
	/// past session, each of whom voted a list of its own (or, with no vote, a read of
	/// [`SessionStarts`] instead of their lists).
	pub fn decide_batch_weight(polls: u32) -> Weight {
		<T as Config>::WeightInfo::decide_batch(polls, T::MaxValidators::get())
			.saturating_add(T::DbWeight::get().reads(1))
	}

	/// Put a poll of `kind` on `subject`, opening now for `session`, at the end of the
	/// block's batches of its kind, and return its place: the block's count of them tells it,
	/// and the poll starts a new batch every `MaxBatchPolls`.
	fn enter_batch(
		subject: u64,
		kind: PollKind,
		session: u32,
		deadline: BlockNumberFor<T>,
	) -> BatchRef<BlockNumberFor<T>> {
		let now = frame_system::Pallet::<T>::block_number();
		let max = T::MaxBatchPolls::get().max(1);
		// A count of an earlier block is left only by a poll opened after `on_finalize`.
		let mut fill = BatchFill::<T>::get()
			.filter(|fill| fill.block == now)
			.unwrap_or_else(|| BlockFill::new(now));
		let at = fill.take_place(kind);
		BatchFill::<T>::put(fill);
		let (page, index) = (at / max, at % max);
		let batch = (now, page);
		if index == 0 {
			Self::deposit_event(Event::BatchOpened { kind, batch, session, deadline });
		}
		BatchSubjects::<T>::append(kind, batch, subject);
		BatchRef { opened: now, page, index }
	}

	/// Batch `id` of `kind`, open and filled (its block is over): its polls' subjects (its
	/// cancelled polls' included), and its tally (a new one before its first vote).
	fn filled_batch(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
	) -> Result<(alloc::vec::Vec<u64>, Batch<T>), Error<T>> {
		let subjects = BatchSubjects::<T>::get(kind, id).ok_or(Error::<T>::BatchNotFound)?;
		ensure!(id.0 < frame_system::Pallet::<T>::block_number(), Error::<T>::BatchStillFilling);
		let state = Batches::<T>::get(kind, id).unwrap_or_else(|| Self::new_tally(id.0));
		Ok((subjects, state))
	}

	/// The subjects of batch `id`'s polls of `kind`, in order (a batch vote gives a verdict
	/// for each), or none if no such batch is open.
	pub fn batch_polls(kind: PollKind, id: BatchId<BlockNumberFor<T>>) -> alloc::vec::Vec<u64> {
		BatchSubjects::<T>::get(kind, id).unwrap_or_default()
	}

	/// The tally of a batch opened in `block` before its first vote: the session the block is
	/// in (for a block before the previous session, one at least two back, whose validators
	/// are no longer known) and the deadline of the block's polls.
	fn new_tally(block: BlockNumberFor<T>) -> Batch<T> {
		let (current, previous) = SessionStarts::<T>::get();
		let back = if block >= current {
			0
		} else if block >= previous {
			1
		} else {
			2
		};
		Batch::<T> {
			session: Session::<T>::get().saturating_sub(back),
			deadline: block.saturating_add(T::VotingPeriod::get()),
			lists: Default::default(),
			votes: Default::default(),
		}
	}

	/// End batch `id`, whose polls are on `subjects`, with `verdicts` (one per poll, in
	/// order): conclude each of its polls still open, judge the session's validators on them,
	/// and remove the batch.
	fn conclude_batch(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
		state: Batch<T>,
		subjects: alloc::vec::Vec<u64>,
		verdicts: &[Verdict],
		by_trading_center: bool,
	) {
		let (concluded, _) =
			Self::conclude_places(kind, id, &subjects, state.session, by_trading_center, |index| {
				verdicts.get(index).copied()
			});
		// The concluding list is not read: its voters are right on every poll.
		let concluding = T::Hashing::hash_of(&verdicts);
		let lists: alloc::vec::Vec<_> = state
			.lists
			.iter()
			.map(|(hash, _)| {
				if *hash == concluding {
					VotedList::Concluding
				} else {
					Self::stored_list(kind, id, *hash)
				}
			})
			.collect();
		Self::judge_batch(&state, &lists, &concluded);
		Self::remove_batch(kind, id, &state, concluded.len() as u32, by_trading_center);
	}

	/// Conclude each poll of batch `id` (on `subjects`) still open whose verdict validators of
	/// 2/3 of the weight (`total`) back across the lists voted (MODEL §3.4), judge the
	/// session's validators on those polls poll by poll (one who has not voted is wrong), and
	/// keep the batch for its other polls, or remove it if none is left.
	fn conclude_agreed(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
		state: Batch<T>,
		subjects: alloc::vec::Vec<u64>,
		total: u128,
	) {
		let lists: alloc::vec::Vec<_> =
			state.lists.iter().map(|(hash, _)| Self::stored_list(kind, id, *hash)).collect();
		let agreed = |index: usize| {
			let mut backing: alloc::vec::Vec<(Verdict, u128)> = alloc::vec::Vec::new();
			for (list, (_, weight)) in lists.iter().zip(&state.lists) {
				let VotedList::Other(list) = list else { continue };
				let Some(verdict) = list.get(index) else { continue };
				match backing.iter_mut().find(|(v, _)| v == verdict) {
					Some((_, sum)) => *sum = sum.saturating_add(*weight),
					None => backing.push((*verdict, *weight)),
				}
			}
			backing
				.into_iter()
				.find(|(_, weight)| Self::two_thirds(*weight, total))
				.map(|(verdict, _)| verdict)
		};
		let (concluded, left) =
			Self::conclude_places(kind, id, &subjects, state.session, false, agreed);
		if !concluded.is_empty() {
			Self::judge_batch(&state, &lists, &concluded);
		}
		if left {
			Batches::<T>::insert(kind, id, state);
		} else {
			Self::remove_batch(kind, id, &state, concluded.len() as u32, false);
		}
	}

	/// Conclude each poll of batch `id` of `session` still open at its place in `subjects`
	/// with the verdict `verdict_at` gives that place, if it gives one. Returns the places
	/// concluded with their verdicts, and whether a poll without a verdict is left open.
	fn conclude_places(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
		subjects: &[u64],
		session: u32,
		by_trading_center: bool,
		verdict_at: impl Fn(usize) -> Option<Verdict>,
	) -> (alloc::vec::Vec<(usize, Verdict)>, bool) {
		let mut concluded = alloc::vec::Vec::new();
		let mut left = false;
		for (index, subject) in subjects.iter().enumerate() {
			let Some(poll) = Polls::<T>::get(subject, kind) else { continue };
			if poll.batch != Some(BatchRef { opened: id.0, page: id.1, index: index as u32 }) {
				// Cancelled, and a poll opened on the subject again since (at a later place).
				continue;
			}
			let Some(verdict) = verdict_at(index) else {
				left = true;
				continue;
			};
			if Self::conclude_batched(*subject, kind, poll, session, verdict, by_trading_center) {
				concluded.push((index, verdict));
			}
		}
		(concluded, left)
	}

	/// Judge the validators of the session of batch `state` on its polls `concluded` (places,
	/// with their verdicts): a voter by the list it voted (`lists`, in the order of
	/// `state.lists`), one who has not voted wrong on every poll.
	fn judge_batch(
		state: &Batch<T>,
		lists: &[VotedList<BoundedVec<Verdict, T::MaxBatchPolls>>],
		concluded: &[(usize, Verdict)],
	) {
		let count = concluded.len() as u32;
		let judgements = |who: &T::AccountId| {
			if count == 0 {
				return StreakDelta::default();
			}
			let list = state.votes.iter().find(|(v, _)| v == who).map(|(_, l)| *l as usize);
			match list.and_then(|l| lists.get(l)) {
				Some(VotedList::Concluding) => StreakDelta { reset: false, correct: count },
				Some(VotedList::Other(list)) => {
					let mut judgements = StreakDelta::default();
					for (index, verdict) in concluded {
						judgements.judge(list.get(*index) == Some(verdict));
					}
					judgements
				},
				Some(VotedList::Missing) => {
					defensive!("every list voted on an open batch is stored");
					StreakDelta::judged(false)
				},
				// No vote: wrong on every poll.
				None => StreakDelta::judged(false),
			}
		};
		let voters = || state.votes.iter().map(|(v, _)| v.clone()).collect();
		Self::judge_session(state.session, voters, judgements);
	}

	/// Remove batch `id` of `kind`, of which `concluded` polls concluded at its end: its
	/// subjects, its tally and its voted lists.
	fn remove_batch(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
		state: &Batch<T>,
		concluded: u32,
		by_trading_center: bool,
	) {
		BatchSubjects::<T>::remove(kind, id);
		Batches::<T>::remove(kind, id);
		for (hash, _) in &state.lists {
			BatchLists::<T>::remove((kind, id, *hash));
		}
		let event = Event::BatchConcluded { kind, batch: id, concluded, by_trading_center };
		Self::deposit_event(event);
	}

	/// The list of hash `hash` voted on batch `id` of `kind`, as stored.
	fn stored_list(
		kind: PollKind,
		id: BatchId<BlockNumberFor<T>>,
		hash: T::Hash,
	) -> VotedList<BoundedVec<Verdict, T::MaxBatchPolls>> {
		BatchLists::<T>::get((kind, id, hash)).map_or(VotedList::Missing, VotedList::Other)
	}

	/// Conclude `poll`, of `kind` on `subject` and in a batch of `session`, with `verdict`,
	/// and say whether it did; if the market refuses the verdict, or the poll is of another
	/// session (opened in its block before the session changed: its own validators vote), it
	/// leaves the batch to be voted on alone.
	fn conclude_batched(
		subject: u64,
		kind: PollKind,
		poll: Poll<T>,
		session: u32,
		verdict: Verdict,
		by_trading_center: bool,
	) -> bool {
		let applied = if poll.session != session {
			Err(Error::<T>::PollClosed.into())
		} else {
			frame_support::storage::with_storage_layer(|| {
				Polls::<T>::remove(subject, kind);
				T::OnVerdict::on_verdict(subject, kind, verdict)
			})
		};
		match applied {
			Ok(()) => {
				let event = Event::PollConcluded { subject, kind, verdict, by_trading_center };
				Self::deposit_event(event);
				true
			},
			Err(error) => {
				Polls::<T>::insert(subject, kind, Poll::<T> { batch: None, ..poll });
				Self::deposit_event(Event::PollUnbatched { subject, kind, error });
				false
			},
		}
	}

	/// Whether `weight` is at least 2/3 of the session's validator weight `total` (never of a
	/// zero total): the quorum that makes a verdict final (MODEL §3 step 4).
	pub fn two_thirds(weight: u128, total: u128) -> bool {
		total > 0 && weight.saturating_mul(3) >= total.saturating_mul(2)
	}

	/// The fewest of `validators` (each with its weight, as [`Validators`] holds them) whose
	/// votes make the 2/3 quorum, heaviest first: who a client needs to vote for a poll to
	/// conclude. All of them if their weights are zero.
	pub fn quorum_voters<A: Clone>(validators: &[(A, u128)]) -> alloc::vec::Vec<A> {
		let mut by_weight = validators.to_vec();
		by_weight.sort_by(|a, b| b.1.cmp(&a.1));
		let total = by_weight.iter().fold(0u128, |sum, (_, weight)| sum.saturating_add(*weight));
		let mut backing = 0u128;
		by_weight
			.into_iter()
			.take_while(|(_, weight)| {
				let short = !Self::two_thirds(backing, total);
				backing = backing.saturating_add(*weight);
				short
			})
			.map(|(who, _)| who)
			.collect()
	}

	/// Whether validators can still vote on `poll`.
	pub fn is_open(poll: &Poll<T>) -> bool {
		poll.session == Session::<T>::get() &&
			frame_system::Pallet::<T>::block_number() <= poll.deadline
	}

	/// End a poll with `verdict`: tell the market, judge the session's validators.
	fn conclude(
		subject: u64,
		kind: PollKind,
		poll: Poll<T>,
		verdict: Verdict,
		by_trading_center: bool,
	) -> DispatchResult {
		T::OnVerdict::on_verdict(subject, kind, verdict)?;
		Polls::<T>::remove(subject, kind);
		Self::judge_concluded(subject, kind, &poll, verdict, by_trading_center);
		Ok(())
	}

	/// Add `who`'s vote of `weight` (of the session's `total`) to an open `poll`. At quorum
	/// the market applies the verdict and the poll is removed: `Some(poll)`, its votes
	/// included, for its voters to be judged. Otherwise the poll is stored with the vote:
	/// `None`.
	#[allow(clippy::too_many_arguments)]
	fn cast(
		who: &T::AccountId,
		weight: u128,
		total: u128,
		subject: u64,
		kind: PollKind,
		mut poll: Poll<T>,
		verdict: Verdict,
	) -> Result<Option<Poll<T>>, DispatchError> {
		ensure!(!poll.votes.iter().any(|(v, _, _)| v == who), Error::<T>::AlreadyVoted);
		poll.votes
			.try_push((who.clone(), verdict, weight))
			.map_err(|_| Error::<T>::NotValidator)?;
		Self::deposit_event(Event::Voted { subject, kind, who: who.clone(), verdict });
		let backing = poll
			.votes
			.iter()
			.filter(|(_, v, _)| *v == verdict)
			.fold(0u128, |sum, (_, _, w)| sum.saturating_add(*w));
		if Self::two_thirds(backing, total) {
			T::OnVerdict::on_verdict(subject, kind, verdict)?;
			Polls::<T>::remove(subject, kind);
			Ok(Some(poll))
		} else {
			Polls::<T>::insert(subject, kind, poll);
			Ok(None)
		}
	}

	/// Judge every validator of `validators` on a concluded `poll`, in `tally` (aligned with
	/// them): right if it voted `verdict`.
	fn judge(
		validators: &[(T::AccountId, u128)],
		tally: &mut [StreakDelta],
		poll: &Poll<T>,
		verdict: Verdict,
	) {
		for ((validator, _), judgements) in validators.iter().zip(tally.iter_mut()) {
			judgements.judge(poll.votes.iter().any(|(v, vote, _)| v == validator && *vote == verdict));
		}
	}

	/// Judge the validators of a concluded poll (removed already) against its verdict.
	fn judge_concluded(
		subject: u64,
		kind: PollKind,
		poll: &Poll<T>,
		verdict: Verdict,
		by_trading_center: bool,
	) {
		let correct = |validator: &T::AccountId| {
			StreakDelta::judged(
				poll.votes.iter().any(|(v, vote, _)| v == validator && *vote == verdict),
			)
		};
		let voters = || poll.votes.iter().map(|(v, _, _)| v.clone()).collect();
		Self::judge_session(poll.session, voters, correct);
		Self::deposit_event(Event::PollConcluded { subject, kind, verdict, by_trading_center });
	}

	/// Judge every validator of `session` with `judgements` of it: in the session's tally if
	/// it is the current one, else in its credit record at once, after what is pending for
	/// it. `voters` gives those who voted, the only validators known of a session before the
	/// previous one.
	fn judge_session(
		session: u32,
		voters: impl FnOnce() -> alloc::vec::Vec<T::AccountId>,
		judgements: impl Fn(&T::AccountId) -> StreakDelta,
	) {
		let current = Session::<T>::get();
		// The streaks change now (in the tally, or in the records); the draw weights that
		// follow from them are brought up to date when the next draw starts
		// (`PendingDraw::to_refresh`), so a poll costs no tree update. Validators of sessions
		// before the previous one are re-weighed when their credit next changes.
		if session == current {
			let validators = Validators::<T>::get();
			let mut tally = Judgements::<T>::get().into_inner();
			tally.resize(validators.len(), StreakDelta::default());
			for ((validator, _), pending) in validators.iter().zip(tally.iter_mut()) {
				*pending = pending.then(judgements(validator));
			}
			Judgements::<T>::put(BoundedVec::truncate_from(tally));
		} else {
			let electorate: alloc::vec::Vec<T::AccountId> =
				if session.saturating_add(1) == current {
					PreviousValidators::<T>::get().into_iter().map(|(v, _)| v).collect()
				} else {
					// Older sessions' sets are gone: judge those who voted.
					voters()
				};
			let mut pending = Tallies::<T>::read();
			for validator in &electorate {
				let judged = pending.take(validator).then(judgements(validator));
				T::Credits::apply_verifications(validator, judged);
			}
			pending.write();
		}
	}

	fn validate(params: &DrawParams) -> Result<(), Error<T>> {
		ensure!(params.ratio >= MIN_RATIO && params.ratio <= MAX_RATIO, Error::<T>::RatioOutOfRange);
		ensure!(params.threshold > 0, Error::<T>::ZeroThreshold);
		Ok(())
	}

	/// `who`'s draw weight now: `C^z + C_verification` (18 decimals) if it is a member whose
	/// credit reaches the threshold, else zero.
	pub fn weight_of(who: &T::AccountId) -> u128 {
		if !Members::<T>::contains_key(who) {
			return 0;
		}
		let Some(credit) = T::Credits::credit(who) else { return 0 };
		if credit < Params::<T>::get().threshold {
			return 0;
		}
		<sp_runtime::FixedU128 as sp_runtime::FixedPointNumber>::saturating_from_integer(credit)
			.saturating_add(T::Credits::verification_credit(who))
			.into_inner()
	}

	/// Recompute `who`'s draw weight; a node that becomes eligible takes a slot in
	/// [`EligibleAt`], one that ceases to be gives its slot up.
	pub fn refresh(who: &T::AccountId) {
		let new = Self::weight_of(who);
		let old = DrawWeight::<T>::get(who);
		if new == old {
			return;
		}
		if new > WeightCeiling::<T>::get() {
			WeightCeiling::<T>::put(new);
		}
		if new == 0 {
			DrawWeight::<T>::remove(who);
		} else {
			DrawWeight::<T>::insert(who, new);
		}
		if old == 0 {
			Self::list(who);
		} else if new == 0 {
			Self::unlist(who);
		}
	}

	/// Put `who` in `slot` of [`EligibleAt`].
	fn put_in_slot(who: &T::AccountId, slot: u32) {
		EligibleAt::<T>::insert(slot, who);
		SlotOf::<T>::insert(who, slot);
	}

	/// Move the node in slot `from` to slot `to` (`from` is then free to be overwritten).
	fn move_slot(from: u32, to: u32) {
		if from == to {
			return;
		}
		match EligibleAt::<T>::get(from) {
			Some(moved) => Self::put_in_slot(&moved, to),
			None => {
				defensive!("the slots below EligibleCount are filled");
			},
		}
	}

	/// Give the newly eligible `who` the slot after the others.
	fn list(who: &T::AccountId) {
		let count = EligibleCount::<T>::get();
		Self::put_in_slot(who, count);
		EligibleCount::<T>::put(count.saturating_add(1));
		if !Drawn::<T>::contains_key(who) {
			UndrawnCount::<T>::mutate(|n| *n = n.saturating_add(1));
		}
	}

	/// Free `who`'s slot: the last slot's node moves into it.
	fn unlist(who: &T::AccountId) {
		let Some(slot) = SlotOf::<T>::take(who) else {
			defensive!("an eligible node has a slot");
			return;
		};
		let Some(last) = EligibleCount::<T>::get().checked_sub(1) else {
			defensive!("a listed node is counted");
			return;
		};
		Self::move_slot(last, slot);
		EligibleAt::<T>::remove(last);
		EligibleCount::<T>::put(last);
		if !Drawn::<T>::contains_key(who) {
			UndrawnCount::<T>::mutate(|n| *n = n.saturating_sub(1));
		}
	}

	/// How many validators a session gets now: `round(ratio * N)`, at least one, at most
	/// `MaxValidators` and the number of eligible nodes.
	pub fn wanted() -> u32 {
		let members = MemberCount::<T>::get() as u64;
		let parts = Params::<T>::get().ratio.deconstruct() as u64;
		// round(ratio * N), halves up: 1.5 validators are 2.
		let rounded = parts.saturating_mul(members).saturating_add(500_000_000) / 1_000_000_000;
		u32::try_from(rounded)
			.unwrap_or(u32::MAX)
			.max(1)
			.min(T::MaxValidators::get())
			.min(EligibleCount::<T>::get())
	}

	fn start_draw(session: u32, seed: T::Hash) {
		// A draw still running (only if a session is shorter than a draw) is abandoned: its
		// weights go back first.
		if let Some(pending) = Draw::<T>::take() {
			for (who, _) in pending.drawn.iter().skip(pending.restored as usize) {
				Self::restore(who);
			}
		}
		let wanted = Self::wanted();
		let to_refresh = PreviousValidators::<T>::decode_len()
			.unwrap_or(0)
			.saturating_add(Validators::<T>::decode_len().unwrap_or(0)) as u32;
		Draw::<T>::put(PendingDraw::<T> {
			session,
			seed,
			wanted,
			drawn: Default::default(),
			restored: 0,
			to_refresh,
			refreshed: 0,
			trials: 0,
		});
		Self::deposit_event(Event::DrawStarted { session, seed, wanted });
	}

	/// Put a drawn node back among the nodes to draw, at its weight then.
	fn restore(who: &T::AccountId) {
		Drawn::<T>::remove(who);
		// Not listed if it ceased to be eligible during the draw.
		if SlotOf::<T>::contains_key(who) {
			UndrawnCount::<T>::mutate(|n| *n = n.saturating_add(1));
		}
	}

	/// The random numbers of trial `trial` of the draw seeded with `seed`, among `listed`
	/// slots: the slot it picks and the number that, taken modulo the ceiling, the node's
	/// weight must exceed.
	fn trial_numbers(seed: &T::Hash, trial: u32, listed: u32) -> (u32, u128) {
		let random = sp_io::hashing::blake2_256(&(seed, trial).encode());
		let [pick, accept] = [0, 16].map(|at| {
			let mut bytes = [0u8; 16];
			bytes.copy_from_slice(&random[at..at + 16]);
			u128::from_le_bytes(bytes)
		});
		((pick % u128::from(listed.max(1))) as u32, accept)
	}

	/// The weight of one draw step, whichever kind it is: a refresh, a trial or a restore.
	pub fn draw_step_weight() -> Weight {
		let draw = <T as Config>::WeightInfo::on_initialize_draw(1)
			.saturating_sub(<T as Config>::WeightInfo::on_initialize_draw(0));
		let refresh = <T as Config>::WeightInfo::on_initialize_refresh(1)
			.saturating_sub(<T as Config>::WeightInfo::on_initialize_refresh(0));
		draw.max(refresh)
	}

	/// Advance the pending draw by as many steps as `meter` and `MaxDrawStepsPerBlock` allow;
	/// install the validators when it is done.
	fn step_draw(meter: &mut WeightMeter) {
		Self::step_draw_limited(meter, T::MaxDrawStepsPerBlock::get())
	}

	/// [`Self::step_draw`] with at most `max_steps` steps.
	fn step_draw_limited(meter: &mut WeightMeter, max_steps: u32) {
		let Some(mut pending) = Draw::<T>::get() else { return };
		let step = Self::draw_step_weight();
		// The nodes to re-weigh first, the previous set (whose tally is written as well) before
		// the serving one; the sets do not change until the draw ends.
		let (stale, previous): (alloc::vec::Vec<T::AccountId>, usize) =
			if pending.refreshed < pending.to_refresh {
				let previous = PreviousValidators::<T>::get();
				let count = previous.len();
				let stale = previous
					.into_iter()
					.chain(Validators::<T>::get())
					.map(|(who, _)| who)
					.collect();
				(stale, count)
			} else {
				Default::default()
			};

		let mut steps = 0u32;
		while steps < max_steps && meter.try_consume(step).is_ok() {
			steps += 1;
			if pending.refreshed < pending.to_refresh {
				let index = pending.refreshed as usize;
				match stale.get(index) {
					Some(who) => {
						if index < previous {
							let judgements = PreviousJudgements::<T>::mutate(|tally| {
								tally.get_mut(index).map(core::mem::take).unwrap_or_default()
							});
							T::Credits::apply_verifications(who, judgements);
						}
						Self::refresh(who)
					},
					None => {
						defensive!("to_refresh counts the sets, which do not change");
					},
				}
				pending.refreshed = pending.refreshed.saturating_add(1);
			} else if (pending.drawn.len() as u32) < pending.wanted &&
				UndrawnCount::<T>::get() > 0
			{
				// One trial: a listed node, uniformly, taken with probability
				// weight / ceiling unless it is drawn already.
				let (slot, accept) =
					Self::trial_numbers(&pending.seed, pending.trials, EligibleCount::<T>::get());
				pending.trials = pending.trials.saturating_add(1);
				let Some(who) = EligibleAt::<T>::get(slot) else {
					defensive!("the slots below EligibleCount are filled");
					break;
				};
				let weight = DrawWeight::<T>::get(&who);
				if accept % WeightCeiling::<T>::get().max(1) >= weight ||
					Drawn::<T>::contains_key(&who)
				{
					continue;
				}
				Drawn::<T>::insert(&who, ());
				UndrawnCount::<T>::mutate(|n| *n = n.saturating_sub(1));
				if pending.drawn.try_push((who, weight)).is_err() {
					defensive!("wanted <= MaxValidators");
					break;
				}
			} else if (pending.restored as usize) < pending.drawn.len() {
				if let Some((who, _)) = pending.drawn.get(pending.restored as usize) {
					Self::restore(&who.clone());
				}
				pending.restored = pending.restored.saturating_add(1);
			} else {
				// Done: the new validators take office.
				let total =
					pending.drawn.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
				Session::<T>::put(pending.session);
				let now = frame_system::Pallet::<T>::block_number();
				SessionStarts::<T>::mutate(|(current, previous)| {
					*previous = core::mem::replace(current, now)
				});
				// The previous tally was written by the refresh steps, and nothing has joined it
				// since: judgements of earlier sessions go to the records directly.
				let previous = PreviousValidators::<T>::get();
				for ((who, _), judgements) in previous.iter().zip(PreviousJudgements::<T>::get()) {
					if !judgements.is_empty() {
						defensive!("the refresh steps write the previous tally");
						T::Credits::apply_verifications(who, judgements);
					}
				}
				PreviousJudgements::<T>::put(Judgements::<T>::take());
				PreviousValidators::<T>::put(Validators::<T>::get());
				ValidatorsTotal::<T>::put(total);
				Validators::<T>::put(pending.drawn.clone());
				Draw::<T>::kill();
				Self::deposit_event(Event::ValidatorsChosen {
					session: pending.session,
					validators: pending.drawn.into_inner(),
				});
				return;
			}
		}
		Draw::<T>::put(pending);
	}

	/// Whether the poll of `kind` on `subject` is at its `place` in its batch.
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn at_place(subject: u64, kind: PollKind, place: BatchRef<BlockNumberFor<T>>) -> bool {
		let subjects = BatchSubjects::<T>::get(kind, place.id()).unwrap_or_default();
		subjects.get(place.index as usize) == Some(&subject)
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let count = EligibleCount::<T>::get();
		let ceiling = WeightCeiling::<T>::get();
		let (mut eligible, mut undrawn) = (0u32, 0u32);
		for (who, weight) in DrawWeight::<T>::iter() {
			ensure!(weight <= ceiling, "a weight above WeightCeiling");
			if weight == 0 {
				continue;
			}
			eligible += 1;
			if !Drawn::<T>::contains_key(&who) {
				undrawn += 1;
			}
			let slot = SlotOf::<T>::get(&who).ok_or("an eligible node without a slot")?;
			ensure!(slot < count, "a slot beyond EligibleCount");
			ensure!(EligibleAt::<T>::get(slot) == Some(who.clone()), "SlotOf and EligibleAt differ");
		}
		ensure!(eligible == count, "EligibleCount differs");
		ensure!(undrawn == UndrawnCount::<T>::get(), "UndrawnCount differs");
		ensure!(SlotOf::<T>::iter_keys().count() as u32 == count, "a slot of an ineligible node");
		ensure!(EligibleAt::<T>::iter_keys().all(|slot| slot < count), "a slot beyond the list");
		let validators = Validators::<T>::get();
		let mut accounts: alloc::vec::Vec<_> = validators.iter().map(|(a, _)| a.clone()).collect();
		accounts.sort();
		accounts.dedup();
		ensure!(accounts.len() == validators.len(), "a validator drawn twice");
		ensure!(
			validators.iter().fold(0u128, |s, (_, w)| s.saturating_add(*w)) ==
				ValidatorsTotal::<T>::get(),
			"ValidatorsTotal differs"
		);
		let pending = Draw::<T>::get();
		let in_draw = pending
			.as_ref()
			.map(|p| p.drawn.len().saturating_sub(p.restored as usize))
			.unwrap_or_default();
		ensure!(Drawn::<T>::iter().count() == in_draw, "Drawn differs from the pending draw");
		ensure!(
			Judgements::<T>::decode_len().unwrap_or(0) <= validators.len(),
			"a judgement without a validator"
		);
		ensure!(
			PreviousJudgements::<T>::decode_len().unwrap_or(0) <=
				PreviousValidators::<T>::decode_len().unwrap_or(0),
			"a previous judgement without a validator"
		);
		// Every poll in a batch is in it, at its place.
		for (subject, kind, poll) in Polls::<T>::iter() {
			if let Some(place) = poll.batch {
				ensure!(Self::at_place(subject, kind, place), "a poll is not at its place");
			}
		}
		let max = T::MaxBatchPolls::get() as usize;
		for (_, _, subjects) in BatchSubjects::<T>::iter() {
			ensure!(!subjects.is_empty() && subjects.len() <= max, "a batch's size is wrong");
		}
		for (kind, id, batch) in Batches::<T>::iter() {
			ensure!(BatchSubjects::<T>::contains_key(kind, id), "a tally of no open batch");
			ensure!(
				batch.votes.iter().all(|(_, list)| (*list as usize) < batch.lists.len()),
				"a batch vote for no list"
			);
			let voters = |list: usize| batch.votes.iter().filter(|(_, l)| *l as usize == list).count();
			ensure!(
				(0..batch.lists.len()).all(|list| voters(list) > 0),
				"a batch list no one voted"
			);
		}
		Ok(())
	}
}

impl<T: Config> OnMembershipChange<T::AccountId> for Pallet<T> {
	fn on_joined(who: &T::AccountId) {
		if !Members::<T>::contains_key(who) {
			Members::<T>::insert(who, ());
			MemberCount::<T>::mutate(|n| *n = n.saturating_add(1));
		}
		Self::refresh(who);
	}

	fn on_left(who: &T::AccountId) {
		if Members::<T>::take(who).is_some() {
			MemberCount::<T>::mutate(|n| *n = n.saturating_sub(1));
		}
		Self::refresh(who);
	}
}

impl<T: Config> OnCreditChange<T::AccountId> for Pallet<T> {
	fn on_credit_change(who: &T::AccountId, _old: Credit, _new: Credit) {
		Self::refresh(who);
	}
}

impl<T: Config> ValidatorSet<T::AccountId> for Pallet<T> {
	fn session() -> u32 {
		Session::<T>::get()
	}

	fn validator_weight(who: &T::AccountId) -> Option<u128> {
		Validators::<T>::get().iter().find(|(v, _)| v == who).map(|(_, w)| *w)
	}

	fn total_weight() -> u128 {
		ValidatorsTotal::<T>::get()
	}

	fn validators() -> alloc::vec::Vec<(T::AccountId, u128)> {
		Validators::<T>::get().into_inner()
	}

	fn remove_validator(who: &T::AccountId) -> bool {
		let mut set = Validators::<T>::get();
		let Some(position) = set.iter().position(|(v, _)| v == who) else { return false };
		// Its tallied judgements go to its record, and its place in the tally with its seat.
		let judgements = <Self as PendingVerifications<_>>::take(who);
		Judgements::<T>::mutate(|tally| {
			if position < tally.len() {
				tally.remove(position);
			}
		});
		T::Credits::apply_verifications(who, judgements);
		let (_, weight) = set.remove(position);
		Validators::<T>::put(set);
		ValidatorsTotal::<T>::mutate(|t| *t = t.saturating_sub(weight));
		Self::deposit_event(Event::ValidatorRemoved { who: who.clone() });
		true
	}
}

impl<T: Config> Verifier for Pallet<T> {
	fn open(subject: u64, kind: PollKind) -> DispatchResult {
		ensure!(!Polls::<T>::contains_key(subject, kind), Error::<T>::PollExists);
		let session = Session::<T>::get();
		let deadline =
			frame_system::Pallet::<T>::block_number().saturating_add(T::VotingPeriod::get());
		let batch = BatchedPolls::<T>::get()
			.then(|| Self::enter_batch(subject, kind, session, deadline));
		Polls::<T>::insert(
			subject,
			kind,
			Poll::<T> { session, deadline, votes: Default::default(), batch },
		);
		Self::deposit_event(Event::PollOpened { subject, kind, session, deadline });
		Ok(())
	}

	fn cancel(subject: u64, kind: PollKind) {
		if Polls::<T>::take(subject, kind).is_some() {
			Self::deposit_event(Event::PollCancelled { subject, kind });
		}
	}

	fn open_extra_weight() -> Weight {
		if BatchedPolls::<T>::get() {
			<T as Config>::WeightInfo::open_batched()
				.saturating_sub(<T as Config>::WeightInfo::open_single())
		} else {
			Weight::zero()
		}
	}
}
