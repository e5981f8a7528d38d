//! # Finality pallet
//!
//! The on-chain half of DPoA finality (MODEL §9): the session's validators attest blocks, and a
//! block is final once validators holding at least 2/3 of the session's validator weight have
//! attested it.
//!
//! ## Overview
//!
//! At the end of every block the pallet records the block's session and, the first time it
//! sees a session, a snapshot of its validators and weights (`Config::Validators`, the
//! credit-weighted draw of the verification pallet). A validator's node signs
//! [`Attestation`]`{session, number, hash}` of new blocks with the validator's account key and
//! submits [`Pallet::attest`] as a general transaction, which [`Pallet::authorize_attest`]
//! validates before it reaches a block (`#[pallet::authorize]`): the block must be one of the
//! last `AttestationWindow` blocks of this chain, a checkpoint (every `CheckpointInterval`-th),
//! not yet justified; the session must be the block's; the signer one of its validators; the
//! signature valid; the attestation not a replay. Attestations accumulate per block; at a 2/3
//! quorum the block is *justified*: the signatures are kept, [`Event::BlockJustified`] is
//! emitted, and the node's finality worker finalises the block with the signatures as its
//! justification, which every node verifies against the same snapshot.
//!
//! Justified blocks, block sessions and snapshots are pruned after `AttestationWindow` blocks
//! (the node reads a justification within a block of its quorum).
//!
//! ## Misbehaviour
//!
//! A validator that signs two different hashes for one block number has equivocated. Anyone who
//! holds both signed attestations submits them with [`Pallet::report_equivocation`] (also a
//! general transaction, authorized by the evidence itself): the validator is charged a default
//! in its performance credit (MODEL R3) and its verification streak is reset, it loses its seat
//! for the rest of the session, and [`Event::Equivocation`] says so.
//!
//! ## Invariants
//!
//! - Every pending or justified block is within the attestation window and its weight is the
//!   sum of its attesters' weights in its session's snapshot; a justified block's weight is a
//!   quorum, a pending block's is not.
//! - `LastJustified` is the highest justified block number ever.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

use alloc::vec::Vec;
pub use dpoa_consensus_primitives::finality::{
	is_quorum, Attestation, AttestationSignature, BlockNumber, DpoaJustification, FinalityStatus,
	PendingBlock, SignedAttestation, ValidatorId,
};
use energy_primitives::{CreditScore, ValidatorSet};
use frame_support::pallet_prelude::*;
use frame_system::pallet_prelude::*;
use sp_core::H256;
use sp_runtime::{traits::SaturatedConversion, AccountId32};

pub use pallet::*;
pub use weights::WeightInfo;

/// `InvalidTransaction::Custom` codes of rejected attestations and reports.
pub mod invalid {
	/// The attested hash is not this chain's block at that number.
	pub const WRONG_HASH: u8 = 1;
	/// The attestation names another session than the block's.
	pub const WRONG_SESSION: u8 = 2;
	/// The signer is not a validator of the session.
	pub const NOT_VALIDATOR: u8 = 3;
	/// The block is not a checkpoint.
	pub const NOT_CHECKPOINT: u8 = 4;
	/// The two attestations of a report are not a conflict: another validator, session or
	/// number, or the same hash.
	pub const NO_CONFLICT: u8 = 5;
}

/// Sets up what the benchmarks need from the pallets the finality pallet is coupled to.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper {
	/// Make `who` a registered node with a credit record and a validator of the current
	/// session.
	fn make_validator(who: &AccountId32);
}

#[cfg(feature = "runtime-benchmarks")]
impl BenchmarkHelper for () {
	fn make_validator(_: &AccountId32) {}
}

/// A validator's account from its attestation key (both are the same 32 bytes).
pub fn account_of(validator: &ValidatorId) -> AccountId32 {
	AccountId32::new(validator.0)
}

/// A validator's attestation key from its account.
pub fn validator_of(account: &AccountId32) -> ValidatorId {
	ValidatorId::from_raw(*account.as_ref())
}

/// Signatures gathered for one block.
#[derive(
	CloneNoBound, PartialEqNoBound, EqNoBound, DebugNoBound, Encode, Decode, MaxEncodedLen, TypeInfo,
)]
#[scale_info(skip_type_params(T))]
pub struct Attestations<T: Config> {
	/// The block's hash.
	pub hash: H256,
	/// Its session.
	pub session: u32,
	/// The summed weight of the attesters.
	pub weight: u128,
	/// The attesters and their signatures.
	pub signatures: BoundedVec<(ValidatorId, AttestationSignature), T::MaxValidators>,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the finality pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<AccountId = AccountId32, Hash = H256> {
		/// The session's validators and weights: the credit-weighted draw.
		type Validators: ValidatorSet<AccountId32>;
		/// Where an equivocating validator is charged.
		type Credits: CreditScore<AccountId32>;
		/// The most validators a session has.
		#[pallet::constant]
		type MaxValidators: Get<u32>;
		/// Every how many blocks one is attested: 1 attests every block.
		#[pallet::constant]
		type CheckpointInterval: Get<BlockNumber>;
		/// How many recent blocks may be attested; older records are pruned.
		#[pallet::constant]
		type AttestationWindow: Get<BlockNumber>;
		/// Makes registered, seated validators for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper;
		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The session of each recent block.
	#[pallet::storage]
	pub type BlockSession<T: Config> = StorageMap<_, Twox64Concat, BlockNumber, u32, OptionQuery>;

	/// The validators and weights of each recent session, as the session started (less those
	/// removed for misbehaviour).
	#[pallet::storage]
	pub type SessionValidators<T: Config> = StorageMap<
		_,
		Twox64Concat,
		u32,
		BoundedVec<(ValidatorId, u128), T::MaxValidators>,
		OptionQuery,
	>;

	/// The total weight of each snapshot in [`SessionValidators`] when it was taken: the quorum
	/// is 2/3 of it.
	#[pallet::storage]
	pub type SessionWeight<T: Config> = StorageMap<_, Twox64Concat, u32, u128, ValueQuery>;

	/// Attestations of recent blocks without a quorum yet.
	#[pallet::storage]
	pub type Pending<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumber, Attestations<T>, OptionQuery>;

	/// Recent blocks with a quorum, and the signatures that prove it.
	#[pallet::storage]
	pub type Justified<T: Config> =
		StorageMap<_, Twox64Concat, BlockNumber, Attestations<T>, OptionQuery>;

	/// The highest justified block number.
	#[pallet::storage]
	pub type LastJustified<T: Config> = StorageValue<_, BlockNumber, ValueQuery>;

	/// Attestations accepted since genesis.
	#[pallet::storage]
	pub type AttestationCount<T: Config> = StorageValue<_, u64, ValueQuery>;

	/// Validators already punished for an equivocation at a block number.
	#[pallet::storage]
	pub type Reported<T: Config> =
		StorageDoubleMap<_, Twox64Concat, BlockNumber, Twox64Concat, ValidatorId, (), OptionQuery>;

	/// Events of the finality pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A validator attested a block.
		Attested {
			/// The block's number.
			number: BlockNumber,
			/// The validator.
			validator: ValidatorId,
			/// The weight attesting the block so far.
			weight: u128,
		},
		/// Validators holding 2/3 of the session's weight attested a block: it is final.
		BlockJustified {
			/// Its number.
			number: BlockNumber,
			/// Its hash.
			hash: H256,
			/// Its session.
			session: u32,
			/// The attesting weight.
			weight: u128,
		},
		/// A validator signed two different blocks at one height; it was charged a default and
		/// lost its seat.
		Equivocation {
			/// The validator.
			validator: ValidatorId,
			/// The session.
			session: u32,
			/// The height.
			number: BlockNumber,
			/// One signed hash.
			first: H256,
			/// The other.
			second: H256,
		},
	}

	/// Errors of the finality pallet: an attestation or report that was valid when it entered
	/// the pool but is no longer valid in the block.
	#[pallet::error]
	pub enum Error<T> {
		/// The attestation is no longer valid (see the `invalid` codes).
		InvalidAttestation,
		/// The report is no longer valid.
		InvalidReport,
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			// Charged for the equivocation reports pruning removed, not for the most there
			// could be: nearly every block has none.
			let reports = Self::prune(n.saturated_into());
			<T as Config>::WeightInfo::on_initialize(reports)
				.saturating_add(<T as Config>::WeightInfo::on_finalize())
		}

		fn on_finalize(n: BlockNumberFor<T>) {
			let number: BlockNumber = n.saturated_into();
			let session = T::Validators::session();
			BlockSession::<T>::insert(number, session);
			if !SessionValidators::<T>::contains_key(session) {
				let set: Vec<(ValidatorId, u128)> = T::Validators::validators()
					.iter()
					.map(|(account, weight)| (validator_of(account), *weight))
					.collect();
				let total = set.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
				SessionValidators::<T>::insert(session, BoundedVec::truncate_from(set));
				SessionWeight::<T>::insert(session, total);
			}
		}

		fn integrity_test() {
			assert!(T::CheckpointInterval::get() > 0, "CheckpointInterval must be positive");
			assert!(T::AttestationWindow::get() > 1, "AttestationWindow must exceed one block");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Record a validator's attestation of a recent block; at a 2/3 quorum the block is
		/// justified.
		///
		/// - Origin: authorized by [`Pallet::authorize_attest`] (a general transaction).
		/// - `signed`: the attestation, its validator and signature.
		///
		/// Errors: [`Error::InvalidAttestation`] if it stopped being valid after it was
		/// authorized. Emits [`Event::Attested`], and [`Event::BlockJustified`] at quorum.
		///
		/// Complexity: `O(MaxValidators)`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::attest(T::MaxValidators::get()))]
		#[pallet::authorize(|_source, signed| Pallet::<T>::authorize_attest(signed))]
		#[pallet::weight_of_authorize(<T as Config>::WeightInfo::authorize_attest(T::MaxValidators::get()))]
		pub fn attest(origin: OriginFor<T>, signed: SignedAttestation) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			let weight =
				Self::check_attestation(&signed).map_err(|_| Error::<T>::InvalidAttestation)?;
			let Attestation { session, number, hash } = signed.attestation;
			let mut record = Pending::<T>::get(number).unwrap_or(Attestations::<T> {
				hash,
				session,
				weight: 0,
				signatures: Default::default(),
			});
			record
				.signatures
				.try_push((signed.validator, signed.signature))
				.map_err(|_| Error::<T>::InvalidAttestation)?;
			record.weight = record.weight.saturating_add(weight);
			AttestationCount::<T>::mutate(|n| *n = n.saturating_add(1));
			Self::deposit_event(Event::Attested {
				number,
				validator: signed.validator,
				weight: record.weight,
			});
			if is_quorum(record.weight, SessionWeight::<T>::get(session)) {
				Pending::<T>::remove(number);
				Self::deposit_event(Event::BlockJustified {
					number,
					hash,
					session,
					weight: record.weight,
				});
				Justified::<T>::insert(number, record);
				LastJustified::<T>::mutate(|last| *last = (*last).max(number));
			} else {
				Pending::<T>::insert(number, record);
			}
			Ok(())
		}

		/// Punish a validator that signed two different hashes for one block number: a default
		/// in its credit, its verification streak reset, its seat for the rest of the session.
		///
		/// - Origin: authorized by [`Pallet::authorize_report_equivocation`] (the evidence).
		/// - `first`, `second`: the validator's two signed attestations.
		///
		/// Errors: [`Error::InvalidReport`] if it stopped being valid after it was authorized.
		/// Emits [`Event::Equivocation`].
		///
		/// Complexity: `O(MaxValidators)`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::report_equivocation(T::MaxValidators::get()))]
		#[pallet::authorize(|_source, first, second| Pallet::<T>::authorize_report_equivocation(first, second))]
		#[pallet::weight_of_authorize(<T as Config>::WeightInfo::authorize_report_equivocation(T::MaxValidators::get()))]
		pub fn report_equivocation(
			origin: OriginFor<T>,
			first: SignedAttestation,
			second: SignedAttestation,
		) -> DispatchResult {
			frame_system::ensure_authorized(origin)?;
			Self::check_report(&first, &second).map_err(|_| Error::<T>::InvalidReport)?;
			let Attestation { session, number, .. } = first.attestation;
			let validator = first.validator;
			Reported::<T>::insert(number, validator, ());
			let account = account_of(&validator);
			T::Credits::record_trade(&account, true);
			T::Credits::record_verification(&account, false);
			if session == T::Validators::session() {
				T::Validators::remove_validator(&account);
			}
			SessionValidators::<T>::mutate(session, |set| {
				if let Some(set) = set {
					set.retain(|(v, _)| v != &validator);
				}
			});
			Self::deposit_event(Event::Equivocation {
				validator,
				session,
				number,
				first: first.attestation.hash,
				second: second.attestation.hash,
			});
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The current block number.
	fn now() -> BlockNumber {
		frame_system::Pallet::<T>::block_number().saturated_into()
	}

	/// Whether `signed` may be recorded now; its signer's weight if so.
	pub fn check_attestation(signed: &SignedAttestation) -> Result<u128, TransactionValidityError> {
		let Attestation { session, number, hash } = signed.attestation;
		let now = Self::now();
		if number >= now {
			return Err(InvalidTransaction::Future.into());
		}
		if number.saturating_add(T::AttestationWindow::get()) < now || number == 0 {
			return Err(InvalidTransaction::Stale.into());
		}
		if number % T::CheckpointInterval::get() != 0 {
			return Err(InvalidTransaction::Custom(invalid::NOT_CHECKPOINT).into());
		}
		if frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::from(number)) != hash {
			return Err(InvalidTransaction::Custom(invalid::WRONG_HASH).into());
		}
		if BlockSession::<T>::get(number) != Some(session) {
			return Err(InvalidTransaction::Custom(invalid::WRONG_SESSION).into());
		}
		let weight = SessionValidators::<T>::get(session)
			.and_then(|set| set.iter().find(|(v, _)| v == &signed.validator).map(|(_, w)| *w))
			.ok_or(InvalidTransaction::Custom(invalid::NOT_VALIDATOR))?;
		if !signed.verify() {
			return Err(InvalidTransaction::BadProof.into());
		}
		// A replay, or the block is final already.
		if Justified::<T>::contains_key(number) ||
			Pending::<T>::get(number)
				.is_some_and(|p| p.signatures.iter().any(|(v, _)| v == &signed.validator))
		{
			return Err(InvalidTransaction::Stale.into());
		}
		Ok(weight)
	}

	/// Validity of an attestation transaction: see [`Self::check_attestation`]. It provides
	/// `(validator, number)`, so a replay is dropped by the pool.
	pub fn authorize_attest(
		signed: &SignedAttestation,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		Self::check_attestation(signed)?;
		let validity = ValidTransaction::with_tag_prefix("DpoaAttestation")
			.priority(TransactionPriority::MAX / 2)
			.and_provides((signed.validator, signed.attestation.number))
			.longevity(T::AttestationWindow::get().into())
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Whether `first` and `second` prove an equivocation not yet punished.
	pub fn check_report(
		first: &SignedAttestation,
		second: &SignedAttestation,
	) -> Result<(), TransactionValidityError> {
		let (a, b) = (&first.attestation, &second.attestation);
		if first.validator != second.validator ||
			a.session != b.session ||
			a.number != b.number ||
			a.hash == b.hash
		{
			return Err(InvalidTransaction::Custom(invalid::NO_CONFLICT).into());
		}
		if Reported::<T>::contains_key(a.number, first.validator) {
			return Err(InvalidTransaction::Stale.into());
		}
		let seated = SessionValidators::<T>::get(a.session)
			.is_some_and(|set| set.iter().any(|(v, _)| v == &first.validator));
		if !seated {
			return Err(InvalidTransaction::Custom(invalid::NOT_VALIDATOR).into());
		}
		if !first.verify() || !second.verify() {
			return Err(InvalidTransaction::BadProof.into());
		}
		Ok(())
	}

	/// Validity of an equivocation report: see [`Self::check_report`].
	pub fn authorize_report_equivocation(
		first: &SignedAttestation,
		second: &SignedAttestation,
	) -> Result<(ValidTransaction, Weight), TransactionValidityError> {
		Self::check_report(first, second)?;
		let validity = ValidTransaction::with_tag_prefix("DpoaEquivocation")
			.priority(TransactionPriority::MAX / 2)
			.and_provides((first.validator, first.attestation.number))
			.longevity(T::AttestationWindow::get().into())
			.propagate(true)
			.build()?;
		Ok((validity, Weight::zero()))
	}

	/// Forget what fell out of the attestation window at block `now`; how many equivocation
	/// reports went with it.
	fn prune(now: BlockNumber) -> u32 {
		let Some(gone) = now.checked_sub(T::AttestationWindow::get().saturating_add(1)) else {
			return 0;
		};
		Pending::<T>::remove(gone);
		Justified::<T>::remove(gone);
		// At most one report per validator and block: all go at once.
		let reports = Reported::<T>::clear_prefix(gone, T::MaxValidators::get(), None).unique;
		if let Some(session) = BlockSession::<T>::take(gone) {
			// The session's snapshot goes with its last block in the window.
			if BlockSession::<T>::get(gone.saturating_add(1)) != Some(session) {
				SessionValidators::<T>::remove(session);
				SessionWeight::<T>::remove(session);
			}
		}
		reports
	}

	/// The finality state now, for the runtime API.
	pub fn status() -> FinalityStatus {
		let session = T::Validators::session();
		let validators: Vec<(ValidatorId, u128)> = T::Validators::validators()
			.iter()
			.map(|(account, weight)| (validator_of(account), *weight))
			.collect();
		let now = Self::now();
		let from = now.saturating_sub(T::AttestationWindow::get());
		let pending = (from..=now)
			.filter_map(|number| {
				Pending::<T>::get(number).map(|p| PendingBlock {
					number,
					hash: p.hash,
					attested_weight: p.weight,
					attesters: p.signatures.iter().map(|(v, _)| *v).collect(),
				})
			})
			.collect();
		FinalityStatus {
			session,
			total_weight: T::Validators::total_weight(),
			validators,
			checkpoint_interval: T::CheckpointInterval::get(),
			last_justified: LastJustified::<T>::get(),
			pending,
			attestations_total: AttestationCount::<T>::get(),
		}
	}

	/// The justified blocks above `after` still on record, lowest first, at most `limit`.
	pub fn justifications(after: BlockNumber, limit: u32) -> Vec<DpoaJustification> {
		let now = Self::now();
		let from = after.saturating_add(1).max(now.saturating_sub(T::AttestationWindow::get()));
		(from..=LastJustified::<T>::get())
			.filter_map(|number| {
				Justified::<T>::get(number).map(|j| DpoaJustification {
					attestation: Attestation { session: j.session, number, hash: j.hash },
					signatures: j.signatures.into_inner(),
				})
			})
			.take(limit as usize)
			.collect()
	}

	/// The session of block `number` and its validators, if on record.
	pub fn validators_of(number: BlockNumber) -> Option<(u32, Vec<(ValidatorId, u128)>)> {
		let session = BlockSession::<T>::get(number)?;
		let set = SessionValidators::<T>::get(session)?;
		Some((session, set.into_inner()))
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut highest = 0;
		for (number, record) in Justified::<T>::iter() {
			ensure!(is_quorum(record.weight, SessionWeight::<T>::get(record.session)), "justified without quorum");
			highest = highest.max(number);
		}
		ensure!(highest <= LastJustified::<T>::get(), "LastJustified below a justified block");
		for (_, record) in Pending::<T>::iter() {
			ensure!(!is_quorum(record.weight, SessionWeight::<T>::get(record.session)), "pending with quorum");
		}
		Ok(())
	}
}
