//! # Credit pallet
//!
//! The performance credit and verification-reward credit of every registered node, and the
//! penalty price they set (MODEL §4-§6).
//!
//! ## Overview
//!
//! Each node that joins the registry gets a [`CreditRecord`] at `initial_credit` (the registry
//! tells this pallet through [`energy_primitives::OnMembershipChange`]). The market tells it the
//! outcome of every settled trade and the verification pallet the outcome of every
//! verification, both through [`energy_primitives::CreditScore`]:
//!
//! - a default deducts the Fibonacci number of the defaults since the last reset (R3) and resets
//!   the fulfilment streak (R5);
//! - the trade that completes `restore_after` consecutive fulfilments restores one point while
//!   below `initial_credit`, and resets both counters (R4, as Table A2 fixes it);
//! - a first default from `initial_credit` deducts but is not liable for a penalty (R6);
//! - a correct verification extends the streak `n`, a wrong or missing one resets it; the
//!   verification credit is `k1 * (1 / (1 + e^(-n/2)))^2` (§5). The verification pallet tallies
//!   a session's judgements and writes them here once ([`Config::PendingVerifications`]); every
//!   read of `n` (the verification credit, the penalty price, [`Pallet::credit_info`]) adds the
//!   judgements still pending, so nothing the chain computes waits for that write.
//!
//! All arithmetic is the fixed point of [`energy_primitives::credit`]. The admin origin (the
//! trading center) sets the model's parameters with [`Pallet::set_params`]; parameters that break
//! the model (`0.01 * k2 * (k1 + g) >= 1`, `mu >= 1`, zero counts) are rejected.
//!
//! A node that leaves the registry keeps its record: re-registering must not launder credit.
//!
//! ## Runtime API
//!
//! [`runtime_api::CreditApi`] gives clients an account's record with its verification credit,
//! a penalty-price quote and the parameters (polkadot.js: `api.call.creditApi.*`).
//!
//! ## Invariants
//!
//! - Every record's credit lies in `0..=initial_credit`.
//! - `RecordCount` equals the number of records.
//! - The stored parameters pass [`CreditParams::validate`].

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

pub use energy_primitives::{
	Balance, Credit, CreditChange, CreditParams, CreditState, FixedU128, InvalidCreditParams,
};
use energy_primitives::{
	CreditScore, OnCreditChange, OnMembershipChange, PendingVerifications, StreakDelta,
};
use frame_support::pallet_prelude::*;

pub use pallet::*;
pub use weights::WeightInfo;

/// One node's credit record (MODEL §2: `C_j` with the streaks the chain keeps).
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
	serde::Serialize,
	serde::Deserialize,
)]
pub struct CreditRecord {
	/// Performance credit and its streaks.
	pub state: CreditState,
	/// `n`: consecutive correct verifications.
	pub verification_streak: u32,
	/// `e_j`: the number of credit events (settled trades) recorded.
	pub credit_events: u32,
}

/// A record as clients read it: the stored record plus the verification credit it implies.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct CreditInfo {
	/// Performance credit `C^z`.
	pub credit: Credit,
	/// `D`: consecutive fulfilled trades.
	pub fulfilled_streak: u32,
	/// `i`: defaults since the last reset.
	pub defaults_since_reset: u32,
	/// `n`: consecutive correct verifications.
	pub verification_streak: u32,
	/// `C_verification`, fixed point with 18 decimals.
	pub verification_credit: FixedU128,
	/// `e_j`: credit events recorded.
	pub credit_events: u32,
}

/// What a default in the account's next trade would cost it, per kWh of deviation.
#[derive(Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PenaltyQuote {
	/// The credit after that default's deduction.
	pub credit_after_default: Credit,
	/// Whether the default would be liable for a penalty (not a first offence, R6).
	pub liable: bool,
	/// The penalty price per kWh for the quoted contract price; zero when not liable.
	pub penalty_price: Balance,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the credit pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The origin that sets the model's parameters: the trading center.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Told whenever a node's performance credit changes.
		type OnCreditChange: OnCreditChange<Self::AccountId>;
		/// Verification judgements kept elsewhere (the verification pallet's per-session tally)
		/// and not yet in the records: added to the stored streak wherever one is read.
		type PendingVerifications: PendingVerifications<Self::AccountId>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// The model's parameters (MODEL §10), the paper's values until the admin changes them.
	#[pallet::storage]
	pub type Params<T> = StorageValue<_, CreditParams, ValueQuery>;

	/// The credit record of every node that has ever been registered.
	#[pallet::storage]
	pub type Records<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, CreditRecord, OptionQuery>;

	/// The number of entries in [`Records`].
	#[pallet::storage]
	pub type RecordCount<T> = StorageValue<_, u32, ValueQuery>;

	/// Events of the credit pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The admin set the model's parameters.
		ParamsSet {
			/// The new parameters.
			params: CreditParams,
		},
		/// A node got its credit record, at `credit`.
		RecordOpened {
			/// The node.
			who: T::AccountId,
			/// Its starting credit.
			credit: Credit,
		},
		/// A settled trade updated a node's credit.
		TradeRecorded {
			/// The node.
			who: T::AccountId,
			/// It defaulted in the trade.
			defaulted: bool,
			/// Credit before the trade.
			credit_before: Credit,
			/// Credit after the trade.
			credit_after: Credit,
			/// The trade restored a point after `restore_after` fulfilments.
			restored: bool,
		},
		/// A selected validator's verifications were written to its record: one judgement, or
		/// the verification pallet's tally of several (the chain reads a streak with its
		/// pending judgements at all times, so `streak` is what it already used).
		VerificationsRecorded {
			/// The validator.
			who: T::AccountId,
			/// A wrong or missing verification came among them and restarted the streak.
			reset: bool,
			/// Consecutive correct verifications at the end.
			correct: u32,
			/// Its consecutive correct verifications `n` now.
			streak: u32,
		},
	}

	/// Errors of the credit pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// `initial_credit` must be positive.
		ZeroInitialCredit,
		/// `restore_after` must be positive.
		ZeroRestoreAfter,
		/// `0.01 * k2 * (k1 + g)` must stay below 1: the verification credit must never restore
		/// all lost credit in the penalty price.
		RestorationTooStrong,
		/// `mu` must be below 1.
		MuNotBelowOne,
		/// `initial_credit` cannot change once records exist: their credits are measured
		/// against it.
		InitialCreditFixed,
	}

	/// Genesis: the parameters and pre-existing records (the scenario runner starts nodes at
	/// the credit and verification streak a scenario gives).
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The model's parameters; the paper's by default.
		pub params: CreditParams,
		/// Records to open: account, credit (at most `initial_credit`), verification streak.
		pub records: Vec<(T::AccountId, Credit, u32)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			self.params.validate().expect("the genesis credit parameters must be valid");
			Params::<T>::put(self.params);
			for (who, credit, verification_streak) in &self.records {
				assert!(*credit <= self.params.initial_credit, "genesis credit above initial");
				assert!(!Records::<T>::contains_key(who), "genesis credit record given twice");
				let state = CreditState { credit: *credit, ..Default::default() };
				Records::<T>::insert(
					who,
					CreditRecord { state, verification_streak: *verification_streak, credit_events: 0 },
				);
				RecordCount::<T>::mutate(|n| *n = n.saturating_add(1));
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert_eq!(CreditParams::default().validate(), Ok(()), "the paper's parameters are valid");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Set the credit model's parameters.
		///
		/// - Origin: `AdminOrigin`.
		/// - `params`: the new parameters; `initial_credit` may change only while no record
		///   exists.
		///
		/// Errors: [`Error::ZeroInitialCredit`], [`Error::ZeroRestoreAfter`],
		/// [`Error::RestorationTooStrong`], [`Error::MuNotBelowOne`],
		/// [`Error::InitialCreditFixed`]. Emits [`Event::ParamsSet`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::set_params())]
		pub fn set_params(origin: OriginFor<T>, params: CreditParams) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			params.validate().map_err(Error::<T>::from)?;
			ensure!(
				params.initial_credit == Params::<T>::get().initial_credit ||
					RecordCount::<T>::get() == 0,
				Error::<T>::InitialCreditFixed
			);
			Params::<T>::put(params);
			Self::deposit_event(Event::ParamsSet { params });
			Ok(())
		}
	}

	impl<T: Config> From<InvalidCreditParams> for Error<T> {
		fn from(e: InvalidCreditParams) -> Self {
			match e {
				InvalidCreditParams::ZeroInitialCredit => Error::ZeroInitialCredit,
				InvalidCreditParams::ZeroRestoreAfter => Error::ZeroRestoreAfter,
				InvalidCreditParams::RestorationTooStrong => Error::RestorationTooStrong,
				InvalidCreditParams::MuNotBelowOne => Error::MuNotBelowOne,
			}
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The record of `who` with its verification credit, for clients.
	pub fn credit_info(who: &T::AccountId) -> Option<CreditInfo> {
		let record = Records::<T>::get(who)?;
		let streak = Self::streak_of(who, &record);
		Some(CreditInfo {
			credit: record.state.credit,
			fulfilled_streak: record.state.fulfilled_streak,
			defaults_since_reset: record.state.defaults_since_reset,
			verification_streak: streak,
			verification_credit: Params::<T>::get().verification_credit(streak),
			credit_events: record.credit_events,
		})
	}

	/// What a default in `who`'s next trade at contract price `price` per kWh would cost:
	/// the credit after the deduction, whether it is liable (R6) and the penalty price (§6).
	pub fn penalty_quote(who: &T::AccountId, price: Balance) -> Option<PenaltyQuote> {
		let params = Params::<T>::get();
		let record = Records::<T>::get(who)?;
		let mut state = record.state;
		let change = state.apply_trade(&params, true);
		let penalty_price = if change.liable {
			params.penalty_price(
				change.after,
				params.verification_credit(Self::streak_of(who, &record)),
				price,
			)
		} else {
			0
		};
		Some(PenaltyQuote { credit_after_default: change.after, liable: change.liable, penalty_price })
	}

	/// `who`'s verification streak `n`: the record's with the judgements still pending.
	fn streak_of(who: &T::AccountId, record: &CreditRecord) -> u32 {
		T::PendingVerifications::pending(who).apply(record.verification_streak)
	}

	/// Open `who`'s record at `initial_credit` unless it has one.
	fn open_record(who: &T::AccountId) {
		if Records::<T>::contains_key(who) {
			return;
		}
		let credit = Params::<T>::get().initial_credit;
		let state = CreditState { credit, ..Default::default() };
		Records::<T>::insert(who, CreditRecord { state, ..Default::default() });
		RecordCount::<T>::mutate(|n| *n = n.saturating_add(1));
		Self::deposit_event(Event::RecordOpened { who: who.clone(), credit });
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let params = Params::<T>::get();
		ensure!(params.validate().is_ok(), "stored credit parameters are invalid");
		let mut count = 0u32;
		for (_, record) in Records::<T>::iter() {
			ensure!(record.state.credit <= params.initial_credit, "credit above initial");
			count = count.saturating_add(1);
		}
		ensure!(count == RecordCount::<T>::get(), "RecordCount differs from the records");
		Ok(())
	}
}

impl<T: Config> CreditScore<T::AccountId> for Pallet<T> {
	fn params() -> CreditParams {
		Params::<T>::get()
	}

	fn credit(who: &T::AccountId) -> Option<Credit> {
		Records::<T>::get(who).map(|r| r.state.credit)
	}

	fn verification_credit(who: &T::AccountId) -> FixedU128 {
		let streak = Records::<T>::get(who)
			.map(|record| Self::streak_of(who, &record))
			.unwrap_or_default();
		Params::<T>::get().verification_credit(streak)
	}

	fn record_trade(who: &T::AccountId, defaulted: bool) -> Option<CreditChange> {
		let params = Params::<T>::get();
		let change = Records::<T>::try_mutate(who, |maybe| -> Result<CreditChange, ()> {
			let record = maybe.as_mut().ok_or(())?;
			record.credit_events = record.credit_events.saturating_add(1);
			Ok(record.state.apply_trade(&params, defaulted))
		})
		.ok()?;
		if change.before != change.after {
			T::OnCreditChange::on_credit_change(who, change.before, change.after);
		}
		Self::deposit_event(Event::TradeRecorded {
			who: who.clone(),
			defaulted,
			credit_before: change.before,
			credit_after: change.after,
			restored: change.restored,
		});
		Some(change)
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_open_record(who: &T::AccountId) {
		Self::open_record(who);
	}

	fn record_verification(who: &T::AccountId, correct: bool) {
		let judgements = T::PendingVerifications::take(who).then(StreakDelta::judged(correct));
		Self::apply_verifications(who, judgements);
	}

	fn apply_verifications(who: &T::AccountId, judgements: StreakDelta) {
		if judgements.is_empty() {
			return;
		}
		let streak = Records::<T>::mutate(who, |maybe| {
			maybe.as_mut().map(|record| {
				record.verification_streak = judgements.apply(record.verification_streak);
				record.verification_streak
			})
		});
		if let Some(streak) = streak {
			Self::deposit_event(Event::VerificationsRecorded {
				who: who.clone(),
				reset: judgements.reset,
				correct: judgements.correct,
				streak,
			});
		}
	}
}

impl<T: Config> OnMembershipChange<T::AccountId> for Pallet<T> {
	fn on_joined(who: &T::AccountId) {
		// Listeners that weigh nodes by credit read the new record through `CreditScore`.
		Self::open_record(who);
	}

	fn on_left(_who: &T::AccountId) {
		// The record stays: re-registering must not reset a node's credit.
	}
}
