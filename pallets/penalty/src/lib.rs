//! # Penalty pallet
//!
//! Distribution of penalties (MODEL §7): the harmed counterparty's share, and the rest shared
//! among every other active node in proportion to its performance credit, at a cost that does
//! not grow with the number of nodes; each node claims what it is owed.
//!
//! ## Overview
//!
//! The market pays a penalty into this pallet's pot and calls
//! [`energy_primitives::PenaltyPool::distribute`]. The counterparty's share is owed to it at
//! once. The community share is accrued lazily, as staking reward pools do: the pallet keeps a
//! running *reward per credit point* and, per node, the weight (credit) it was last settled at
//! and a debt; distributing adds `share / eligible_weight` to the running value, which owes every
//! node `weight * increase` without touching it. The trade's parties are left out by settling
//! them before the increase and moving their debt past it. A node is settled whenever its
//! weight changes (its credit changes, it joins or leaves the active set) and when it claims.
//!
//! All amounts are kept scaled by [`SCALE`], so the bookkeeping is exact: what a division
//! leaves over is kept as scaled *dust*, and whole units of dust go to the trading center, so
//! nothing disappears.
//!
//! ## Invariants
//!
//! - `TotalWeight` is the sum of the weights of member records.
//! - `(pot balance - minimum balance) * SCALE` equals the sum of every record's owed amount
//!   (scaled, settled to the current reward per credit) plus `DustScaled`.
//! - A non-member record has weight zero.

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

pub use energy_primitives::{Balance, Credit};
use energy_primitives::{CreditScore, OnCreditChange, OnMembershipChange, PenaltyPool, Registry};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, Mutate},
		tokens::Preservation,
	},
	PalletId,
};
use sp_runtime::{
	helpers_128bit::multiply_by_rational_with_rounding, traits::AccountIdConversion, Rounding,
};

pub use pallet::*;
pub use weights::WeightInfo;

/// Amounts are kept in units of `1 / SCALE` of the currency's smallest unit.
pub const SCALE: u128 = 1_000_000_000;

/// A node's position in the pool.
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
pub struct ShareRecord {
	/// Whether the node is active and shares in distributions.
	pub member: bool,
	/// The credit it shares with (zero unless a member).
	pub weight: Credit,
	/// `weight * reward_per_credit` when last settled (scaled).
	pub debt: u128,
	/// What it is owed as of its last settlement (scaled).
	pub owed: u128,
	/// What it has claimed so far.
	pub claimed: Balance,
}

impl ShareRecord {
	/// Bring `owed` up to `reward_per_credit` at the current weight.
	fn settle(&mut self, reward_per_credit: u128) {
		let accrued = (self.weight as u128).saturating_mul(reward_per_credit);
		self.owed = self.owed.saturating_add(accrued.saturating_sub(self.debt));
		self.debt = accrued;
	}

	/// What it is owed, scaled, as of `reward_per_credit`.
	fn owed_at(&self, reward_per_credit: u128) -> u128 {
		let accrued = (self.weight as u128).saturating_mul(reward_per_credit);
		self.owed.saturating_add(accrued.saturating_sub(self.debt))
	}
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

	/// Configuration of the penalty pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency penalties are paid in.
		type Currency: Mutate<Self::AccountId, Balance = Balance>;
		/// The credit records that weigh the community share.
		type Credits: CreditScore<Self::AccountId>;
		/// The registry, for the trading center that receives rounding dust.
		type Registry: Registry<Self::AccountId>;
		/// The pot's account is derived from this id.
		#[pallet::constant]
		type PalletId: Get<PalletId>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Every node's position in the pool.
	#[pallet::storage]
	pub type Shares<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, ShareRecord, OptionQuery>;

	/// The sum of the members' weights.
	#[pallet::storage]
	pub type TotalWeight<T> = StorageValue<_, u64, ValueQuery>;

	/// What one credit point has earned since genesis (scaled).
	#[pallet::storage]
	pub type RewardPerCredit<T> = StorageValue<_, u128, ValueQuery>;

	/// Scaled remainders of distributions, less than one unit while a trading center is set.
	#[pallet::storage]
	pub type DustScaled<T> = StorageValue<_, u128, ValueQuery>;

	/// Events of the penalty pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A penalty paid into the pot was distributed.
		Distributed {
			/// The harmed counterparty, if it gets a share.
			counterparty: Option<T::AccountId>,
			/// Its share.
			counterparty_share: Balance,
			/// The share of the other active nodes, by credit.
			community_share: Balance,
			/// The credit weight it was shared over (zero: it went to the trading center).
			eligible_weight: u64,
		},
		/// Whole units of rounding dust (or a community share nobody was eligible for) went to
		/// the trading center.
		DustPaid {
			/// The trading center.
			to: T::AccountId,
			/// The amount.
			amount: Balance,
		},
		/// A node claimed what it was owed.
		Claimed {
			/// The node.
			who: T::AccountId,
			/// The amount paid.
			amount: Balance,
		},
	}

	/// Errors of the penalty pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The caller is owed nothing (less than one unit).
		NothingToClaim,
	}

	/// Genesis: nothing to configure; the pot is given the currency's minimum balance so that
	/// it can receive amounts of any size.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		#[serde(skip)]
		#[allow(missing_docs)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			let pot = Pallet::<T>::pot_account();
			let minimum = T::Currency::minimum_balance();
			if T::Currency::balance(&pot) < minimum {
				T::Currency::set_balance(&pot, minimum);
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Claim what the caller is owed from the pot, in whole units (the scaled remainder
		/// stays owed).
		///
		/// - Origin: signed, the node.
		///
		/// Errors: [`Error::NothingToClaim`], and the currency's error when the amount cannot
		/// be paid to the caller (e.g. below the minimum balance of an empty account).
		/// Emits [`Event::Claimed`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::claim())]
		pub fn claim(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let reward_per_credit = RewardPerCredit::<T>::get();
			let mut record = Shares::<T>::get(&who).ok_or(Error::<T>::NothingToClaim)?;
			record.settle(reward_per_credit);
			let amount = record.owed / SCALE;
			ensure!(amount > 0, Error::<T>::NothingToClaim);
			T::Currency::transfer(&Self::pot_account(), &who, amount, Preservation::Preserve)?;
			record.owed = record.owed.saturating_sub(amount.saturating_mul(SCALE));
			record.claimed = record.claimed.saturating_add(amount);
			Shares::<T>::insert(&who, record);
			Self::deposit_event(Event::Claimed { who, amount });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The pot's account.
	pub fn pot_account() -> T::AccountId {
		T::PalletId::get().into_account_truncating()
	}

	/// What `who` can claim now, in whole units.
	pub fn claimable(who: &T::AccountId) -> Balance {
		Shares::<T>::get(who)
			.map(|r| r.owed_at(RewardPerCredit::<T>::get()) / SCALE)
			.unwrap_or_default()
	}

	/// Everything `who` has received: claimed plus claimable.
	pub fn received(who: &T::AccountId) -> Balance {
		Shares::<T>::get(who)
			.map(|r| r.claimed.saturating_add(r.owed_at(RewardPerCredit::<T>::get()) / SCALE))
			.unwrap_or_default()
	}

	/// Change a member's weight, settling it first.
	fn set_weight(who: &T::AccountId, member: bool, weight: Credit) {
		let reward_per_credit = RewardPerCredit::<T>::get();
		let mut record = Shares::<T>::get(who).unwrap_or_default();
		record.settle(reward_per_credit);
		let weight = if member { weight } else { 0 };
		TotalWeight::<T>::mutate(|total| {
			*total = total.saturating_sub(record.weight as u64).saturating_add(weight as u64)
		});
		record.member = member;
		record.weight = weight;
		record.debt = (weight as u128).saturating_mul(reward_per_credit);
		Shares::<T>::insert(who, record);
	}

	/// Pay whole units of dust (at most `DustScaled / SCALE`, or all of `extra`) to the trading
	/// center; without one, keep them as dust.
	fn pay_dust(extra: Balance) {
		let Some(center) = T::Registry::trading_center() else {
			DustScaled::<T>::mutate(|d| *d = d.saturating_add(extra.saturating_mul(SCALE)));
			return;
		};
		let dust = DustScaled::<T>::get();
		let amount = (dust / SCALE).saturating_add(extra);
		if amount == 0 {
			return;
		}
		match T::Currency::transfer(&Self::pot_account(), &center, amount, Preservation::Preserve)
		{
			Ok(_) => {
				DustScaled::<T>::put(dust.saturating_sub((dust / SCALE).saturating_mul(SCALE)));
				Self::deposit_event(Event::DustPaid { to: center, amount });
			},
			// E.g. an empty trading-center account and an amount below the minimum balance:
			// keep it as dust and pay it with a later, larger amount.
			Err(_) => DustScaled::<T>::put(dust.saturating_add(extra.saturating_mul(SCALE))),
		}
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let reward_per_credit = RewardPerCredit::<T>::get();
		let mut weight = 0u64;
		let mut owed = 0u128;
		for (_, record) in Shares::<T>::iter() {
			ensure!(record.member || record.weight == 0, "non-member with weight");
			weight = weight.saturating_add(record.weight as u64);
			owed = owed.saturating_add(record.owed_at(reward_per_credit));
		}
		ensure!(weight == TotalWeight::<T>::get(), "TotalWeight differs from the records");
		let pot = T::Currency::balance(&Self::pot_account())
			.saturating_sub(T::Currency::minimum_balance());
		ensure!(
			pot.saturating_mul(SCALE) == owed.saturating_add(DustScaled::<T>::get()),
			"pot differs from what is owed plus dust"
		);
		Ok(())
	}
}

impl<T: Config> PenaltyPool<T::AccountId> for Pallet<T> {
	fn pot() -> T::AccountId {
		Self::pot_account()
	}

	fn distribute(
		counterparty: Option<(&T::AccountId, Balance)>,
		community_share: Balance,
		excluded: &[&T::AccountId],
	) {
		let old_reward = RewardPerCredit::<T>::get();
		// Settle the excluded parties and take their weight out of this distribution.
		let mut excluded_weight = 0u64;
		for (i, who) in excluded.iter().enumerate() {
			// An account listed twice is left out once.
			if excluded.iter().take(i).any(|earlier| earlier == who) {
				continue;
			}
			if let Some(mut record) = Shares::<T>::get(*who) {
				record.settle(old_reward);
				excluded_weight = excluded_weight.saturating_add(record.weight as u64);
				Shares::<T>::insert(*who, record);
			}
		}
		let eligible_weight = TotalWeight::<T>::get().saturating_sub(excluded_weight);

		let counterparty_share = counterparty.map(|(_, share)| share).unwrap_or_default();
		if let Some((who, share)) = counterparty {
			Shares::<T>::mutate(who, |maybe| {
				let record = maybe.get_or_insert_with(Default::default);
				record.owed = record.owed.saturating_add(share.saturating_mul(SCALE));
			});
		}

		let mut to_center = 0;
		if community_share > 0 {
			let increase = if eligible_weight == 0 {
				None
			} else {
				multiply_by_rational_with_rounding(
					community_share,
					SCALE,
					eligible_weight as u128,
					Rounding::Down,
				)
			};
			match increase {
				Some(increase) => {
					let new_reward = old_reward.saturating_add(increase);
					RewardPerCredit::<T>::put(new_reward);
					let shared = increase.saturating_mul(eligible_weight as u128);
					let remainder =
						community_share.saturating_mul(SCALE).saturating_sub(shared);
					DustScaled::<T>::mutate(|d| *d = d.saturating_add(remainder));
					// The parties do not share in what they paid.
					for who in excluded {
						Shares::<T>::mutate(*who, |maybe| {
							if let Some(record) = maybe {
								record.debt = (record.weight as u128).saturating_mul(new_reward);
							}
						});
					}
				},
				None => to_center = community_share,
			}
		}
		Self::pay_dust(to_center);
		Self::deposit_event(Event::Distributed {
			counterparty: counterparty.map(|(who, _)| who.clone()),
			counterparty_share,
			community_share,
			eligible_weight,
		});
	}
}

impl<T: Config> OnMembershipChange<T::AccountId> for Pallet<T> {
	fn on_joined(who: &T::AccountId) {
		let credit = T::Credits::credit(who).unwrap_or_default();
		Self::set_weight(who, true, credit);
	}

	fn on_left(who: &T::AccountId) {
		Self::set_weight(who, false, 0);
	}
}

impl<T: Config> OnCreditChange<T::AccountId> for Pallet<T> {
	fn on_credit_change(who: &T::AccountId, _old: Credit, new: Credit) {
		if Shares::<T>::get(who).is_some_and(|r| r.member) {
			Self::set_weight(who, true, new);
		}
	}
}
