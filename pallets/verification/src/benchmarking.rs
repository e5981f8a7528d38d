//! Benchmarks of the verification pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::pallet_prelude::BlockNumberFor;

/// Put `n` weighed nodes in the tree, as members would be.
fn fill<T: Config>(n: u32) {
	let first = PositionCount::<T>::get();
	for i in 0..n {
		let who: T::AccountId = account("node", i, 0);
		let position = first + i + 1;
		Position::<T>::insert(&who, position);
		NodeAt::<T>::insert(position, &who);
		Members::<T>::insert(&who, ());
		let weight = 100u128 * 1_000_000_000_000_000_000;
		DrawWeight::<T>::insert(&who, weight);
		sampling::update(&mut StoredTree::<T>(Default::default()), position, weight, false);
		TreeTotal::<T>::mutate(|t| *t = t.saturating_add(weight));
	}
	PositionCount::<T>::put(first + n);
	MemberCount::<T>::mutate(|m| *m += n);
	EligibleCount::<T>::mutate(|e| *e += n);
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn set_params() -> Result<(), BenchmarkError> {
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;
		let params = DrawParams { ratio: MIN_RATIO, threshold: 80 };

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, params);

		assert_eq!(Params::<T>::get(), params);
		Ok(())
	}

	/// A block in the middle of a session with no draw running.
	#[benchmark]
	fn on_initialize_idle() {
		Draw::<T>::kill();
		let n: BlockNumberFor<T> = 1u32.into();

		#[block]
		{
			<Pallet<T> as Hooks<_>>::on_initialize(n);
		}
	}

	/// `s` draw steps, each the costlier kind (a draw: a hash, a tree search and a tree update
	/// over a full tree of `MaxNodes`).
	#[benchmark]
	fn on_initialize_draw(s: Linear<0, 64>) {
		// A tree whose positions are all used costs the most to search and update.
		let nodes = s
			.max(1)
			.saturating_mul(4)
			.min(T::MaxNodes::get().saturating_sub(PositionCount::<T>::get()));
		fill::<T>(nodes);
		let wanted = s.min(T::MaxValidators::get());
		Draw::<T>::put(PendingDraw::<T> {
			session: 1,
			seed: Default::default(),
			wanted,
			drawn: Default::default(),
			restored: 0,
		});

		#[block]
		{
			let mut meter = WeightMeter::new();
			let mut steps = 0;
			while steps < s {
				// One step at a time, exactly `s` of them.
				Pallet::<T>::step_draw_limited(&mut meter, 1);
				steps += 1;
			}
		}

		assert_eq!(
			Draw::<T>::get().map(|d| d.drawn.len() as u32).unwrap_or(wanted),
			wanted.min(s)
		);
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
