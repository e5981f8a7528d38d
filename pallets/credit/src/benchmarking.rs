//! Benchmarks of the credit pallet.

use super::*;
use frame_benchmarking::v2::*;

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_params() {
		// Worst case: `initial_credit` changes, so the check reads the record count as well
		// (allowed only while no record exists).
		RecordCount::<T>::kill();
		let params = CreditParams { initial_credit: 120, restore_after: 12, ..Default::default() };
		let origin = T::AdminOrigin::try_successful_origin()
			.map_err(|_| BenchmarkError::Weightless)
			.expect("admin origin");

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Params::<T>::get(), params);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
