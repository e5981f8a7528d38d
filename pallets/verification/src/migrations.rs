//! Storage migrations of the verification pallet.

use super::*;

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
			Ok((Polls::<T>::iter_keys().count() as u64).encode())
		}

		#[cfg(feature = "try-runtime")]
		fn post_upgrade(state: alloc::vec::Vec<u8>) -> Result<(), sp_runtime::TryRuntimeError> {
			let before = u64::decode(&mut &state[..])
				.map_err(|_| sp_runtime::TryRuntimeError::Other("bad pre-upgrade state"))?;
			let after = Polls::<T>::iter_values().filter(|p| p.batch.is_none()).count() as u64;
			ensure!(before == after, "every poll is kept, with no batch");
			Ok(())
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
