//! Storage migrations of the verification pallet.

use super::*;

/// try-runtime, before an upgrade that takes every open poll out of its batch: how many are
/// open.
#[cfg(feature = "try-runtime")]
fn count_polls<T: Config>() -> alloc::vec::Vec<u8> {
	(Polls::<T>::iter_keys().count() as u64).encode()
}

/// try-runtime, after it: the polls counted before (`state`) are all open, none in a batch.
#[cfg(feature = "try-runtime")]
fn all_kept_unbatched<T: Config>(
	state: alloc::vec::Vec<u8>,
) -> Result<(), sp_runtime::TryRuntimeError> {
	let before = u64::decode(&mut &state[..])
		.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
	let after = Polls::<T>::iter_values().filter(|p| p.batch.is_none()).count() as u64;
	ensure!(before == after, "every poll is kept, with no batch");
	Ok(())
}

/// Version 0 to 1: polls gained [`Poll::batch`]; the polls open at the upgrade are voted on
/// one by one to the end.
pub mod v1 {
	use super::*;
	use frame_support::{migrations::VersionedMigration, traits::UncheckedOnRuntimeUpgrade};

	/// A poll as version 0 stored it.
	#[derive(Encode, Decode)]
	pub struct PollV0<AccountId, BlockNumber> {
		/// The session whose validators vote.
		pub session: u32,
		/// The last block in which they can vote.
		pub deadline: BlockNumber,
		/// The votes so far.
		pub votes: alloc::vec::Vec<(AccountId, Verdict, u128)>,
	}

	/// Rewrites every open poll with no batch.
	pub struct InnerMigrateV0ToV1<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV0ToV1<T> {
		fn on_runtime_upgrade() -> Weight {
			let mut translated = 0u64;
			Polls::<T>::translate::<PollV0<T::AccountId, BlockNumberFor<T>>, _>(|_, _, old| {
				translated.saturating_inc();
				Some(Poll::<T> {
					session: old.session,
					deadline: old.deadline,
					votes: BoundedVec::truncate_from(old.votes),
					batch: None,
				})
			});
			T::DbWeight::get().reads_writes(translated, translated)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(count_polls::<T>())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			all_kept_unbatched::<T>(state)
		}
	}

	/// [`InnerMigrateV0ToV1`], run only at storage version 0, which it sets to 1.
	pub type MigrateV0ToV1<T> = VersionedMigration<
		0,
		1,
		InnerMigrateV0ToV1<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 1 to 2: a block's batched polls of a kind are one list (`BlockPolls`, until
/// version 3), a batch a page of it, and a batch's tally starts with its first vote. The
/// batches open at the upgrade are dissolved: their polls are voted on one by one to the end.
pub mod v2 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration, storage::migration::clear_storage_prefix,
		traits::UncheckedOnRuntimeUpgrade,
	};

	/// The storage items of version 1's batches that version 2 no longer has.
	pub const REMOVED: [&[u8]; 2] = [b"OpenBatch", b"BatchPolls"];

	/// Takes every open poll out of its batch, and removes version 1's batches.
	pub struct InnerMigrateV1ToV2<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV1ToV2<T> {
		fn on_runtime_upgrade() -> Weight {
			let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
			let mut reads = 0u64;
			let mut writes = 0u64;
			let batched: alloc::vec::Vec<_> = Polls::<T>::iter()
				.inspect(|_| reads.saturating_inc())
				.filter(|(_, _, poll)| poll.batch.is_some())
				.collect();
			for (subject, kind, poll) in batched {
				Polls::<T>::insert(subject, kind, Poll::<T> { batch: None, ..poll });
				writes.saturating_inc();
			}
			for item in REMOVED {
				let removed = clear_storage_prefix(pallet, item, b"", None, None);
				writes.saturating_accrue(u64::from(removed.backend));
			}
			let removed = Batches::<T>::clear(u32::MAX, None);
			writes.saturating_accrue(u64::from(removed.backend));
			let removed = BatchLists::<T>::clear(u32::MAX, None);
			writes.saturating_accrue(u64::from(removed.backend));
			// Batches from now on are of the session in force.
			let now = frame_system::Pallet::<T>::block_number();
			SessionStarts::<T>::put((now, now));
			T::DbWeight::get().reads_writes(reads, writes.saturating_add(1))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(count_polls::<T>())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			ensure!(Batches::<T>::iter_keys().next().is_none(), "a batch is left");
			all_kept_unbatched::<T>(state)
		}
	}

	/// [`InnerMigrateV1ToV2`], run only at storage version 1, which it sets to 2.
	pub type MigrateV1ToV2<T> = VersionedMigration<
		1,
		2,
		InnerMigrateV1ToV2<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 2 to 3: each open batch has its own list of subjects ([`BatchSubjects`]) instead of
/// being a page of its block's list, so a vote reads its batch and no other. The open batches
/// keep their ids, places and tallies.
pub mod v3 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration, storage_alias, traits::UncheckedOnRuntimeUpgrade,
	};

	/// Version 2's lists: the subjects of a block's batched polls of a kind, page `p`
	/// (`MaxBatchPolls` entries from `p * MaxBatchPolls`) the batch `(block, p)`, the entries of
	/// a concluded batch emptied.
	#[storage_alias]
	pub(crate) type BlockPolls<T: Config> = StorageDoubleMap<
		Pallet<T>,
		Twox64Concat,
		PollKind,
		Twox64Concat,
		BlockNumberFor<T>,
		alloc::vec::Vec<Option<u64>>,
		ValueQuery,
	>;

	/// Moves every open batch's page to [`BatchSubjects`] and removes version 2's lists.
	pub struct InnerMigrateV2ToV3<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV2ToV3<T> {
		fn on_runtime_upgrade() -> Weight {
			let max = T::MaxBatchPolls::get().max(1) as usize;
			let mut reads = 0u64;
			let mut writes = 0u64;
			for (kind, block, list) in BlockPolls::<T>::drain() {
				reads.saturating_inc();
				writes.saturating_inc();
				for (page, entries) in list.chunks(max).enumerate() {
					let id = (block, page as u32);
					let subjects: alloc::vec::Vec<_> = entries.iter().flatten().copied().collect();
					if subjects.len() == entries.len() {
						BatchSubjects::<T>::insert(kind, id, subjects);
						writes.saturating_inc();
					} else if !subjects.is_empty() {
						// Partly concluded, which version 2 never leaves: the batch is
						// dissolved, its polls still open voted on one by one.
						defensive!("a version 2 batch is wholly open or wholly concluded");
						for subject in subjects {
							reads.saturating_inc();
							Polls::<T>::mutate_exists(subject, kind, |poll| {
								if let Some(poll) = poll.as_mut().filter(|p| p.batch.is_some()) {
									writes.saturating_inc();
									poll.batch = None;
								}
							});
						}
						Batches::<T>::remove(kind, id);
						let removed = BatchLists::<T>::clear_prefix((kind, id), u32::MAX, None);
						writes.saturating_accrue(u64::from(removed.backend).saturating_add(1));
					}
				}
			}
			T::DbWeight::get().reads_writes(reads, writes)
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			let batched = Polls::<T>::iter_values().filter(|p| p.batch.is_some()).count() as u64;
			Ok(batched.encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			let mut after = 0u64;
			for (subject, kind, poll) in Polls::<T>::iter() {
				if let Some(place) = poll.batch {
					ensure!(Pallet::<T>::at_place(subject, kind, place), "a poll lost its place");
					after.saturating_inc();
				}
			}
			ensure!(before == after, "every batched poll keeps its batch");
			ensure!(BlockPolls::<T>::iter_keys().next().is_none(), "a version 2 list is left");
			Ok(())
		}
	}

	/// [`InnerMigrateV2ToV3`], run only at storage version 2, which it sets to 3.
	pub type MigrateV2ToV3<T> = VersionedMigration<
		2,
		3,
		InnerMigrateV2ToV3<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}

/// Version 3 to 4: the eligible nodes are a list of slots ([`EligibleAt`], [`SlotOf`]) drawn
/// from by rejection, instead of positions in a Fenwick tree of their weights. Every eligible
/// node is listed in position order, [`UndrawnCount`] counts those a pending draw has not
/// drawn, [`WeightCeiling`] is set to the largest weight, and the tree is removed.
///
/// It reads every weighed node in one block: fine for the chains this runtime has run (a dev
/// chain, the test networks), not for a live community of many thousand nodes, which would
/// need it as a multi-block migration.
pub mod v4 {
	use super::*;
	use frame_support::{
		migrations::VersionedMigration, storage::migration::clear_storage_prefix, storage_alias,
		traits::UncheckedOnRuntimeUpgrade,
	};

	/// Version 3's node at each tree position (`1..=PositionCount`).
	#[storage_alias]
	pub(crate) type NodeAt<T: Config> = StorageMap<
		Pallet<T>,
		Twox64Concat,
		u32,
		<T as frame_system::Config>::AccountId,
		OptionQuery,
	>;

	/// Version 3's count of positions handed out.
	#[storage_alias]
	pub(crate) type PositionCount<T: Config> = StorageValue<Pallet<T>, u32, ValueQuery>;

	/// The storage items of version 3's tree that version 4 no longer has.
	pub const REMOVED: [&[u8]; 5] = [b"Position", b"NodeAt", b"PositionCount", b"Tree", b"TreeTotal"];

	/// A pending draw as version 3 stored it: without [`PendingDraw::trials`].
	#[derive(Encode, Decode)]
	pub struct PendingDrawV3<AccountId, Hash> {
		/// See [`PendingDraw::session`].
		pub session: u32,
		/// See [`PendingDraw::seed`].
		pub seed: Hash,
		/// See [`PendingDraw::wanted`].
		pub wanted: u32,
		/// See [`PendingDraw::drawn`].
		pub drawn: alloc::vec::Vec<(AccountId, u128)>,
		/// See [`PendingDraw::restored`].
		pub restored: u32,
		/// See [`PendingDraw::to_refresh`].
		pub to_refresh: u32,
		/// See [`PendingDraw::refreshed`].
		pub refreshed: u32,
	}

	/// Lists the eligible nodes in position order, sets the ceiling and removes the tree.
	pub struct InnerMigrateV3ToV4<T>(core::marker::PhantomData<T>);

	impl<T: Config> UncheckedOnRuntimeUpgrade for InnerMigrateV3ToV4<T> {
		fn on_runtime_upgrade() -> Weight {
			let pallet = <Pallet<T> as PalletInfoAccess>::name().as_bytes();
			let positions = PositionCount::<T>::get();
			let mut reads = 1u64;
			let mut writes = 0u64;
			let mut listed = 0u32;
			let mut undrawn = 0u32;
			let mut ceiling = 0u128;
			for position in 1..=positions {
				reads.saturating_accrue(2);
				let Some(who) = NodeAt::<T>::get(position) else { continue };
				let weight = DrawWeight::<T>::get(&who);
				if weight == 0 {
					// Version 3 kept a zero for nodes that ceased to be eligible.
					DrawWeight::<T>::remove(&who);
					writes.saturating_inc();
					continue;
				}
				ceiling = ceiling.max(weight);
				reads.saturating_inc();
				if !Drawn::<T>::contains_key(&who) {
					undrawn.saturating_inc();
				}
				Pallet::<T>::put_in_slot(&who, listed);
				listed.saturating_inc();
				writes.saturating_accrue(2);
			}
			if listed != EligibleCount::<T>::get() {
				defensive!("version 3 counted its eligible nodes");
				EligibleCount::<T>::put(listed);
			}
			UndrawnCount::<T>::put(undrawn);
			WeightCeiling::<T>::put(ceiling);
			let _ = Draw::<T>::translate::<PendingDrawV3<T::AccountId, T::Hash>, _>(|old| {
				old.map(|old| PendingDraw::<T> {
					session: old.session,
					seed: old.seed,
					wanted: old.wanted,
					drawn: BoundedVec::truncate_from(old.drawn),
					restored: old.restored,
					to_refresh: old.to_refresh,
					refreshed: old.refreshed,
					// The trials' random numbers start again from the seed: they only need to
					// be unknown when the session starts.
					trials: 0,
				})
			});
			reads.saturating_inc();
			for item in REMOVED {
				let removed = clear_storage_prefix(pallet, item, b"", None, None);
				writes.saturating_accrue(u64::from(removed.backend));
			}
			T::DbWeight::get().reads_writes(reads, writes.saturating_add(4))
		}

		#[cfg(feature = "try-runtime")]
		fn pre_upgrade() -> Result<alloc::vec::Vec<u8>, sp_runtime::TryRuntimeError> {
			Ok(EligibleCount::<T>::get().encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u32::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			ensure!(EligibleCount::<T>::get() == before, "every eligible node is listed");
			ensure!(PositionCount::<T>::get() == 0, "the tree is left");
			Pallet::<T>::do_try_state()
		}
	}

	/// [`InnerMigrateV3ToV4`], run only at storage version 3, which it sets to 4.
	pub type MigrateV3ToV4<T> = VersionedMigration<
		3,
		4,
		InnerMigrateV3ToV4<T>,
		Pallet<T>,
		<T as frame_system::Config>::DbWeight,
	>;
}
