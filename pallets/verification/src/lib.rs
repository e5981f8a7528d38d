//! # Verification pallet
//!
//! The per-session draw of the validators that approve contracts and attest deliveries
//! (MODEL §8).
//!
//! ## Overview
//!
//! Every active node whose performance credit is at least the eligibility threshold (default
//! 90) has a *draw weight* `C^z + C_verification` (fixed point, 18 decimals); everyone else has
//! weight zero. The weights live in a Fenwick tree ([`energy_primitives::sampling`]) with one
//! position per node, updated in `O(log n)` whenever a node's credit, verification streak or
//! membership changes.
//!
//! Every `SessionLength` blocks a new session starts and `k = round(ratio * N)` validators are
//! drawn (`N` active nodes, `ratio` in 10 %-20 %, default 15 %, at least 1, at most
//! `MaxValidators` and at most the number of eligible nodes), weighted by draw weight, without
//! replacement: each draw picks a position with probability proportional to its weight and
//! takes its weight out of the tree until the draw is over. The work is spread over blocks,
//! at most `MaxDrawStepsPerBlock` steps (one draw or one restored weight, each `O(log n)`) per
//! block, so a block's cost does not depend on the number of nodes. The previous session's
//! validators serve until the new set is complete.
//!
//! ## Randomness
//!
//! Each session's draw is seeded once, when the session starts, from `Config::Randomness`.
//! **Until the DPoA engine supplies a VRF output (a later issue), the runtime wires the parent
//! block's hash here, which the block author (the trading center) can bias by choosing what
//! to put in that block.** The seed is recorded in [`Event::DrawStarted`].
//!
//! ## Invariants
//!
//! - The tree's total equals `TreeTotal`, the sum of nominal weights of nodes not currently
//!   drawn.
//! - `Validators` holds no account twice and `ValidatorsTotal` is the sum of its weights.
//! - An account is in `Drawn` exactly while it is in the pending draw's list.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
pub mod runtime_api;
#[cfg(test)]
mod tests;
pub mod weights;

pub use energy_primitives::Credit;
use energy_primitives::{
	sampling::{self, FenwickStore},
	CreditScore, OnCreditChange, OnMembershipChange, ValidatorSet,
};
use frame_support::{
	pallet_prelude::*,
	traits::Randomness,
	weights::WeightMeter,
};
use sp_runtime::{
	traits::{Saturating, Zero},
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
	/// How many of `drawn` have had their weight put back in the tree.
	pub restored: u32,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

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
		/// The most nodes that can be weighed: the Fenwick tree's size, a power of two.
		#[pallet::constant]
		type MaxNodes: Get<u32>;
		/// The most draw steps (one draw, or one weight put back) done in one block.
		#[pallet::constant]
		type MaxDrawStepsPerBlock: Get<u32>;
		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The draw's parameters.
	#[pallet::storage]
	pub type Params<T> = StorageValue<_, DrawParams, ValueQuery>;

	/// Each weighed node's position in the tree (`1..=MaxNodes`), kept for good.
	#[pallet::storage]
	pub type Position<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, OptionQuery>;

	/// The node at each tree position.
	#[pallet::storage]
	pub type NodeAt<T: Config> = StorageMap<_, Twox64Concat, u32, T::AccountId, OptionQuery>;

	/// Positions handed out so far.
	#[pallet::storage]
	pub type PositionCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The Fenwick tree's cells.
	#[pallet::storage]
	pub type Tree<T> = StorageMap<_, Twox64Concat, u32, u128, ValueQuery>;

	/// The sum of the weights in the tree.
	#[pallet::storage]
	pub type TreeTotal<T> = StorageValue<_, u128, ValueQuery>;

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

	/// Nodes drawn by the pending draw (their weight is out of the tree).
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
		/// The admin set the draw's parameters.
		ParamsSet {
			/// The new parameters.
			params: DrawParams,
		},
		/// A node could not be weighed because the tree is full (`MaxNodes`).
		TreeFull {
			/// The node.
			who: T::AccountId,
		},
	}

	/// Errors of the verification pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The ratio must lie in 10 %-20 %.
		RatioOutOfRange,
		/// The threshold must be positive.
		ZeroThreshold,
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
			// Nodes that joined in earlier genesis builds were weighed with the default
			// threshold; weigh them again.
			for position in 1..=PositionCount::<T>::get() {
				if let Some(who) = NodeAt::<T>::get(position) {
					Pallet::<T>::refresh(&who);
				}
			}
			Pallet::<T>::start_draw(0, Default::default());
			// Genesis has no weight limit: finish the draw (a draw takes at most
			// 2 * MaxValidators + 1 steps).
			while Draw::<T>::exists() {
				Pallet::<T>::step_draw(&mut WeightMeter::new());
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let base = <T as Config>::WeightInfo::on_initialize_draw(0);
			let mut meter = WeightMeter::with_limit(
				<T as Config>::WeightInfo::on_initialize_draw(T::MaxDrawStepsPerBlock::get())
					.saturating_sub(base),
			);
			let length = T::SessionLength::get();
			if !length.is_zero() && (n % length).is_zero() {
				let session = Session::<T>::get().saturating_add(1);
				let (seed, _) = T::Randomness::random(b"dpoa/validator-draw");
				Self::start_draw(session, seed);
			}
			if Draw::<T>::exists() {
				Self::step_draw(&mut meter);
				base.saturating_add(meter.consumed())
			} else {
				<T as Config>::WeightInfo::on_initialize_idle()
			}
		}

		fn integrity_test() {
			let max = T::MaxNodes::get();
			assert!(max.is_power_of_two(), "MaxNodes must be a power of two");
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
	}
}

/// The tree's cells in storage.
struct StoredTree<T>(core::marker::PhantomData<T>);

impl<T: Config> FenwickStore for StoredTree<T> {
	fn capacity(&self) -> u32 {
		T::MaxNodes::get()
	}
	fn get(&self, i: u32) -> u128 {
		Tree::<T>::get(i)
	}
	fn set(&mut self, i: u32, value: u128) {
		if value == 0 {
			Tree::<T>::remove(i);
		} else {
			Tree::<T>::insert(i, value);
		}
	}
}

impl<T: Config> Pallet<T> {
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

	/// Recompute `who`'s draw weight and put it in the tree (unless it is out of the tree
	/// because the pending draw picked it).
	pub fn refresh(who: &T::AccountId) {
		let new = Self::weight_of(who);
		let old = DrawWeight::<T>::get(who);
		if new == old {
			return;
		}
		let position = match Position::<T>::get(who) {
			Some(p) => p,
			None if new == 0 => return,
			None => {
				let next = PositionCount::<T>::get().saturating_add(1);
				if next > T::MaxNodes::get() {
					Self::deposit_event(Event::TreeFull { who: who.clone() });
					return;
				}
				PositionCount::<T>::put(next);
				Position::<T>::insert(who, next);
				NodeAt::<T>::insert(next, who);
				next
			},
		};
		if (old == 0) != (new == 0) {
			EligibleCount::<T>::mutate(|n| {
				*n = if new == 0 { n.saturating_sub(1) } else { n.saturating_add(1) }
			});
		}
		DrawWeight::<T>::insert(who, new);
		if Drawn::<T>::contains_key(who) {
			// Its weight goes back in, at its then nominal value, when the draw ends.
			return;
		}
		let mut tree = StoredTree::<T>(Default::default());
		if new > old {
			sampling::update(&mut tree, position, new - old, false);
			TreeTotal::<T>::mutate(|t| *t = t.saturating_add(new - old));
		} else {
			sampling::update(&mut tree, position, old - new, true);
			TreeTotal::<T>::mutate(|t| *t = t.saturating_sub(old - new));
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
		Draw::<T>::put(PendingDraw::<T> {
			session,
			seed,
			wanted,
			drawn: Default::default(),
			restored: 0,
		});
		Self::deposit_event(Event::DrawStarted { session, seed, wanted });
	}

	/// Put a drawn node's current nominal weight back in the tree.
	fn restore(who: &T::AccountId) {
		Drawn::<T>::remove(who);
		let weight = DrawWeight::<T>::get(who);
		if let (Some(position), true) = (Position::<T>::get(who), weight > 0) {
			sampling::update(&mut StoredTree::<T>(Default::default()), position, weight, false);
			TreeTotal::<T>::mutate(|t| *t = t.saturating_add(weight));
		}
	}

	/// Advance the pending draw by as many steps as `meter` and `MaxDrawStepsPerBlock` allow;
	/// install the validators when it is done.
	fn step_draw(meter: &mut WeightMeter) {
		Self::step_draw_limited(meter, T::MaxDrawStepsPerBlock::get())
	}

	/// [`Self::step_draw`] with at most `max_steps` steps.
	fn step_draw_limited(meter: &mut WeightMeter, max_steps: u32) {
		let Some(mut pending) = Draw::<T>::get() else { return };
		let step = <T as Config>::WeightInfo::on_initialize_draw(1)
			.saturating_sub(<T as Config>::WeightInfo::on_initialize_draw(0));
		let mut steps = 0u32;
		while steps < max_steps && meter.try_consume(step).is_ok() {
			steps += 1;
			let total = TreeTotal::<T>::get();
			if (pending.drawn.len() as u32) < pending.wanted && total > 0 {
				let index = pending.drawn.len() as u32;
				let random = sp_io::hashing::blake2_256(&(pending.seed, index).encode());
				let mut bytes = [0u8; 16];
				bytes.copy_from_slice(&random[..16]);
				let target = u128::from_le_bytes(bytes) % total;
				let Some(position) = sampling::find(&StoredTree::<T>(Default::default()), target)
				else {
					defensive!("a target below the tree's total always finds a position");
					break;
				};
				let Some(who) = NodeAt::<T>::get(position) else {
					defensive!("a position with weight has a node");
					break;
				};
				let weight = DrawWeight::<T>::get(&who);
				sampling::update(
					&mut StoredTree::<T>(Default::default()),
					position,
					weight,
					true,
				);
				TreeTotal::<T>::put(total.saturating_sub(weight));
				Drawn::<T>::insert(&who, ());
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

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let tree = StoredTree::<T>(Default::default());
		let mut expected = 0u128;
		let mut eligible = 0u32;
		for (who, weight) in DrawWeight::<T>::iter() {
			if weight > 0 {
				eligible += 1;
			}
			if !Drawn::<T>::contains_key(&who) {
				expected = expected.saturating_add(weight);
			}
		}
		ensure!(eligible == EligibleCount::<T>::get(), "EligibleCount differs");
		ensure!(sampling::prefix_sum(&tree, T::MaxNodes::get()) == expected, "tree total differs");
		ensure!(TreeTotal::<T>::get() == expected, "TreeTotal differs");
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
}
