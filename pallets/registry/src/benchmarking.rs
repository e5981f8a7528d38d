//! Benchmarks of the registry pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_support::traits::fungible::Mutate;
use sp_runtime::Saturating;
use frame_system::RawOrigin;

fn funded<T: Config>(name: &'static str, index: u32) -> T::AccountId
where
	T::Currency: Mutate<T::AccountId>,
{
	let who: T::AccountId = account(name, index, 0);
	let amount = T::ApplicationDeposit::get()
		.saturating_mul(10u32.into())
		.saturating_add(T::Currency::minimum_balance().saturating_mul(10u32.into()));
	T::Currency::set_balance(&who, amount);
	who
}

fn admin<T: Config>() -> Result<T::RuntimeOrigin, BenchmarkError> {
	T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)
}

#[benchmarks(where T::Currency: Mutate<T::AccountId>)]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn apply() {
		let who = funded::<T>("applicant", 0);
		let meter: T::AccountId = account("meter", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()), Role::Prosumer, meter, T::MaxCapacity::get());

		assert!(Applications::<T>::contains_key(&who));
	}

	#[benchmark]
	fn withdraw_application() -> Result<(), BenchmarkError> {
		let who = funded::<T>("applicant", 0);
		let meter: T::AccountId = account("meter", 0, 0);
		Pallet::<T>::apply(RawOrigin::Signed(who.clone()).into(), Role::Consumer, meter, 1)?;

		#[extrinsic_call]
		_(RawOrigin::Signed(who.clone()));

		assert!(!Applications::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn approve() -> Result<(), BenchmarkError> {
		let who = funded::<T>("applicant", 0);
		let meter: T::AccountId = account("meter", 0, 0);
		Pallet::<T>::apply(RawOrigin::Signed(who.clone()).into(), Role::Producer, meter, 1)?;
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(Nodes::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn reject() -> Result<(), BenchmarkError> {
		let who = funded::<T>("applicant", 0);
		let meter: T::AccountId = account("meter", 0, 0);
		Pallet::<T>::apply(RawOrigin::Signed(who.clone()).into(), Role::Producer, meter, 1)?;
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert!(!Applications::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn register() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("node", 0, 0);
		let meter: T::AccountId = account("meter", 0, 0);
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone(), Role::Consumer, meter, 1);

		assert!(Nodes::<T>::contains_key(&who));
		Ok(())
	}

	#[benchmark]
	fn suspend() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("node", 0, 0);
		Pallet::<T>::do_register(who.clone(), Role::Consumer, account("meter", 0, 0), 1)?;
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert_eq!(Nodes::<T>::get(&who).map(|n| n.status), Some(NodeStatus::Suspended));
		Ok(())
	}

	#[benchmark]
	fn reinstate() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("node", 0, 0);
		Pallet::<T>::do_register(who.clone(), Role::Consumer, account("meter", 0, 0), 1)?;
		Pallet::<T>::suspend(admin::<T>()?, who.clone())?;
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert_eq!(Nodes::<T>::get(&who).map(|n| n.status), Some(NodeStatus::Active));
		Ok(())
	}

	#[benchmark]
	fn set_trading_center() -> Result<(), BenchmarkError> {
		let who: T::AccountId = account("center", 0, 0);
		let origin = admin::<T>()?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, who.clone());

		assert_eq!(TradingCenter::<T>::get(), Some(who));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
