//! # DPoA pallet
//!
//! Consensus state of the chain's Delegated Proof of Authority (MODEL §9): the trading-center
//! authorities that author blocks, the slot duration, and the slot of the current block.
//!
//! ## Overview
//!
//! The node's DPoA engine (`dpoa-consensus`) reads the authority set and the slot duration
//! through [`dpoa_consensus_primitives::DpoaApi`] at the parent of every block it authors or
//! imports. The set is therefore runtime state: the admin origin (the trading center's
//! governance, root on the dev chain) changes it with [`Pallet::set_authorities`],
//! [`Pallet::add_authority`] and [`Pallet::remove_authority`], and the change applies from the
//! next block on. Every change also deposits a [`ConsensusLog::AuthoritiesChange`] digest so
//! that header-only observers can follow the set.
//!
//! Every block must carry a DPoA pre-runtime digest ([`PreDigest`]). On initialisation the pallet
//! reads its slot, which must be strictly greater than the previous block's, and records it;
//! when the timestamp is set it checks that the timestamp lies in that slot.
//!
//! ## Randomness
//!
//! The pre-digest carries the author's sr25519 VRF signature over the slot
//! ([`dpoa_consensus_primitives::slot_vrf_transcript`]), as BABE's does. The pallet verifies it
//! against the authority named by the pre-digest (a block with a bad VRF is invalid) and folds
//! the VRF output into [`AccumulatedRandomness`]: `r_n = blake2_256(r_{n-1} ++ output_n)`. The
//! output is fixed by the author's key and the slot, so the author cannot choose it; it can
//! only withhold a block, which costs it its slot. The pallet implements
//! [`frame_support::traits::Randomness`] over the accumulated value; the runtime seeds the
//! validator draw with it.
//!
//! ## Terminology
//!
//! - **Authority**: a trading-center key entitled to author blocks (sr25519, key type `dpoa`).
//! - **Slot**: `timestamp / slot_duration`; the author of slot `s` is `authorities[s % len]`.
//!
//! ## Invariants
//!
//! - The authority set is never empty: genesis gives it at least one key (only a runtime's
//!   default, empty config builds without one, and `try_state` reports that chain), and no call
//!   empties it.
//! - The authority set holds no key twice.
//! - The authority set holds at most `MaxAuthorities` keys (enforced by its bounded type).
//! - `CurrentSlot` strictly increases from block to block.

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
pub use dpoa_consensus_primitives::{AuthorityId, ConsensusLog, PreDigest, Slot, DPOA_ENGINE_ID};
use frame_support::{pallet_prelude::*, traits::OnTimestampSet, BoundedVec};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::{generic::DigestItem, traits::SaturatedConversion};

pub use pallet::*;
pub use weights::WeightInfo;

const LOG_TARGET: &str = "runtime::dpoa";

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the DPoA pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config + pallet_timestamp::Config {
		/// The overarching event type.
		#[allow(deprecated)]
		type RuntimeEvent: From<Event<Self>> + IsType<<Self as frame_system::Config>::RuntimeEvent>;

		/// The origin that may change the authority set: the trading center's governance.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;

		/// The maximum number of authorities.
		#[pallet::constant]
		type MaxAuthorities: Get<u32>;

		/// The slot duration in milliseconds: the target block time. It must be non-zero and at
		/// least `pallet_timestamp::MinimumPeriod`; it cannot change once the chain runs.
		#[pallet::constant]
		type SlotDuration: Get<u64>;

		/// Weights of this pallet's calls and hooks.
		type WeightInfo: WeightInfo;
	}

	/// The trading-center authorities entitled to author blocks, in slot order.
	#[pallet::storage]
	pub type Authorities<T: Config> =
		StorageValue<_, BoundedVec<AuthorityId, T::MaxAuthorities>, ValueQuery>;

	/// The slot of the current block (zero before the first block).
	#[pallet::storage]
	pub type CurrentSlot<T: Config> = StorageValue<_, Slot, ValueQuery>;

	/// Every block's VRF output folded in: `blake2_256(previous ++ output)`.
	#[pallet::storage]
	pub type AccumulatedRandomness<T: Config> = StorageValue<_, [u8; 32], ValueQuery>;

	/// Events of the DPoA pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// The whole authority set was replaced; it applies from the next block on.
		AuthoritiesSet {
			/// The new authority set, in slot order.
			authorities: Vec<AuthorityId>,
		},
		/// An authority was added to the set; it applies from the next block on.
		AuthorityAdded {
			/// The added authority key.
			authority: AuthorityId,
		},
		/// An authority was removed from the set; it applies from the next block on.
		AuthorityRemoved {
			/// The removed authority key.
			authority: AuthorityId,
		},
	}

	/// Errors of the DPoA pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The authority set would be empty: no one could author blocks.
		EmptyAuthoritySet,
		/// The authority set would hold more than `MaxAuthorities` keys.
		TooManyAuthorities,
		/// The same authority key appears twice.
		DuplicateAuthority,
		/// The key is already an authority.
		AlreadyAuthority,
		/// The key is not an authority.
		NotAuthority,
	}

	/// Genesis configuration: the initial trading-center authorities.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The initial authority set, in slot order, without duplicates. Empty only in the
		/// default config: a chain must be given at least one authority to author blocks.
		pub authorities: Vec<AuthorityId>,
		#[serde(skip)]
		#[allow(missing_docs)]
		pub _config: core::marker::PhantomData<T>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			// The default (empty) config builds, as `pallet-aura`'s does, so that a runtime's
			// default genesis initialises; such a chain has no authority and cannot author, which
			// `try_state` reports. A non-empty set must be valid.
			if self.authorities.is_empty() {
				return;
			}
			let authorities = Pallet::<T>::checked_set(self.authorities.clone())
				.expect("the genesis DPoA authority set must be bounded and without duplicates");
			Authorities::<T>::put(authorities);
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(_n: BlockNumberFor<T>) -> Weight {
			if let Some(pre_digest) = Self::find_pre_digest() {
				let previous = CurrentSlot::<T>::get();
				// Block-validity check, as `pallet-aura` makes it: a block whose slot does not
				// advance (a second block in one slot, or one back in time) is invalid.
				assert!(previous < pre_digest.slot, "Slot must increase from block to block");
				CurrentSlot::<T>::put(pre_digest.slot);
				// Block-validity check, as `pallet-babe`'s client makes it: the VRF must be the
				// named author's over this slot. The node's verifier rejects such blocks first.
				let author = Authorities::<T>::get()
					.get(pre_digest.authority_index as usize)
					.cloned()
					.expect("The DPoA pre-digest must name an authority");
				let output = dpoa_consensus_primitives::vrf_randomness(
					&author,
					pre_digest.slot,
					&pre_digest.vrf_signature,
				)
				.expect("The DPoA VRF signature must be valid");
				AccumulatedRandomness::<T>::mutate(|r| {
					let mut input = [0u8; 64];
					input[..32].copy_from_slice(r);
					input[32..].copy_from_slice(&output);
					*r = sp_io::hashing::blake2_256(&input);
				});
			}
			<T as Config>::WeightInfo::on_initialize()
		}

		fn integrity_test() {
			assert!(T::SlotDuration::get() > 0, "SlotDuration must be non-zero");
			let minimum_period: u64 =
				<T as pallet_timestamp::Config>::MinimumPeriod::get().saturated_into();
			assert!(
				T::SlotDuration::get() >= minimum_period,
				"SlotDuration must be at least pallet_timestamp::MinimumPeriod"
			);
			assert!(T::MaxAuthorities::get() > 0, "MaxAuthorities must be non-zero");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Replace the whole authority set.
		///
		/// - Origin: `AdminOrigin`.
		/// - `authorities`: the new set in slot order: non-empty, no duplicates, at most
		///   `MaxAuthorities` keys.
		///
		/// Errors: [`Error::EmptyAuthoritySet`], [`Error::TooManyAuthorities`],
		/// [`Error::DuplicateAuthority`]. Emits [`Event::AuthoritiesSet`].
		///
		/// Complexity: `O(n log n)` in the number of keys, at most `MaxAuthorities`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::set_authorities(T::MaxAuthorities::get()))]
		pub fn set_authorities(origin: OriginFor<T>, authorities: Vec<AuthorityId>) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let bounded = Self::checked_set(authorities)?;
			Self::put_authorities(bounded.clone());
			Self::deposit_event(Event::AuthoritiesSet { authorities: bounded.into_inner() });
			Ok(())
		}

		/// Add one authority at the end of the set.
		///
		/// - Origin: `AdminOrigin`.
		///
		/// Errors: [`Error::AlreadyAuthority`], [`Error::TooManyAuthorities`].
		/// Emits [`Event::AuthorityAdded`].
		///
		/// Complexity: `O(n)` in the size of the set, at most `MaxAuthorities`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::add_authority(T::MaxAuthorities::get()))]
		pub fn add_authority(origin: OriginFor<T>, authority: AuthorityId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut set = Authorities::<T>::get();
			ensure!(!set.contains(&authority), Error::<T>::AlreadyAuthority);
			set.try_push(authority.clone()).map_err(|_| Error::<T>::TooManyAuthorities)?;
			Self::put_authorities(set);
			Self::deposit_event(Event::AuthorityAdded { authority });
			Ok(())
		}

		/// Remove one authority from the set.
		///
		/// - Origin: `AdminOrigin`.
		///
		/// Errors: [`Error::NotAuthority`], [`Error::EmptyAuthoritySet`] when it is the last one.
		/// Emits [`Event::AuthorityRemoved`].
		///
		/// Complexity: `O(n)` in the size of the set, at most `MaxAuthorities`.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::remove_authority(T::MaxAuthorities::get()))]
		pub fn remove_authority(origin: OriginFor<T>, authority: AuthorityId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let mut set = Authorities::<T>::get();
			let position =
				set.iter().position(|a| a == &authority).ok_or(Error::<T>::NotAuthority)?;
			ensure!(set.len() > 1, Error::<T>::EmptyAuthoritySet);
			set.remove(position);
			Self::put_authorities(set);
			Self::deposit_event(Event::AuthorityRemoved { authority });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// The current authority set, in slot order.
	pub fn authorities() -> Vec<AuthorityId> {
		Authorities::<T>::get().into_inner()
	}

	/// The slot duration in milliseconds.
	pub fn slot_duration() -> u64 {
		T::SlotDuration::get()
	}

	/// The DPoA pre-runtime digest of the current block, if it has one.
	pub fn find_pre_digest() -> Option<PreDigest> {
		use dpoa_consensus_primitives::CompatibleDigestItem;
		frame_system::Pallet::<T>::digest().logs().iter().find_map(|item| item.as_dpoa_pre_digest())
	}

	/// Validate a proposed authority set: non-empty, bounded, no duplicates.
	fn checked_set(
		authorities: Vec<AuthorityId>,
	) -> Result<BoundedVec<AuthorityId, T::MaxAuthorities>, Error<T>> {
		ensure!(!authorities.is_empty(), Error::<T>::EmptyAuthoritySet);
		let bounded = BoundedVec::<AuthorityId, T::MaxAuthorities>::try_from(authorities)
			.map_err(|_| Error::<T>::TooManyAuthorities)?;
		let mut sorted = bounded.to_vec();
		sorted.sort();
		ensure!(sorted.windows(2).all(|w| w[0] != w[1]), Error::<T>::DuplicateAuthority);
		Ok(bounded)
	}

	/// Store a new authority set and announce it in the block's digest.
	fn put_authorities(authorities: BoundedVec<AuthorityId, T::MaxAuthorities>) {
		let log = ConsensusLog::AuthoritiesChange(authorities.to_vec());
		frame_system::Pallet::<T>::deposit_log(DigestItem::Consensus(DPOA_ENGINE_ID, log.encode()));
		log::info!(target: LOG_TARGET, "DPoA authority set changed: {} key(s)", authorities.len());
		Authorities::<T>::put(authorities);
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let set = Authorities::<T>::get();
		ensure!(!set.is_empty(), "DPoA authority set is empty");
		let mut sorted = set.to_vec();
		sorted.sort();
		ensure!(sorted.windows(2).all(|w| w[0] != w[1]), "DPoA authority set has duplicates");
		Ok(())
	}
}

impl<T: Config> OnTimestampSet<T::Moment> for Pallet<T> {
	fn on_timestamp_set(moment: T::Moment) {
		let Some(pre_digest) = Self::find_pre_digest() else { return };
		let moment: u64 = moment.saturated_into();
		let timestamp_slot = Slot::from(moment / T::SlotDuration::get().max(1));
		// Block-validity check, as `pallet-aura` makes it: a block whose timestamp is not in the
		// slot its pre-digest claims is invalid, or an author could claim a slot that is not its
		// turn. The node's verifier rejects such blocks before they reach the runtime.
		assert_eq!(
			pre_digest.slot, timestamp_slot,
			"Timestamp slot must match the slot of the DPoA pre-digest"
		);
	}
}

/// Randomness from the accumulated VRF outputs: `hash(subject ++ accumulated)`, as known at the
/// current block (the block number returned: the randomness is fixed from this block on).
impl<T: Config> frame_support::traits::Randomness<T::Hash, BlockNumberFor<T>> for Pallet<T> {
	fn random(subject: &[u8]) -> (T::Hash, BlockNumberFor<T>) {
		use sp_runtime::traits::Hash;
		let seed = (subject, AccumulatedRandomness::<T>::get()).encode();
		(T::Hashing::hash(&seed), frame_system::Pallet::<T>::block_number())
	}
}

impl<T: Config> sp_runtime::BoundToRuntimeAppPublic for Pallet<T> {
	type Public = AuthorityId;
}
