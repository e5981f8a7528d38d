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
