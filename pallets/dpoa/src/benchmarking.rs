//! Benchmarks of the DPoA pallet, at their worst case.

use super::*;
use dpoa_consensus_primitives::CompatibleDigestItem;
use frame_benchmarking::v2::*;

fn authority(i: u32) -> AuthorityId {
	let mut raw = [0u8; 32];
	raw[..4].copy_from_slice(&i.to_le_bytes());
	AuthorityId::decode(&mut &raw[..]).expect("any 32 bytes decode as an sr25519 public key; qed")
}

fn fill_authorities<T: Config>(n: u32) {
	let set: Vec<_> = (0..n).map(authority).collect();
	Authorities::<T>::put(BoundedVec::try_from(set).expect("n <= MaxAuthorities; qed"));
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_authorities(n: Linear<1, { T::MaxAuthorities::get() }>) {
		fill_authorities::<T>(T::MaxAuthorities::get());
		let new: Vec<_> = (1_000..1_000 + n).map(authority).collect();
		let origin = T::AdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)
			.expect("admin origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, new.clone());

		assert_eq!(Pallet::<T>::authorities(), new);
	}

	#[benchmark]
	fn add_authority(n: Linear<1, { T::MaxAuthorities::get().saturating_sub(1).max(1) }>) {
		fill_authorities::<T>(n);
		let new = authority(u32::MAX);
		let origin = T::AdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)
			.expect("admin origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, new.clone());

		assert_eq!(Pallet::<T>::authorities().last(), Some(&new));
	}

	#[benchmark]
	fn remove_authority(n: Linear<2, { T::MaxAuthorities::get().max(2) }>) {
		fill_authorities::<T>(n);
		// The first key: the whole set shifts down.
		let gone = authority(0);
		let origin = T::AdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)
			.expect("admin origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, gone.clone());

		assert!(!Pallet::<T>::authorities().contains(&gone));
	}

	/// A block's pre-digest: the slot check and the VRF verification.
	#[benchmark]
	fn on_initialize() {
		use dpoa_consensus_primitives::{BENCHMARK_ALICE_PUBLIC, BENCHMARK_ALICE_VRF_SLOT_1000};
		let alice = AuthorityId::decode(&mut &BENCHMARK_ALICE_PUBLIC[..]).expect("32 bytes; qed");
		Authorities::<T>::put(BoundedVec::truncate_from(alloc::vec![alice]));
		let slot = Slot::from(1_000u64);
		let vrf_signature = codec::Decode::decode(&mut &BENCHMARK_ALICE_VRF_SLOT_1000[..])
			.expect("a valid encoding");
		frame_system::Pallet::<T>::deposit_log(sp_runtime::generic::DigestItem::dpoa_pre_digest(
			PreDigest { slot, authority_index: 0, vrf_signature },
		));

		#[block]
		{
			<Pallet<T> as frame_support::traits::Hooks<_>>::on_initialize(1u32.into());
		}

		assert_eq!(CurrentSlot::<T>::get(), slot);
		assert_ne!(AccumulatedRandomness::<T>::get(), [0u8; 32]);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
