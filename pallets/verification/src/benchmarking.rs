//! Benchmarks of the verification pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};

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

/// A session of `v` validators and an approval poll on which all but the last have voted
/// `Approve` (not yet concluded); returns the poll's subject and the last validator.
fn poll_with_votes<T: Config>(v: u32) -> (u64, T::AccountId) {
	let weight = 100u128;
	let validators: alloc::vec::Vec<(T::AccountId, u128)> =
		(0..v).map(|i| (account("validator", i, 0), weight)).collect();
	let last = validators.last().map(|(a, _)| a.clone()).expect("v >= 1; qed");
	let validators_set = BoundedVec::truncate_from(validators.clone());
	let validators_total = weight * v as u128;
	// A subject the market accepts a verdict on (the runtime's market sets up a contract).
	let subject = T::OnVerdict::benchmark_subject(PollKind::Approval);
	if !Polls::<T>::contains_key(subject, PollKind::Approval) {
		<Pallet<T> as Verifier>::open(subject, PollKind::Approval).expect("no poll yet; qed");
	}
	Validators::<T>::put(validators_set);
	ValidatorsTotal::<T>::put(validators_total);
	let votes = validators
		.into_iter()
		.take(v as usize - 1)
		.map(|(a, w)| (a, Verdict::Approve, w))
		.collect::<alloc::vec::Vec<_>>();
	Polls::<T>::mutate(subject, PollKind::Approval, |p| {
		if let Some(p) = p {
			p.votes = BoundedVec::truncate_from(votes);
		}
	});
	(subject, last)
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

	/// The concluding vote of a poll with `v` validators: every validator is judged. The
	/// validators here have no credit record, so `record_verification` reads but does not
	/// write: a small underestimate of the judging cost.
	#[benchmark]
	fn vote(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, last) = poll_with_votes::<T>(v);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), subject, PollKind::Approval, Verdict::Approve);

		assert!(!Polls::<T>::contains_key(subject, PollKind::Approval));
		Ok(())
	}

	/// The trading center decides a poll of `v` validators after its deadline.
	#[benchmark]
	fn decide(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, _) = poll_with_votes::<T>(v);
		Polls::<T>::mutate(subject, PollKind::Approval, |p| {
			if let Some(p) = p {
				p.deadline = Zero::zero();
			}
		});
		frame_system::Pallet::<T>::set_block_number(10u32.into());
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, subject, PollKind::Approval, Verdict::Approve);

		assert!(!Polls::<T>::contains_key(subject, PollKind::Approval));
		Ok(())
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
