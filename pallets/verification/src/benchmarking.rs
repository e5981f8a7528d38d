//! Benchmarks of the verification pallet.

use super::*;
use frame_benchmarking::v2::*;
use frame_system::{pallet_prelude::BlockNumberFor, RawOrigin};

/// Add `n` eligible members at the ceiling's weight, listed after the nodes there are (so a
/// trial among them always takes the node it picks: the costlier kind of trial).
fn fill<T: Config>(n: u32) {
	let weight = WeightCeiling::<T>::mutate(|c| {
		*c = (*c).max(100u128 * 1_000_000_000_000_000_000);
		*c
	});
	let first = EligibleCount::<T>::get();
	for i in 0..n {
		let who: T::AccountId = account("node", i, 0);
		Members::<T>::insert(&who, ());
		T::Credits::benchmark_open_record(&who);
		DrawWeight::<T>::insert(&who, weight);
		Pallet::<T>::put_in_slot(&who, first + i);
	}
	MemberCount::<T>::mutate(|m| *m += n);
	EligibleCount::<T>::mutate(|e| *e += n);
	UndrawnCount::<T>::mutate(|u| *u += n);
}

/// The verdict every validator of the benchmarks gives on a poll of `kind`.
fn verdict_for(kind: PollKind) -> Verdict {
	match kind {
		PollKind::Approval => Verdict::Approve,
		PollKind::Delivery => Verdict::Quantities { delivered_wh: 1_000, consumed_wh: 1_000 },
	}
}

/// A session of `v` validators and an approval poll on which all but the last have voted
/// `Approve` (not yet concluded); returns the poll's subject and the last validator.
fn poll_with_votes<T: Config>(v: u32) -> (u64, T::AccountId) {
	poll_of_kind_with_votes::<T>(v, PollKind::Approval)
}

/// [`poll_with_votes`] for a poll of `kind`, the votes being [`verdict_for`] it.
fn poll_of_kind_with_votes<T: Config>(v: u32, kind: PollKind) -> (u64, T::AccountId) {
	let weight = 100u128;
	let validators: alloc::vec::Vec<(T::AccountId, u128)> =
		(0..v).map(|i| (account("validator", i, 0), weight)).collect();
	// Judging a validator outside the tally writes its credit record.
	for (who, _) in &validators {
		T::Credits::benchmark_open_record(who);
	}
	let last = validators.last().map(|(a, _)| a.clone()).expect("v >= 1; qed");
	let validators_set = BoundedVec::truncate_from(validators.clone());
	let validators_total = weight * v as u128;
	// A subject the market accepts a verdict on (the runtime's market sets up a contract).
	let subject = T::OnVerdict::benchmark_subject(kind);
	if !Polls::<T>::contains_key(subject, kind) {
		<Pallet<T> as Verifier>::open(subject, kind).expect("no poll yet; qed");
	}
	Validators::<T>::put(validators_set);
	ValidatorsTotal::<T>::put(validators_total);
	let votes = validators
		.into_iter()
		.take(v as usize - 1)
		.map(|(a, w)| (a, verdict_for(kind), w))
		.collect::<alloc::vec::Vec<_>>();
	Polls::<T>::mutate(subject, kind, |p| {
		if let Some(p) = p {
			p.votes = BoundedVec::truncate_from(votes);
		}
	});
	(subject, last)
}

/// A session of `v` validators and `n` polls of `kind` (each on its own subject) on which all
/// but the last validator have voted; if `open`, only as many as leave each poll open after
/// the last one's vote too. The subjects and the last validator.
fn polls_with_votes<T: Config>(
	v: u32,
	n: u32,
	kind: PollKind,
	open: bool,
) -> (alloc::vec::Vec<u64>, T::AccountId) {
	let mut subjects = alloc::vec::Vec::new();
	let mut last = None;
	for _ in 0..n {
		let (subject, validator) = poll_of_kind_with_votes::<T>(v, kind);
		if open {
			// ceil(2v/3) - 1 votes after the last one's: one short of 2/3 of the weights.
			let short = (2 * v).div_ceil(3) - 2;
			Polls::<T>::mutate(subject, kind, |p| {
				if let Some(p) = p {
					p.votes.truncate(short as usize);
				}
			});
		}
		subjects.push(subject);
		last = Some(validator);
	}
	let last = last.unwrap_or_else(|| poll_of_kind_with_votes::<T>(v, kind).1);
	(subjects, last)
}

/// The `vote_many` argument of every subject's vote for a poll of `kind`.
fn votes_on<T: Config>(
	subjects: &[u64],
	kind: PollKind,
) -> BoundedVec<(u64, Verdict), T::MaxVotesPerCall> {
	BoundedVec::truncate_from(subjects.iter().map(|s| (*s, verdict_for(kind))).collect())
}

/// A session of `v` validators (equal weights) and a batch of `p` polls of `kind`, each on its
/// own subject at the market's costliest (see [`poll_of_kind_with_votes`]), with no votes yet.
/// The batch and the validators.
fn batch_of<T: Config>(
	p: u32,
	v: u32,
	kind: PollKind,
) -> (BatchId<BlockNumberFor<T>>, alloc::vec::Vec<T::AccountId>) {
	let weight = 100u128;
	let validators: alloc::vec::Vec<(T::AccountId, u128)> =
		(0..v).map(|i| (account("validator", i, 0), weight)).collect();
	for (who, _) in &validators {
		T::Credits::benchmark_open_record(who);
	}
	// Opened in block 1, voted on from block 2.
	let opened: BlockNumberFor<T> = 1u32.into();
	frame_system::Pallet::<T>::set_block_number(opened);
	let id = (opened, 0u32);
	for _ in 0..p {
		let subject = T::OnVerdict::benchmark_subject(kind);
		if !Polls::<T>::contains_key(subject, kind) {
			<Pallet<T> as Verifier>::open(subject, kind).expect("no poll yet; qed");
		}
		// Into the batch, if the runtime opened it on its own.
		Polls::<T>::mutate(subject, kind, |poll| {
			if let Some(poll) = poll.as_mut().filter(|poll| poll.batch.is_none()) {
				let mut fill = BatchFill::<T>::get()
					.filter(|fill| fill.block == opened)
					.unwrap_or_else(|| BlockFill::new(opened));
				let index = fill.take_place(kind);
				BatchFill::<T>::put(fill);
				poll.batch = Some(BatchRef { opened, page: 0, index });
				BatchSubjects::<T>::append(kind, id, subject);
			}
		});
	}
	assert_eq!(Pallet::<T>::batch_polls(kind, id).len(), p as usize);
	frame_system::Pallet::<T>::set_block_number(opened + 1u32.into());
	Validators::<T>::put(BoundedVec::truncate_from(validators.clone()));
	ValidatorsTotal::<T>::put(weight * v as u128);
	(id, validators.into_iter().map(|(who, _)| who).collect())
}

/// The `j`th verdict list on `p` polls of `kind`: list 0 is [`verdict_for`] every poll; the
/// others differ from it and from each other (as far as approval lists of `p` polls can).
fn batch_list<T: Config>(p: u32, kind: PollKind, j: u32) -> BoundedVec<Verdict, T::MaxBatchPolls> {
	// The approval lists are the bits of `j`; those of `p` polls are `2^p`, so from there on
	// they repeat, all but list 0.
	let distinct = 1u32.checked_shl(p.min(31)).unwrap_or(u32::MAX).saturating_sub(1).max(1);
	let bits = if j == 0 { 0 } else { 1 + (j - 1) % distinct };
	let verdict = |i: u32| match kind {
		PollKind::Approval if i < 32 && bits & (1 << i) != 0 => Verdict::Reject,
		PollKind::Approval => Verdict::Approve,
		PollKind::Delivery if i == 0 => Verdict::Quantities {
			delivered_wh: 1_000 + u64::from(j),
			consumed_wh: 1_000,
		},
		PollKind::Delivery => verdict_for(kind),
	};
	BoundedVec::truncate_from((0..p).map(verdict).collect())
}

/// Record `who`'s vote of `list` on batch `id`, as [`Pallet::vote_batch`] would without
/// concluding it.
fn record_batch_vote<T: Config>(
	kind: PollKind,
	id: BatchId<BlockNumberFor<T>>,
	who: &T::AccountId,
	list: BoundedVec<Verdict, T::MaxBatchPolls>,
) {
	let mut state = Batches::<T>::get(kind, id).unwrap_or_else(|| Pallet::<T>::new_tally(id.0));
	let hash = <T as frame_system::Config>::Hashing::hash_of(&list);
	let index = match state.lists.iter().position(|(h, _)| *h == hash) {
		Some(index) => index,
		None => {
			state.lists.try_push((hash, 0)).expect("no more lists than validators; qed");
			BatchLists::<T>::insert((kind, id, hash), list);
			state.lists.len() - 1
		},
	};
	state.lists[index].1 += 100;
	state.votes.try_push((who.clone(), index as u32)).expect("no more votes than validators; qed");
	Batches::<T>::insert(kind, id, state);
}

/// A batch of `p` polls of `kind` among `v` validators whose last validator's vote of list 0
/// concludes it, at its costliest: as few others voted list 0 as reach the quorum with it,
/// and each of the rest voted a list of its own, to be compared poll by poll. The batch, the
/// concluding list and the last validator.
fn batch_to_conclude<T: Config>(
	p: u32,
	v: u32,
	kind: PollKind,
) -> (BatchId<BlockNumberFor<T>>, BoundedVec<Verdict, T::MaxBatchPolls>, T::AccountId) {
	let (id, validators) = batch_of::<T>(p, v, kind);
	// ceil(2v/3) voters of list 0 reach 2/3 of the (equal) weights; the last one concludes.
	let backers = (2 * v).div_ceil(3) - 1;
	let (last, others) = validators.split_last().expect("v >= 1; qed");
	for (j, who) in others.iter().enumerate() {
		let list = if (j as u32) < backers { 0 } else { j as u32 + 1 };
		record_batch_vote::<T>(kind, id, who, batch_list::<T>(p, kind, list));
	}
	ensure_tally::<T>(kind, id);
	(id, batch_list::<T>(p, kind, 0), last.clone())
}

/// With no vote recorded on batch `id` yet, an empty tally: every sample of a benchmark then
/// reads the same storage (the benchmark CLI fits each item's proof size over the samples that
/// read it, and fails on an item that only samples of one value of a component read). A first
/// vote's read of `SessionStarts` instead is added by `vote_batch_weight`.
fn ensure_tally<T: Config>(kind: PollKind, id: BatchId<BlockNumberFor<T>>) {
	if !Batches::<T>::contains_key(kind, id) {
		Batches::<T>::insert(kind, id, Pallet::<T>::new_tally(id.0));
	}
}

/// A batch of `p` polls of `kind` among `v` validators (equal weights) whose last
/// validator's vote brings the votes to 2/3 of the weight, on lists of which none has 2/3, so
/// that the lists are compared poll by poll, at its costliest: every validator votes, and
/// validator `j`'s list differs from list 0 ([`verdict_for`] every poll) at poll
/// `j % (p + 1)` (none for `p`): the lists are as many as they can be (the delivery lists
/// differ but for list 0; approval lists repeat every `p + 1` validators), and a poll
/// concludes wherever 2/3 can agree (each poll of a batch of three or more at the largest
/// `v`). If all voting gives a list 2/3 (an approval batch of one poll among three), the first
/// validator does not vote.
///
/// The batch, the last validator's list, the last validator, and the batch's polls with
/// whether each concludes.
fn batch_to_agree<T: Config>(
	p: u32,
	v: u32,
	kind: PollKind,
) -> (
	BatchId<BlockNumberFor<T>>,
	BoundedVec<Verdict, T::MaxBatchPolls>,
	T::AccountId,
	alloc::vec::Vec<(u64, bool)>,
) {
	let (id, validators) = batch_of::<T>(p, v, kind);
	let list = |j: u32| {
		let mut list = batch_list::<T>(p, kind, 0);
		if let Some(verdict) = list.get_mut((j % (p + 1)) as usize) {
			*verdict = match kind {
				PollKind::Approval => Verdict::Reject,
				PollKind::Delivery => Verdict::Quantities {
					delivered_wh: 1_001 + u64::from(j),
					consumed_wh: 1_000,
				},
			};
		}
		list
	};
	let mut lists: alloc::vec::Vec<_> = (0..v).map(list).collect();
	let largest = lists.iter().map(|l| lists.iter().filter(|m| *m == l).count()).max();
	if 3 * largest.unwrap_or_default() as u32 >= 2 * v {
		lists[0].clear();
	}
	let (last, others) = validators.split_last().expect("v >= 1; qed");
	for (who, list) in others.iter().zip(&lists) {
		if !list.is_empty() {
			record_batch_vote::<T>(kind, id, who, list.clone());
		}
	}
	let voters = lists.iter().filter(|l| !l.is_empty()).count() as u32;
	let agreed = |i: usize| {
		let backing = lists.iter().filter(|l| l.get(i) == Some(&verdict_for(kind))).count();
		3 * backing as u32 >= 2 * v
	};
	let polls = Pallet::<T>::batch_polls(kind, id);
	let polls = polls.into_iter().enumerate().map(|(i, subject)| (subject, agreed(i))).collect();
	assert!(3 * voters >= 2 * v, "the votes reach 2/3");
	let concluding = lists.pop().expect("v >= 1; qed");
	(id, concluding, last.clone(), polls)
}

/// That exactly the polls of batch `id` marked agreed in `polls` (see [`batch_to_agree`])
/// concluded, and that the batch is left if and only if one of them did not.
fn assert_agreed<T: Config>(kind: PollKind, id: BatchId<BlockNumberFor<T>>, polls: &[(u64, bool)]) {
	for (subject, agreed) in polls {
		assert_eq!(Polls::<T>::contains_key(subject, kind), !agreed);
	}
	let left = polls.iter().any(|(_, agreed)| !agreed);
	assert_eq!(Batches::<T>::contains_key(kind, id), left);
	assert_eq!(BatchSubjects::<T>::contains_key(kind, id), left);
}

/// `10^e` nodes.
fn community_size(e: u32) -> u32 {
	10u32.pow(e)
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

	#[benchmark]
	fn set_batched_polls() -> Result<(), BenchmarkError> {
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, true);

		assert!(BatchedPolls::<T>::get());
		Ok(())
	}

	/// Opening a poll one by one, as the market's benchmarks measure it with the calls that
	/// open polls.
	#[benchmark]
	fn open_single() {
		BatchedPolls::<T>::put(false);

		#[block]
		{
			<Pallet<T> as Verifier>::open(1, PollKind::Approval).expect("no poll yet; qed");
		}

		assert_eq!(Polls::<T>::get(1, PollKind::Approval).and_then(|p| p.batch), None);
	}

	/// Opening a poll in a batch at its costliest: `MaxBatchPolls` have opened in the block, so
	/// the poll starts its next batch (an event, and a list of its own: a batch's list is
	/// written only in its block, so the append never reads an earlier one). `open_batched -
	/// open_single` is what an open adds when polls open in batches
	/// ([`Verifier::open_extra_weight`]).
	#[benchmark]
	fn open_batched() {
		BatchedPolls::<T>::put(true);
		// The block the poll opens in (the harness would set it only after this set-up).
		let now: BlockNumberFor<T> = 1u32.into();
		frame_system::Pallet::<T>::set_block_number(now);
		let mut fill = BlockFill::new(now);
		fill.approval = T::MaxBatchPolls::get();
		BatchFill::<T>::put(fill);

		#[block]
		{
			<Pallet<T> as Verifier>::open(1, PollKind::Approval).expect("no poll yet; qed");
		}

		assert_eq!(
			Polls::<T>::get(1, PollKind::Approval).and_then(|p| p.batch),
			Some(BatchRef { opened: now, page: 1, index: 0 })
		);
	}

	#[benchmark]
	fn on_initialize_idle() {
		Draw::<T>::kill();
		let n: BlockNumberFor<T> = 1u32.into();

		#[block]
		{
			<Pallet<T> as Hooks<_>>::on_initialize(n);
		}
	}

	/// `s` draw steps, each the costlier kind: a trial that takes the node it picks (a hash;
	/// the node's slot, weight and mark read; the node marked drawn and the undrawn count
	/// written). Every node is at the ceiling's weight, so a trial takes the node it picks
	/// unless drawn; with 16 nodes a trial, trials rarely pick the same slot or a drawn node,
	/// as in a large community.
	#[benchmark]
	fn on_initialize_draw(s: Linear<0, 64>) {
		fill::<T>(s.max(1).saturating_mul(16));
		// Every listed node (the chain's own among them) at the ceiling, and a seed whose first
		// `s` trials pick `s` different slots: each trial takes the node it picks.
		let ceiling = WeightCeiling::<T>::get();
		let listed = EligibleCount::<T>::get();
		for slot in 0..listed {
			if let Some(who) = EligibleAt::<T>::get(slot) {
				DrawWeight::<T>::insert(&who, ceiling);
			}
		}
		let seed = (0u32..)
			.map(|i| T::Hashing::hash_of(&i))
			.find(|seed| {
				let mut picked: alloc::vec::Vec<u32> =
					(0..s).map(|t| Pallet::<T>::trial_numbers(seed, t, listed).0).collect();
				picked.sort();
				picked.dedup();
				picked.len() as u32 == s
			})
			.expect("some seed picks distinct slots; qed");
		let wanted = s.min(T::MaxValidators::get());
		Draw::<T>::put(PendingDraw::<T> {
			session: 1,
			seed,
			wanted,
			drawn: Default::default(),
			restored: 0,
			to_refresh: 0,
			refreshed: 0,
			trials: 0,
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

		// Each step a trial that took its node, up to `wanted` (in a runtime with fewer
		// validators than steps, the draw then puts them back and ends).
		match Draw::<T>::get() {
			Some(d) => assert_eq!((d.trials, d.drawn.len() as u32), (wanted.min(s), wanted.min(s))),
			None => assert!(s > wanted),
		}
	}

	/// The concluding vote of a poll with `v` validators: every validator is judged in the
	/// session's tally (its credit record is written, and its draw weight brought up to date,
	/// by the draws that follow).
	#[benchmark]
	fn vote(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, last) = poll_with_votes::<T>(v);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), subject, PollKind::Approval, Verdict::Approve);

		assert!(!Polls::<T>::contains_key(subject, PollKind::Approval));
		Ok(())
	}

	/// `s` refresh steps of a draw: each writes a previous validator's tallied judgements to
	/// its credit record and re-weighs it, at its costliest: the node has left, so it ceases to
	/// be eligible and gives up its slot (the list's last node moves into it). The previous
	/// and serving sets are full, and so are both tallies, so the block also decodes them.
	#[benchmark]
	fn on_initialize_refresh(
		s: Linear<0, { T::MaxDrawStepsPerBlock::get().min(2 * T::MaxValidators::get()) }>,
	) {
		let max = T::MaxValidators::get();
		// `s` listed nodes that are no longer members, after as many that stay.
		fill::<T>(s.saturating_mul(2));
		let eligible = EligibleCount::<T>::get();
		for i in 0..s {
			Members::<T>::remove(account::<T::AccountId>("node", i, 0));
		}
		let listed: alloc::vec::Vec<(T::AccountId, u128)> = (0..2 * max)
			.map(|i| if i < s { account("node", i, 0) } else { account("filler", i, 0) })
			.map(|who| (who, 1u128))
			.collect();
		let (previous, serving) = listed.split_at(max as usize);
		PreviousValidators::<T>::put(BoundedVec::truncate_from(previous.to_vec()));
		Validators::<T>::put(BoundedVec::truncate_from(serving.to_vec()));
		let tally = |set: &[(T::AccountId, u128)]| {
			BoundedVec::truncate_from(
				set.iter().map(|_| StreakDelta { reset: false, correct: 3 }).collect::<alloc::vec::Vec<_>>(),
			)
		};
		PreviousJudgements::<T>::put(tally(previous));
		Judgements::<T>::put(tally(serving));
		Draw::<T>::put(PendingDraw::<T> {
			session: 1,
			seed: Default::default(),
			wanted: 0,
			drawn: Default::default(),
			restored: 0,
			to_refresh: 2 * max,
			refreshed: 0,
			trials: 0,
		});

		#[block]
		{
			Pallet::<T>::step_draw_limited(&mut WeightMeter::new(), s);
		}

		assert_eq!(Draw::<T>::get().map(|d| d.refreshed), Some(s));
		// Each refreshed node gave its slot up.
		assert_eq!(EligibleCount::<T>::get(), eligible - s);
		let written = PreviousJudgements::<T>::get();
		for i in 0..s {
			let who: T::AccountId = account("node", i, 0);
			assert_eq!(DrawWeight::<T>::get(&who), 0);
			assert!(!SlotOf::<T>::contains_key(&who));
			if i < max {
				assert!(written[i as usize].is_empty());
			}
		}
	}

	/// A vote that does not conclude its poll, among `v` validators: the poll already holds
	/// as many `Approve` votes as fall short of the quorum, and the last validator votes
	/// `Reject`.
	#[benchmark]
	fn vote_open(v: Linear<2, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, last) = poll_with_votes::<T>(v);
		// ceil(2v/3) - 1 votes: one short of 2/3 of the (equal) weights.
		let short = (2 * v).div_ceil(3) - 1;
		Polls::<T>::mutate(subject, PollKind::Approval, |p| {
			if let Some(p) = p {
				p.votes.truncate(short as usize);
			}
		});

		#[extrinsic_call]
		vote(RawOrigin::Signed(last.clone()), subject, PollKind::Approval, Verdict::Reject);

		let poll = Polls::<T>::get(subject, PollKind::Approval).expect("still open");
		assert_eq!(poll.votes.len() as u32, short + 1);
		assert_eq!(poll.votes.last().map(|(who, _, _)| who), Some(&last));
		Ok(())
	}

	/// The concluding vote of a delivery poll with `v` validators: the market records the
	/// attested quantities and lists the contract for settlement; every validator is judged.
	#[benchmark]
	fn vote_delivery(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, last) = poll_of_kind_with_votes::<T>(v, PollKind::Delivery);

		#[extrinsic_call]
		vote(RawOrigin::Signed(last), subject, PollKind::Delivery, verdict_for(PollKind::Delivery));

		assert!(!Polls::<T>::contains_key(subject, PollKind::Delivery));
		Ok(())
	}

	/// `MaxVotesPerCall` concluding votes on approval polls of `v` validators in one call: each
	/// approves a contract (its fees and holds, the costliest verdict) and judges every
	/// validator. With [`vote`](Pallet::vote), a call of one such vote, it gives the cost of
	/// each vote beyond the first (`vote_many`'s cost grows with the product of votes and
	/// validators, which one benchmark of two components would not fit).
	#[benchmark]
	fn vote_many(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let n = T::MaxVotesPerCall::get();
		let (subjects, last) = polls_with_votes::<T>(v, n, PollKind::Approval, false);
		let votes = votes_on::<T>(&subjects, PollKind::Approval);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), PollKind::Approval, votes);

		assert!(subjects.iter().all(|s| !Polls::<T>::contains_key(s, PollKind::Approval)));
		Ok(())
	}

	/// `MaxVotesPerCall` concluding votes on delivery polls of `v` validators in one call: the
	/// market records each contract's attested quantities and lists it for settlement.
	#[benchmark]
	fn vote_many_delivery(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let n = T::MaxVotesPerCall::get();
		let (subjects, last) = polls_with_votes::<T>(v, n, PollKind::Delivery, false);
		let votes = votes_on::<T>(&subjects, PollKind::Delivery);

		#[extrinsic_call]
		vote_many(RawOrigin::Signed(last), PollKind::Delivery, votes);

		assert!(subjects.iter().all(|s| !Polls::<T>::contains_key(s, PollKind::Delivery)));
		Ok(())
	}

	/// `MaxVotesPerCall` votes in one call that each leave an approval poll of `v` validators
	/// open.
	#[benchmark]
	fn vote_many_open(v: Linear<2, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let n = T::MaxVotesPerCall::get();
		let (subjects, last) = polls_with_votes::<T>(v, n, PollKind::Approval, true);
		let votes = votes_on::<T>(&subjects, PollKind::Approval);

		#[extrinsic_call]
		vote_many(RawOrigin::Signed(last.clone()), PollKind::Approval, votes);

		for subject in &subjects {
			let poll = Polls::<T>::get(subject, PollKind::Approval).expect("still open");
			assert_eq!(poll.votes.last().map(|(who, _, _)| who), Some(&last));
		}
		Ok(())
	}

	/// The trading center decides a poll of `v` validators after its deadline, the poll being
	/// of the previous session: every validator's pending judgements (in both tallies, as each
	/// serves again) and the new one are written to its credit record.
	#[benchmark]
	fn decide(v: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (subject, _) = poll_with_votes::<T>(v);
		Polls::<T>::mutate(subject, PollKind::Approval, |p| {
			if let Some(p) = p {
				p.deadline = Zero::zero();
			}
		});
		let tally = BoundedVec::truncate_from(
			(0..v).map(|_| StreakDelta { reset: false, correct: 3 }).collect::<alloc::vec::Vec<_>>(),
		);
		PreviousValidators::<T>::put(Validators::<T>::get());
		PreviousJudgements::<T>::put(tally.clone());
		Judgements::<T>::put(tally);
		Session::<T>::mutate(|s| *s += 1);
		frame_system::Pallet::<T>::set_block_number(10u32.into());
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, subject, PollKind::Approval, Verdict::Approve);

		assert!(!Polls::<T>::contains_key(subject, PollKind::Approval));
		assert!(PreviousJudgements::<T>::get().iter().all(|d| d.is_empty()));
		Ok(())
	}

	/// A batch vote that does not conclude its batch of `p` delivery polls (the larger
	/// verdicts to hash and store) among `v` validators: every other validator but one has
	/// voted a list of its own, and so does the last one (its list is stored). The one who
	/// has not holds more than a third of the weight, so the votes stay short of 2/3 and the
	/// lists are not compared poll by poll: the largest tally an open vote can find.
	#[benchmark]
	fn vote_batch_open(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<2, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Delivery;
		let (id, validators) = batch_of::<T>(p, v, kind);
		let heavy = 200 * u128::from(v);
		let mut set = Validators::<T>::get().into_inner();
		if let Some((_, weight)) = set.first_mut() {
			*weight = heavy;
		}
		Validators::<T>::put(BoundedVec::truncate_from(set));
		ValidatorsTotal::<T>::put(100 * u128::from(v - 1) + heavy);
		let (last, others) = validators[1..].split_last().expect("v >= 2; qed");
		for (j, who) in others.iter().enumerate() {
			record_batch_vote::<T>(kind, id, who, batch_list::<T>(p, kind, j as u32 + 1));
		}
		// With two validators, no other vote.
		ensure_tally::<T>(kind, id);
		let list = batch_list::<T>(p, kind, 0);

		#[extrinsic_call]
		vote_batch(RawOrigin::Signed(last.clone()), kind, id, list);

		let state = Batches::<T>::get(kind, id).expect("still open");
		assert_eq!(state.votes.last().map(|(who, _)| who), Some(last));
		assert_eq!(state.votes.len() as u32, v - 1);
		let polls = Pallet::<T>::batch_polls(kind, id);
		let open = |subject: &u64| Polls::<T>::contains_key(subject, kind);
		assert!(polls.iter().all(open), "no poll concluded");
		Ok(())
	}

	/// The batch vote that concludes a batch of `p` approval polls among `v` validators: each
	/// poll approves a contract (its fees and holds, the costliest verdict), and every
	/// validator is judged on every poll, a third of them poll by poll.
	#[benchmark]
	fn vote_batch(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<1, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Approval;
		let (id, list, last) = batch_to_conclude::<T>(p, v, kind);

		#[extrinsic_call]
		_(RawOrigin::Signed(last), kind, id, list);

		assert!(!Batches::<T>::contains_key(kind, id));
		assert!(!BatchSubjects::<T>::contains_key(kind, id));
		Ok(())
	}

	/// [`vote_batch`](Pallet::vote_batch) concluding a batch of `p` delivery polls: the market
	/// records each contract's attested quantities and lists it for settlement.
	#[benchmark]
	fn vote_batch_delivery(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<1, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Delivery;
		let (id, list, last) = batch_to_conclude::<T>(p, v, kind);

		#[extrinsic_call]
		vote_batch(RawOrigin::Signed(last), kind, id, list);

		assert!(!Batches::<T>::contains_key(kind, id));
		Ok(())
	}

	/// The batch vote that brings 2/3 of the weight to a batch of `p` approval polls among `v`
	/// validators whose lists differ at a poll each, none of them 2/3 (see [`batch_to_agree`]):
	/// every list is read and compared poll by poll, each poll that 2/3 agree on concludes
	/// (approving a contract, the costliest verdict) and every validator is judged on it poll
	/// by poll; the batch goes when none is left.
	#[benchmark]
	fn vote_batch_agreed(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<2, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Approval;
		let (id, list, last, polls) = batch_to_agree::<T>(p, v, kind);

		#[extrinsic_call]
		vote_batch(RawOrigin::Signed(last), kind, id, list);

		assert_agreed::<T>(kind, id, &polls);
		Ok(())
	}

	/// [`vote_batch_agreed`](Pallet::vote_batch) on a batch of `p` delivery polls, whose lists
	/// repeat less.
	#[benchmark]
	fn vote_batch_agreed_delivery(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<2, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Delivery;
		let (id, list, last, polls) = batch_to_agree::<T>(p, v, kind);

		#[extrinsic_call]
		vote_batch(RawOrigin::Signed(last), kind, id, list);

		assert_agreed::<T>(kind, id, &polls);
		Ok(())
	}

	/// The trading center decides a batch of `p` approval polls of the previous session after
	/// its deadline, each of the `v` validators having voted a list of its own (none the
	/// decision): each is judged poll by poll, and its pending judgements (in both tallies, as
	/// it serves again) and the new ones are written to its credit record.
	#[benchmark]
	fn decide_batch(
		p: Linear<1, { T::MaxBatchPolls::get() }>,
		v: Linear<1, { T::MaxValidators::get() }>,
	) -> Result<(), BenchmarkError> {
		let kind = PollKind::Approval;
		let (id, validators) = batch_of::<T>(p, v, kind);
		for (j, who) in validators.iter().enumerate() {
			record_batch_vote::<T>(kind, id, who, batch_list::<T>(p, kind, j as u32 + 1));
		}
		Batches::<T>::mutate(kind, id, |state| {
			if let Some(state) = state {
				state.deadline = Zero::zero();
			}
		});
		let tally = BoundedVec::truncate_from(
			(0..v).map(|_| StreakDelta { reset: false, correct: 3 }).collect::<alloc::vec::Vec<_>>(),
		);
		PreviousValidators::<T>::put(Validators::<T>::get());
		PreviousJudgements::<T>::put(tally.clone());
		Judgements::<T>::put(tally);
		Session::<T>::mutate(|s| *s += 1);
		frame_system::Pallet::<T>::set_block_number(10u32.into());
		let origin = T::AdminOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, kind, id, batch_list::<T>(p, kind, 0));

		assert!(!Batches::<T>::contains_key(kind, id));
		assert!(PreviousJudgements::<T>::get().iter().all(|d| d.is_empty()));
		Ok(())
	}

	// The `scale_*` benchmarks repeat the concluding vote and a block's share of the draw with
	// `10^e` eligible nodes (10 to 100,000) to show that their cost
	// does not grow with the community (docs/PERFORMANCE.md, `scripts/bench-scale.sh`). They
	// are `extra`: the weights do not use them.

	/// The concluding vote of a poll of three validators.
	#[benchmark(extra)]
	fn scale_vote(e: Linear<1, 5>) -> Result<(), BenchmarkError> {
		fill::<T>(community_size(e));
		let (subject, last) = poll_with_votes::<T>(3);

		#[extrinsic_call]
		vote(RawOrigin::Signed(last), subject, PollKind::Approval, Verdict::Approve);

		assert!(!Polls::<T>::contains_key(subject, PollKind::Approval));
		Ok(())
	}

	/// The most draw steps a block takes (`MaxDrawStepsPerBlock`), each a trial among the
	/// community's nodes.
	#[benchmark(extra)]
	fn scale_draw(e: Linear<1, 5>) {
		let n = community_size(e);
		fill::<T>(n);
		let steps = T::MaxDrawStepsPerBlock::get();
		let wanted = steps.min(T::MaxValidators::get()).min(n);
		Draw::<T>::put(PendingDraw::<T> {
			session: 1,
			seed: Default::default(),
			wanted,
			drawn: Default::default(),
			restored: 0,
			to_refresh: 0,
			refreshed: 0,
			trials: 0,
		});

		#[block]
		{
			Pallet::<T>::step_draw_limited(&mut WeightMeter::new(), steps);
		}

		// Either the block made all its steps, or (with steps to spare) the draw finished.
		match Draw::<T>::get() {
			Some(d) => assert_eq!(d.refreshed + d.trials + d.restored, steps),
			None => assert_eq!(Validators::<T>::decode_len().unwrap_or(0) as u32, wanted),
		}
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::ExtBuilder::default().build(), crate::mock::Test);
}
