//! Benchmarks of the penalty pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn claim() {
		let who: T::AccountId = account("node", 0, 0);
		let unit = T::Currency::minimum_balance().max(1);
		// A funded claimer with a settled share and a pending community share: the worst case
		// settles, pays and writes the record.
		T::Currency::set_balance(&who, unit.saturating_mul(10));
		let pot = Pallet::<T>::pot_account();
		T::Currency::set_balance(&pot, unit.saturating_mul(1_000));
		Pallet::<T>::set_weight(&who, true, 100);
		let amount = unit.saturating_mul(999);
		<Pallet<T> as PenaltyPool<_>>::distribute(None, amount, &[]);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(Shares::<T>::get(&who).is_some_and(|r| r.claimed > 0));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
