//! Tests of the validator draw.

use crate::{
	mock::*, DrawParams, DrawWeight, EligibleCount, Error, Event, MemberCount, Session,
	Validators, ValidatorsTotal,
};
use energy_primitives::{OnCreditChange, OnMembershipChange, ValidatorSet};
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_runtime::{DispatchError, Perbill};

/// Table 2/3 of the paper: generators 1..=10, consumers 11..=20, all eligible (credit >= 90).
fn paper_community() -> Vec<(u64, u32, u32)> {
	let credits = [
		96, 97, 90, 100, 91, 99, 92, 95, 93, 94, 94, 93, 95, 92, 90, 91, 100, 99, 97, 96,
	];
	let streaks = [0, 5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 6, 0, 0, 0, 0, 0];
	(1..=20).map(|i| (i, credits[i as usize - 1], streaks[i as usize - 1])).collect()
}

fn validators() -> Vec<u64> {
	Validators::<Test>::get().iter().map(|(v, _)| *v).collect()
}

/// Run blocks up to and including `n`.
fn run_to(n: u64) {
	while System::block_number() < n {
		let next = System::block_number() + 1;
		System::set_block_number(next);
		Verification::on_initialize(next);
	}
}

#[test]
fn genesis_draws_fifteen_percent_of_the_community() {
	ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
		assert_eq!(MemberCount::<Test>::get(), 20);
		assert_eq!(EligibleCount::<Test>::get(), 20);
		// round(0.15 * 20) = 3.
		let chosen = validators();
		assert_eq!(chosen.len(), 3);
		let total: u128 = Validators::<Test>::get().iter().map(|(_, w)| *w).sum();
		assert_eq!(Verification::total_weight(), total);
		for (who, weight) in Validators::<Test>::get() {
			assert_eq!(Verification::validator_weight(&who), Some(weight));
			assert_eq!(weight, DrawWeight::<Test>::get(who));
		}
		assert_eq!(Verification::validator_weight(&99), None);
	});
}

#[test]
fn weight_is_credit_plus_verification_credit_above_the_threshold() {
	ExtBuilder::default()
		.nodes(vec![(1, 96, 0), (2, 89, 0), (3, 90, 4)])
		.build_and_execute(|| {
			let fixed = |x: f64| (x * 1e18) as u128;
			assert!(DrawWeight::<Test>::get(1).abs_diff(fixed(96.0 + 1.25)) < 1_000);
			assert_eq!(DrawWeight::<Test>::get(2), 0);
			let v4 = 5.0 * (1.0 / (1.0 + (-2.0f64).exp())).powi(2);
			assert!(DrawWeight::<Test>::get(3).abs_diff(fixed(90.0 + v4)) < 1_000_000);
			assert_eq!(EligibleCount::<Test>::get(), 2);
			// Ineligible nodes are never drawn.
			for seed in 0..50 {
				SEED.with(|s| *s.borrow_mut() = seed);
				run_to(System::block_number() + SESSION_LENGTH);
				assert!(!validators().contains(&2));
				assert_eq!(validators().len(), 1);
			}
		});
}

#[test]
fn credit_and_membership_changes_reweigh() {
	ExtBuilder::default().nodes(vec![(1, 96, 0), (2, 95, 0)]).build_and_execute(|| {
		set_credit(1, 89, 0);
		Verification::on_credit_change(&1, 96, 89);
		assert_eq!(DrawWeight::<Test>::get(1), 0);
		assert_eq!(EligibleCount::<Test>::get(), 1);
		set_credit(1, 90, 0);
		Verification::on_credit_change(&1, 89, 90);
		assert_eq!(EligibleCount::<Test>::get(), 2);
		Verification::on_left(&2);
		assert_eq!(DrawWeight::<Test>::get(2), 0);
		assert_eq!(MemberCount::<Test>::get(), 1);
		assert_eq!(EligibleCount::<Test>::get(), 1);
		Verification::on_joined(&2);
		assert_eq!(MemberCount::<Test>::get(), 2);
		assert_eq!(EligibleCount::<Test>::get(), 2);
	});
}

#[test]
fn draws_follow_the_weights() {
	// Five nodes, one validator per session (round(0.2 * 5) = 1): over many seeds each node
	// is drawn in proportion to its weight.
	let nodes = vec![(1, 100, 30), (2, 100, 0), (3, 95, 0), (4, 90, 0), (5, 80, 0)];
	ExtBuilder::default().nodes(nodes).build_and_execute(|| {
		assert_ok!(Verification::set_params(
			RuntimeOrigin::root(),
			DrawParams { ratio: Perbill::from_percent(20), threshold: 90 }
		));
		let weights: Vec<f64> =
			(1..=4).map(|w| DrawWeight::<Test>::get(w) as f64).collect();
		let total: f64 = weights.iter().sum();
		let mut counts = [0u32; 4];
		let sessions = 4000;
		for seed in 0..sessions {
			SEED.with(|s| *s.borrow_mut() = seed);
			run_to(System::block_number() + SESSION_LENGTH);
			let chosen = validators();
			assert_eq!(chosen.len(), 1);
			counts[chosen[0] as usize - 1] += 1;
		}
		for (i, count) in counts.iter().enumerate() {
			let expected = sessions as f64 * weights[i] / total;
			// Four standard deviations of a binomial count.
			let sd = (expected * (1.0 - weights[i] / total)).sqrt();
			assert!(
				(*count as f64 - expected).abs() < 4.0 * sd,
				"node {}: drawn {count} times, expected {expected:.0}",
				i + 1
			);
		}
		// Node 1's verification credit (streak 30) gives it more weight than node 2.
		assert!(weights[0] > weights[1]);
	});
}

/// The steps the pending draw has made: re-weighings, trials and nodes put back.
fn draw_progress() -> Option<u32> {
	crate::Draw::<Test>::get().map(|d| d.refreshed + d.trials + d.restored)
}

#[test]
fn a_draw_is_spread_over_blocks_and_the_old_set_serves_meanwhile() {
	ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
		STEPS.with(|s| *s.borrow_mut() = 2);
		let old = validators();
		assert_eq!(Session::<Test>::get(), 0);
		run_to(SESSION_LENGTH);
		// 3 serving validators to re-weigh, 2 of them in the first block.
		assert_eq!(crate::Draw::<Test>::get().map(|d| (d.to_refresh, d.refreshed)), Some((3, 2)));
		// Then 2 steps a block (at least 3 trials, 3 nodes put back, the installation) until
		// the new set takes office; the old one serves meanwhile.
		let mut blocks = 1;
		while let Some(before) = draw_progress() {
			assert_eq!(validators(), old);
			assert_eq!(Session::<Test>::get(), 0);
			Verification::do_try_state().unwrap();
			run_to(System::block_number() + 1);
			blocks += 1;
			if let Some(after) = draw_progress() {
				assert_eq!(after, before + 2, "two steps a block");
			}
		}
		assert!(blocks >= 5, "3 + 3 + 3 + 1 steps take 5 blocks at least, took {blocks}");
		assert_eq!(Session::<Test>::get(), 1);
		assert_eq!(validators().len(), 3);
		assert!(System::events().iter().any(|r| matches!(
			&r.event,
			RuntimeEvent::Verification(Event::ValidatorsChosen { session: 1, validators })
				if validators.len() == 3
		)));
		assert!(ValidatorsTotal::<Test>::get() > 0);
	});
}

#[test]
fn a_trial_takes_its_node_with_probability_weight_over_ceiling() {
	// Two eligible nodes, one of them drawn a session (round(0.2 * 5) = 1): node 1 at the
	// ceiling is taken by every trial that picks it, node 2 by 61.25 / 101.25 of them.
	let nodes = vec![(1, 100, 0), (2, 60, 0), (3, 50, 0), (4, 50, 0), (5, 50, 0)];
	ExtBuilder::default().nodes(nodes).build_and_execute(|| {
		assert_ok!(Verification::set_params(
			RuntimeOrigin::root(),
			DrawParams { ratio: Perbill::from_percent(20), threshold: 60 }
		));
		// The new threshold counts from a node's next re-weighing.
		Verification::on_credit_change(&2, 60, 60);
		let ceiling = crate::WeightCeiling::<Test>::get();
		assert_eq!(ceiling, DrawWeight::<Test>::get(1));
		let share = DrawWeight::<Test>::get(2) as f64 / ceiling as f64;
		STEPS.with(|s| *s.borrow_mut() = 1);
		let (mut trials, mut draws) = (0u32, 0u32);
		for seed in 0..2000 {
			SEED.with(|s| *s.borrow_mut() = seed);
			// One step a block: the last trial count seen is the draw's, as putting the
			// drawn node back and installing it take a block each.
			run_to((System::block_number() / SESSION_LENGTH + 1) * SESSION_LENGTH);
			let mut last = 0;
			while let Some(draw) = crate::Draw::<Test>::get() {
				last = draw.trials;
				run_to(System::block_number() + 1);
			}
			trials += last;
			draws += 1;
		}
		// A trial takes a node with probability p = (1 + share) / 2, so a draw takes 1 / p
		// trials on average (a geometric count, variance (1 - p) / p^2). Taking every node
		// picked would give 2,000; the test allows four standard deviations.
		let p = (1.0 + share) / 2.0;
		let expected = draws as f64 / p;
		let sd = (draws as f64 * (1.0 - p) / (p * p)).sqrt();
		assert!(
			(trials as f64 - expected).abs() < 4.0 * sd,
			"{trials} trials for {draws} draws, expected {expected:.0} (sd {sd:.1})"
		);
	});
}

#[test]
fn the_list_follows_eligibility_through_a_draw() {
	// One step a block, and every block some node's eligibility or membership changes: drawn
	// ones and not, during re-weighing, trials and putting back. The invariants (the list is
	// the eligible nodes, `UndrawnCount` those not drawn) hold after every block, and the drawn set
	// holds no node twice.
	ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
		STEPS.with(|s| *s.borrow_mut() = 1);
		for session in 0..6u64 {
			SEED.with(|s| *s.borrow_mut() = session);
			for block in 0..SESSION_LENGTH {
				let who = 1 + (session * 7 + block * 3) % 20;
				match block % 4 {
					0 => {
						set_credit(who, 89, 0);
						Verification::on_credit_change(&who, 95, 89);
					},
					1 => {
						set_credit(who, 95, 0);
						Verification::on_credit_change(&who, 89, 95);
					},
					2 => Verification::on_left(&who),
					_ => Verification::on_joined(&who),
				}
				run_to(System::block_number() + 1);
				Verification::do_try_state().unwrap();
			}
		}
		let chosen = validators();
		let mut unique = chosen.clone();
		unique.sort();
		unique.dedup();
		assert_eq!(unique.len(), chosen.len());
		assert!(!chosen.is_empty());
	});
}

#[test]
fn a_drawn_node_listed_again_is_not_drawn_twice() {
	// A drawn node ceases to be eligible and becomes eligible again before the draw ends:
	// it is listed again still drawn, and the draw takes the others.
	let nodes: Vec<_> = (1..=4).map(|i| (i, 95, 0)).collect();
	ExtBuilder::default().nodes(nodes).build_and_execute(|| {
		assert_ok!(Verification::set_params(
			RuntimeOrigin::root(),
			DrawParams { ratio: Perbill::from_percent(20), threshold: 90 }
		));
		// MaxValidators is 8: draw 4 of 4 (the ratio 100 % is beyond MODEL's, so set `wanted`).
		STEPS.with(|s| *s.borrow_mut() = 1);
		run_to(SESSION_LENGTH);
		crate::Draw::<Test>::mutate(|d| d.as_mut().unwrap().wanted = 4);
		while crate::Drawn::<Test>::iter_keys().next().is_none() {
			run_to(System::block_number() + 1);
		}
		let first = crate::Drawn::<Test>::iter_keys().next().unwrap();
		set_credit(first, 50, 0);
		Verification::on_credit_change(&first, 95, 50);
		Verification::do_try_state().unwrap();
		set_credit(first, 95, 0);
		Verification::on_credit_change(&first, 50, 95);
		Verification::do_try_state().unwrap();
		// The rest within this session (a draw not done by the next one is abandoned).
		STEPS.with(|s| *s.borrow_mut() = 100);
		while crate::Draw::<Test>::exists() {
			run_to(System::block_number() + 1);
			Verification::do_try_state().unwrap();
		}
		let mut chosen = validators();
		chosen.sort();
		assert_eq!(chosen, vec![1, 2, 3, 4]);
	});
}

#[test]
fn at_least_one_and_at_most_the_eligible() {
	ExtBuilder::default().nodes(vec![(1, 95, 0), (2, 50, 0)]).build_and_execute(|| {
		// round(0.15 * 2) = 0, raised to 1.
		assert_eq!(validators(), vec![1]);
	});
	ExtBuilder::default().nodes(vec![(1, 50, 0)]).build_and_execute(|| {
		// Nobody is eligible: no validators.
		assert!(validators().is_empty());
	});
}

#[test]
fn set_params_validates() {
	ExtBuilder::default().build_and_execute(|| {
		let ok = DrawParams { ratio: Perbill::from_percent(10), threshold: 80 };
		assert_noop!(Verification::set_params(RuntimeOrigin::signed(1), ok), DispatchError::BadOrigin);
		assert_noop!(
			Verification::set_params(
				RuntimeOrigin::root(),
				DrawParams { ratio: Perbill::from_percent(9), threshold: 80 }
			),
			Error::<Test>::RatioOutOfRange
		);
		assert_noop!(
			Verification::set_params(
				RuntimeOrigin::root(),
				DrawParams { ratio: Perbill::from_percent(21), threshold: 80 }
			),
			Error::<Test>::RatioOutOfRange
		);
		assert_noop!(
			Verification::set_params(
				RuntimeOrigin::root(),
				DrawParams { ratio: Perbill::from_percent(15), threshold: 0 }
			),
			Error::<Test>::ZeroThreshold
		);
		assert_ok!(Verification::set_params(RuntimeOrigin::root(), ok));
		assert_eq!(crate::Params::<Test>::get(), ok);
		assert_eq!(
			System::events().last().unwrap().event,
			RuntimeEvent::Verification(Event::ParamsSet { params: ok })
		);
	});
}

mod polls {
	use super::*;
	use crate::{Judgements, Polls, PreviousJudgements, PreviousValidators};
	use energy_primitives::{PendingVerifications, PollKind, StreakDelta, Verdict, Verifier};

	const RIGHT: StreakDelta = StreakDelta { reset: false, correct: 1 };
	const WRONG: StreakDelta = StreakDelta { reset: true, correct: 0 };

	fn judged() -> Vec<(u64, StreakDelta)> {
		let mut judged = JUDGED.with(|j| j.borrow().clone());
		judged.sort_by_key(|(who, _)| *who);
		judged
	}

	/// Run until the draw that started at `n` has installed its validators.
	fn finish_draw_from(n: u64) {
		run_to(n);
		while crate::Draw::<Test>::exists() {
			run_to(System::block_number() + 1);
		}
	}

	fn open(subject: u64, kind: PollKind) {
		assert_ok!(<Verification as Verifier>::open(subject, kind));
	}

	/// Three validators of the paper community, heaviest first.
	fn three() -> Vec<u64> {
		let mut v = Validators::<Test>::get().into_inner();
		v.sort_by(|a, b| b.1.cmp(&a.1));
		v.into_iter().map(|(a, _)| a).collect()
	}

	#[test]
	fn the_quorum_voters_are_the_fewest_heaviest_that_make_two_thirds() {
		let equal = |n: u64| (0..n).map(|i| (i, 10u128)).collect::<Vec<_>>();
		let count = |set: &[(u64, u128)]| Verification::quorum_voters(set).len();
		assert_eq!(count(&equal(3)), 2);
		assert_eq!(count(&equal(20)), 14);
		// ⌈2 × 256 / 3⌉ = 171 of 256 equal validators; 170 of 255 is exactly 2/3.
		assert_eq!(count(&equal(256)), 171);
		assert_eq!(count(&equal(255)), 170);
		// One heavy validator and three light ones: 5 of 8 is short of 2/3, 6 of 8 is not.
		assert_eq!(Verification::quorum_voters(&[(1, 1), (2, 5), (3, 1), (4, 1)]), vec![2, 1]);
		assert_eq!(Verification::quorum_voters(&[(1, 2), (2, 1)]), vec![1], "exactly 2/3");
		assert!(Verification::quorum_voters::<u64>(&[]).is_empty());
		assert_eq!(Verification::quorum_voters(&[(1, 0), (2, 0)]), vec![1, 2], "no weight");
		// The voters it names conclude a poll; one fewer does not.
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let voters = Verification::quorum_voters(&Validators::<Test>::get());
			assert_eq!(voters, three()[..2].to_vec());
			open(7, PollKind::Approval);
			let (last, first) = voters.split_last().expect("a validator");
			for who in first {
				let origin = RuntimeOrigin::signed(*who);
				assert_ok!(Verification::vote(origin, 7, PollKind::Approval, Verdict::Approve));
			}
			assert!(Polls::<Test>::contains_key(7, PollKind::Approval), "still open");
			let origin = RuntimeOrigin::signed(*last);
			assert_ok!(Verification::vote(origin, 7, PollKind::Approval, Verdict::Approve));
			assert!(!Polls::<Test>::contains_key(7, PollKind::Approval), "concluded");
		});
	}

	#[test]
	fn two_thirds_of_the_weight_concludes_and_judges_everyone() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			open(1, PollKind::Approval);
			assert_noop!(
				<Verification as Verifier>::open(1, PollKind::Approval),
				Error::<Test>::PollExists
			);
			// One vote of three (roughly equal weights) is not a quorum.
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve));
			assert!(Polls::<Test>::contains_key(1, PollKind::Approval));
			// The lightest disagrees: no verdict holds 2/3.
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[2]), 1, PollKind::Approval, Verdict::Reject));
			assert!(VERDICTS.with(|x| x.borrow().is_empty()));
			// The two heaviest together hold at least 2/3 of the weight.
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 1, PollKind::Approval, Verdict::Approve));
			assert_eq!(
				VERDICTS.with(|x| x.borrow().clone()),
				vec![(1, PollKind::Approval, Verdict::Approve)]
			);
			assert!(!Polls::<Test>::contains_key(1, PollKind::Approval));
			// Judged in the session's tally, no credit record written yet.
			assert_eq!(Verification::pending(&v[0]), RIGHT);
			assert_eq!(Verification::pending(&v[1]), RIGHT);
			assert_eq!(Verification::pending(&v[2]), WRONG);
			assert!(judged().is_empty());
		});
	}

	#[test]
	fn the_tally_reaches_the_records_at_the_second_draw_in_order() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			let streaks: Vec<u32> = v.iter().map(|w| recorded_streak(*w)).collect();
			// Two polls: v[0] right twice, v[1] wrong then right, v[2] missing twice.
			open(1, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[2]), 1, PollKind::Approval, Verdict::Approve));
			open(2, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 2, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 2, PollKind::Approval, Verdict::Approve));
			let expected = [
				StreakDelta { reset: false, correct: 2 },
				StreakDelta { reset: true, correct: 1 },
				StreakDelta { reset: true, correct: 0 },
			];
			for (who, delta) in v.iter().zip(expected) {
				assert_eq!(Verification::pending(who), delta);
			}
			// The next session's validators take office; the tally moves with its set.
			finish_draw_from(SESSION_LENGTH);
			assert_eq!(Session::<Test>::get(), 1);
			assert_eq!(PreviousJudgements::<Test>::get().len(), 3);
			assert!(Judgements::<Test>::get().is_empty());
			assert!(judged().is_empty());
			// Still pending, now in the previous tally, and still read by the credit pallet.
			for (who, delta) in v.iter().zip(expected) {
				assert_eq!(Verification::pending(who), delta);
			}
			// The draw after that writes the previous tally to the records, once each.
			finish_draw_from(2 * SESSION_LENGTH);
			// Session 1 judged no one: its tally, now the previous one, is empty.
			assert!(PreviousJudgements::<Test>::get().is_empty());
			let mut want: Vec<(u64, StreakDelta)> = v.iter().copied().zip(expected).collect();
			want.sort_by_key(|(who, _)| *who);
			assert_eq!(judged(), want);
			for ((who, delta), before) in v.iter().zip(expected).zip(streaks) {
				assert_eq!(recorded_streak(*who), delta.apply(before));
				assert_eq!(Verification::pending(who), StreakDelta::default());
				assert_eq!(DrawWeight::<Test>::get(who), Verification::weight_of(who));
			}
		});
	}

	#[test]
	fn a_removed_validator_takes_its_judgements_to_its_record() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			open(1, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 1, PollKind::Approval, Verdict::Approve));
			let before = recorded_streak(v[1]);
			assert!(<Verification as ValidatorSet<u64>>::remove_validator(&v[1]));
			assert_eq!(judged(), vec![(v[1], RIGHT)]);
			assert_eq!(recorded_streak(v[1]), before + 1);
			// The tally stays aligned with the set.
			assert_eq!(Judgements::<Test>::get().len(), 2);
			assert!(!validators().contains(&v[1]));
			for (i, who) in validators().iter().enumerate() {
				assert_eq!(Judgements::<Test>::get()[i], Verification::pending(who));
			}
			assert_eq!(Verification::pending(&v[0]), RIGHT);
			assert_eq!(Verification::pending(&v[2]), WRONG);
		});
	}

	#[test]
	fn judging_moves_streaks_and_the_next_draw_reweighs_the_judged() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			let before: Vec<u128> = v.iter().map(crate::DrawWeight::<Test>::get).collect();
			open(1, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 1, PollKind::Approval, Verdict::Approve));
			assert!(!Polls::<Test>::contains_key(1, PollKind::Approval));
			// The streaks moved (two up, the missing vote reset), the tree did not.
			let after: Vec<u128> = v.iter().map(crate::DrawWeight::<Test>::get).collect();
			assert_eq!(after, before);
			assert!(Verification::weight_of(&v[0]) > before[0]);
			assert!(Verification::weight_of(&v[1]) > before[1]);
			assert!(Verification::weight_of(&v[2]) <= before[2]);
			Verification::do_try_state().expect("invariants hold");
			// The next draw first brings the serving validators' weights up to date.
			run_to(SESSION_LENGTH);
			while crate::Draw::<Test>::exists() {
				run_to(System::block_number() + 1);
			}
			for who in &v {
				assert_eq!(crate::DrawWeight::<Test>::get(who), Verification::weight_of(who));
			}
			Verification::do_try_state().expect("invariants hold");
		});
	}

	#[test]
	fn a_vote_that_does_not_conclude_is_refunded_to_an_open_vote() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			open(1, PollKind::Approval);
			let open_vote =
				Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve)
					.expect("votes");
			assert_eq!(open_vote.actual_weight, Some(<() as crate::WeightInfo>::vote_open(3)));
			assert!(<() as crate::WeightInfo>::vote_open(3).ref_time() < <() as crate::WeightInfo>::vote(3).ref_time());
			// The concluding vote is charged in full.
			let concluding =
				Verification::vote(RuntimeOrigin::signed(v[1]), 1, PollKind::Approval, Verdict::Approve)
					.expect("votes");
			assert_eq!(concluding.actual_weight, None);
			assert!(!Polls::<Test>::contains_key(1, PollKind::Approval));
		});
	}

	#[test]
	fn a_vote_is_charged_for_the_session_validators_not_the_maximum() {
		use frame_support::{dispatch::GetDispatchInfo, traits::Get};
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			assert_eq!(Validators::<Test>::get().len(), 3);
			let call = crate::Call::<Test>::vote {
				subject: 1,
				kind: PollKind::Approval,
				verdict: Verdict::Approve,
			};
			let charged = call.get_dispatch_info().call_weight;
			assert_eq!(charged, <() as crate::WeightInfo>::vote(3));
			let max = <Test as crate::Config>::MaxValidators::get();
			assert!(charged.ref_time() < <() as crate::WeightInfo>::vote(max).ref_time());
		});
	}

	#[test]
	fn vote_errors_change_nothing() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			let outsider = (1..=20).find(|n| !v.contains(n)).unwrap();
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Approval, Verdict::Approve),
				Error::<Test>::PollNotFound
			);
			open(1, PollKind::Delivery);
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Delivery, Verdict::Approve),
				Error::<Test>::VerdictDoesNotFit
			);
			let q = Verdict::Quantities { delivered_wh: 80_000, consumed_wh: 75_000 };
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(outsider), 1, PollKind::Delivery, q),
				Error::<Test>::NotValidator
			);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Delivery, q));
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[0]), 1, PollKind::Delivery, q),
				Error::<Test>::AlreadyVoted
			);
			// After the deadline (5 blocks) voting is closed.
			run_to(System::block_number() + 6);
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[1]), 1, PollKind::Delivery, q),
				Error::<Test>::PollClosed
			);
		});
	}

	#[test]
	fn the_trading_center_decides_after_the_deadline() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			open(4, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 4, PollKind::Approval, Verdict::Reject));
			assert_noop!(
				Verification::decide(RuntimeOrigin::root(), 4, PollKind::Approval, Verdict::Approve),
				Error::<Test>::PollStillOpen
			);
			run_to(System::block_number() + 6);
			assert_noop!(
				Verification::decide(RuntimeOrigin::signed(v[0]), 4, PollKind::Approval, Verdict::Approve),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Verification::decide(
					RuntimeOrigin::root(),
					4,
					PollKind::Approval,
					Verdict::Quantities { delivered_wh: 1, consumed_wh: 1 }
				),
				Error::<Test>::VerdictDoesNotFit
			);
			// The market refusing the verdict leaves the poll in place.
			MARKET_FAILS.with(|f| *f.borrow_mut() = true);
			assert_noop!(
				Verification::decide(RuntimeOrigin::root(), 4, PollKind::Approval, Verdict::Approve),
				sp_runtime::DispatchError::Other("market refuses")
			);
			MARKET_FAILS.with(|f| *f.borrow_mut() = false);
			assert_ok!(Verification::decide(RuntimeOrigin::root(), 4, PollKind::Approval, Verdict::Approve));
			assert!(System::events().iter().any(|r| r.event ==
				RuntimeEvent::Verification(Event::PollConcluded {
					subject: 4,
					kind: PollKind::Approval,
					verdict: Verdict::Approve,
					by_trading_center: true,
				})));
			// The wrong vote and the two missing ones all reset their streaks (in the tally).
			for who in &v {
				assert_eq!(Verification::pending(who), WRONG);
			}
			assert!(judged().is_empty());
		});
	}

	#[test]
	fn a_poll_of_the_previous_session_judges_that_sessions_validators() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let old = three();
			open(5, PollKind::Approval);
			// A tally from the old session, still pending when the poll is decided.
			open(6, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(old[0]), 6, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(old[1]), 6, PollKind::Approval, Verdict::Approve));
			run_to(SESSION_LENGTH);
			assert_eq!(Session::<Test>::get(), 1);
			assert_eq!(
				PreviousValidators::<Test>::get().len(),
				3,
				"the old set is kept for judging"
			);
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(old[0]), 5, PollKind::Approval, Verdict::Approve),
				Error::<Test>::PollClosed
			);
			assert_ok!(Verification::decide(RuntimeOrigin::root(), 5, PollKind::Approval, Verdict::Reject));
			// Written at once, after what was pending for them: nobody voted, all are reset.
			let mut expected: Vec<_> = old.iter().map(|who| (*who, WRONG)).collect();
			expected.sort_by_key(|(who, _)| *who);
			assert_eq!(judged(), expected);
			for who in &old {
				assert_eq!(recorded_streak(*who), 0);
				assert_eq!(Verification::pending(who), StreakDelta::default());
			}
		});
	}

	#[test]
	fn cancel_removes_the_poll() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			open(9, PollKind::Approval);
			<Verification as Verifier>::cancel(9, PollKind::Approval);
			assert!(!Polls::<Test>::contains_key(9, PollKind::Approval));
			assert_eq!(
				System::events().last().unwrap().event,
				RuntimeEvent::Verification(Event::PollCancelled { subject: 9, kind: PollKind::Approval })
			);
		});
	}

	/// The polls, the verdicts the market was told and the tally after `votes` (validator
	/// index, subject, verdict) on approval polls 1 to 3, cast one call each with `vote`, or
	/// with one `vote_many` per validator, in order.
	fn polls_after(votes: &[(usize, u64, Verdict)], batched: bool) -> (Vec<u64>, Vec<(u64, PollKind, Verdict)>, Vec<StreakDelta>) {
		let mut out = None;
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			for subject in 1..=3 {
				open(subject, PollKind::Approval);
			}
			if batched {
				let mut i = 0;
				while i < votes.len() {
					let who = votes[i].0;
					let mine: Vec<(u64, Verdict)> = votes[i..]
						.iter()
						.take_while(|(w, _, _)| *w == who)
						.map(|(_, s, verdict)| (*s, *verdict))
						.collect();
					i += mine.len();
					assert_ok!(Verification::vote_many(
						RuntimeOrigin::signed(v[who]),
						PollKind::Approval,
						mine.try_into().unwrap()
					));
				}
			} else {
				for (who, subject, verdict) in votes {
					assert_ok!(Verification::vote(RuntimeOrigin::signed(v[*who]), *subject, PollKind::Approval, *verdict));
				}
			}
			let open: Vec<u64> = (1..=3).filter(|s| Polls::<Test>::contains_key(s, PollKind::Approval)).collect();
			out = Some((open, VERDICTS.with(|x| x.borrow().clone()), Judgements::<Test>::get().into_inner()));
			Verification::do_try_state().expect("invariants hold");
		});
		out.unwrap()
	}

	#[test]
	fn vote_many_does_what_the_votes_do_one_by_one() {
		use Verdict::{Approve, Reject};
		let votes = [
			(0, 1, Approve),
			(0, 2, Approve),
			(0, 3, Reject),
			(1, 1, Approve),
			(1, 2, Reject),
			(1, 3, Reject),
		];
		let (open, verdicts, tally) = polls_after(&votes, true);
		assert_eq!((open.clone(), verdicts.clone(), tally.clone()), polls_after(&votes, false));
		// Polls 1 and 3 reached 2/3, poll 2 is split.
		assert_eq!(open, vec![2]);
		assert_eq!(verdicts, vec![(1, PollKind::Approval, Approve), (3, PollKind::Approval, Reject)]);
		// The two voters were right twice; the third missed both.
		let expected = StreakDelta { reset: false, correct: 2 };
		assert_eq!(tally.iter().filter(|d| **d == expected).count(), 2);
		assert_eq!(tally.iter().filter(|d| **d == StreakDelta { reset: true, correct: 0 }).count(), 1);
	}

	#[test]
	fn vote_many_skips_what_vote_refuses_and_keeps_the_rest() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			open(1, PollKind::Approval);
			open(2, PollKind::Approval);
			open(3, PollKind::Approval);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 2, PollKind::Approval, Verdict::Approve));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 3, PollKind::Approval, Verdict::Approve));
			System::reset_events();
			// Poll 9 does not exist, v[1] has voted on poll 3 already; poll 2 concludes, but
			// the market refuses the verdict, so the vote is undone.
			MARKET_FAILS.with(|f| *f.borrow_mut() = true);
			let votes = vec![(9, Verdict::Approve), (3, Verdict::Approve), (2, Verdict::Approve), (1, Verdict::Approve)];
			let info = Verification::vote_many(RuntimeOrigin::signed(v[1]), PollKind::Approval, votes.try_into().unwrap())
				.expect("the call succeeds");
			let skipped: Vec<(u64, DispatchError)> = System::events()
				.into_iter()
				.filter_map(|r| match r.event {
					RuntimeEvent::Verification(Event::VoteSkipped { subject, who, error, .. }) => {
						assert_eq!(who, v[1]);
						Some((subject, error))
					},
					_ => None,
				})
				.collect();
			assert_eq!(
				skipped,
				vec![
					(9, Error::<Test>::PollNotFound.into()),
					(3, Error::<Test>::AlreadyVoted.into()),
					// An `Other` error's text does not survive the event's encoding.
					(2, DispatchError::Other("")),
				]
				.into_iter()
				.map(|(s, e): (u64, DispatchError)| (s, e.stripped()))
				.collect::<Vec<_>>(),
				"events carry the errors without their messages"
			);
			// Poll 2 is as it was, poll 1 has the vote.
			assert_eq!(Polls::<Test>::get(2, PollKind::Approval).unwrap().votes.len(), 1);
			let poll = Polls::<Test>::get(1, PollKind::Approval).unwrap();
			assert_eq!(poll.votes.iter().map(|(w, _, _)| *w).collect::<Vec<_>>(), vec![v[1]]);
			assert!(Judgements::<Test>::get().iter().all(|d| d.is_empty()));
			// One vote left its poll open; the three skipped are charged as concluding.
			assert_eq!(info.actual_weight, Some(Verification::vote_many_weight(PollKind::Approval, 4, 1)));
			// After the deadline the polls are closed to it as well.
			MARKET_FAILS.with(|f| *f.borrow_mut() = false);
			run_to(System::block_number() + 6);
			System::reset_events();
			let votes = vec![(1, Verdict::Approve)];
			assert_ok!(Verification::vote_many(RuntimeOrigin::signed(v[0]), PollKind::Approval, votes.try_into().unwrap()));
			assert!(System::events().iter().any(|r| matches!(
				&r.event,
				RuntimeEvent::Verification(Event::VoteSkipped { subject: 1, error, .. })
					if *error == DispatchError::from(Error::<Test>::PollClosed).stripped()
			)));
		});
	}

	#[test]
	fn vote_many_errors_change_nothing() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			let outsider = (1..=20).find(|n| !v.contains(n)).unwrap();
			open(1, PollKind::Approval);
			let votes = |list: Vec<(u64, Verdict)>| list.try_into().unwrap();
			assert_noop!(
				Verification::vote_many(RuntimeOrigin::signed(outsider), PollKind::Approval, votes(vec![(1, Verdict::Approve)])),
				Error::<Test>::NotValidator
			);
			let q = Verdict::Quantities { delivered_wh: 1, consumed_wh: 1 };
			assert_noop!(
				Verification::vote_many(RuntimeOrigin::signed(v[0]), PollKind::Approval, votes(vec![(1, Verdict::Approve), (1, q)])),
				Error::<Test>::VerdictDoesNotFit
			);
		});
	}

	#[test]
	fn vote_many_is_charged_as_concluding_and_refunded_for_open_polls() {
		use crate::WeightInfo as _;
		use frame_support::{dispatch::GetDispatchInfo, traits::Get};
		type W = <Test as crate::Config>::WeightInfo;
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			let weight = Verification::vote_many_weight;
			// One vote costs what `vote` does; a full call what its benchmark measured (up to
			// the rounding of the per-vote share).
			let full = <Test as crate::Config>::MaxVotesPerCall::get();
			for (kind, one, all) in [
				(PollKind::Approval, W::vote(3), W::vote_many(3)),
				(PollKind::Delivery, W::vote_delivery(3), W::vote_many_delivery(3)),
			] {
				assert_eq!(weight(kind, 1, 0), one);
				assert_eq!(weight(kind, 1, 1), W::vote_open(3));
				let charged = weight(kind, full, 0);
				assert!(charged.all_lte(all) && all.ref_time() - charged.ref_time() < full.into());
				// Open votes cost less than concluding ones.
				assert!(weight(kind, full, 1).ref_time() < charged.ref_time());
			}
			open(1, PollKind::Approval);
			open(2, PollKind::Approval);
			let votes: frame_support::BoundedVec<_, _> =
				vec![(1, Verdict::Approve), (2, Verdict::Approve)].try_into().unwrap();
			let call = crate::Call::<Test>::vote_many { kind: PollKind::Approval, votes: votes.clone() };
			assert_eq!(call.get_dispatch_info().call_weight, weight(PollKind::Approval, 2, 0));
			let info = Verification::vote_many(RuntimeOrigin::signed(v[0]), PollKind::Approval, votes.clone()).unwrap();
			assert_eq!(info.actual_weight, Some(weight(PollKind::Approval, 2, 2)));
			// The second validator's votes conclude both polls: charged in full.
			let info = Verification::vote_many(RuntimeOrigin::signed(v[1]), PollKind::Approval, votes).unwrap();
			assert_eq!(info.actual_weight, Some(call.get_dispatch_info().call_weight));
			assert!(!Polls::<Test>::contains_key(1, PollKind::Approval));
			assert!(!Polls::<Test>::contains_key(2, PollKind::Approval));
		});
	}
}

mod batches {
	use super::*;
	use crate::{
		BatchFill, BatchLists, BatchRef, BatchSubjects, Batches, BlockFill, Judgements, Polls,
		PreviousValidators, SessionStarts,
	};
	use energy_primitives::{PendingVerifications, PollKind, StreakDelta, Verdict, Verifier};
	use frame_support::{
		dispatch::GetDispatchInfo,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		BoundedVec,
	};
	use Verdict::{Approve as A, Reject as R};

	const APPROVAL: PollKind = PollKind::Approval;
	const WRONG: StreakDelta = StreakDelta { reset: true, correct: 0 };

	/// A community whose polls open in batches (three per batch in the mock).
	fn batched(test: impl FnOnce()) {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			crate::BatchedPolls::<Test>::put(true);
			test()
		});
	}

	/// The three validators, given weights 40, 40 and 20: only sets with both of the first
	/// two hold 2/3 of the weight.
	fn three() -> Vec<u64> {
		let v: Vec<u64> = Validators::<Test>::get().iter().map(|(a, _)| *a).collect();
		assert_eq!(v.len(), 3);
		let weights = [40, 40, 20];
		Validators::<Test>::put(BoundedVec::truncate_from(
			v.iter().copied().zip(weights).collect::<Vec<_>>(),
		));
		ValidatorsTotal::<Test>::put(100);
		v
	}

	fn open(subject: u64) {
		assert_ok!(<Verification as Verifier>::open(subject, APPROVAL));
	}

	fn list(verdicts: &[Verdict]) -> BoundedVec<Verdict, <Test as crate::Config>::MaxBatchPolls> {
		verdicts.to_vec().try_into().unwrap()
	}

	fn vote(who: u64, batch: (u64, u32), verdicts: &[Verdict]) -> sp_runtime::DispatchResultWithInfo<frame_support::dispatch::PostDispatchInfo> {
		Verification::vote_batch(RuntimeOrigin::signed(who), APPROVAL, batch, list(verdicts))
	}

	/// Nothing of any batch is stored.
	fn no_batch_left() {
		assert!(Batches::<Test>::iter().next().is_none());
		assert!(BatchSubjects::<Test>::iter().next().is_none());
		assert!(BatchLists::<Test>::iter().next().is_none());
	}

	fn verdicts() -> Vec<(u64, PollKind, Verdict)> {
		VERDICTS.with(|v| v.borrow().clone())
	}

	#[test]
	fn polls_of_a_block_form_batches_of_at_most_max_batch_polls() {
		batched(|| {
			for subject in 1..=4 {
				open(subject);
			}
			assert_ok!(<Verification as Verifier>::open(9, PollKind::Delivery));
			let place = |subject, kind| Polls::<Test>::get(subject, kind).unwrap().batch.unwrap();
			for (subject, index) in [(1, 0), (2, 1), (3, 2)] {
				assert_eq!(place(subject, APPROVAL), BatchRef { opened: 1, page: 0, index });
			}
			// The mock's batches hold three polls: the fourth starts the block's second.
			assert_eq!(place(4, APPROVAL), BatchRef { opened: 1, page: 1, index: 0 });
			// Each kind has its own.
			assert_eq!(place(9, PollKind::Delivery), BatchRef { opened: 1, page: 0, index: 0 });
			assert_eq!(Verification::batch_polls(APPROVAL, (1, 0)), vec![1, 2, 3]);
			assert_eq!(Verification::batch_polls(APPROVAL, (1, 1)), vec![4]);
			assert_eq!(Verification::batch_polls(APPROVAL, (1, 2)), Vec::<u64>::new());
			// A list for each batch, and the block's count; no tally before the first vote.
			assert_eq!(BatchSubjects::<Test>::iter().count(), 3);
			let fill = BlockFill { block: 1, approval: 4, delivery: 1 };
			assert_eq!(BatchFill::<Test>::get(), Some(fill));
			assert!(Batches::<Test>::iter().next().is_none());
			assert!(System::events().iter().any(|r| r.event ==
				RuntimeEvent::Verification(Event::BatchOpened {
					kind: APPROVAL,
					batch: (1, 1),
					session: 0,
					deadline: 6,
				})));
			// The count goes at the end of the block; a new block starts a new batch.
			Verification::on_finalize(1);
			assert_eq!(BatchFill::<Test>::get(), None);
			run_to(2);
			open(5);
			assert_eq!(place(5, APPROVAL), BatchRef { opened: 2, page: 0, index: 0 });
			// A count left from an earlier block (by a poll opened after the end of it) is
			// not this block's.
			BatchFill::<Test>::put(BlockFill { block: 2, approval: 7, delivery: 0 });
			run_to(3);
			open(6);
			assert_eq!(place(6, APPROVAL), BatchRef { opened: 3, page: 0, index: 0 });
		});
	}

	#[test]
	fn polls_open_one_by_one_unless_batched() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			open(1);
			assert_eq!(Polls::<Test>::get(1, APPROVAL).unwrap().batch, None);
			assert!(BatchSubjects::<Test>::iter().next().is_none());
			assert_eq!(BatchFill::<Test>::get(), None);
		});
	}

	#[test]
	fn the_trading_center_switches_batches_on_and_off() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			assert_noop!(
				Verification::set_batched_polls(RuntimeOrigin::signed(v[0]), true),
				DispatchError::BadOrigin
			);
			open(1);
			// Callers charge what a batch adds to an open only while polls open in batches.
			let extra = <Verification as Verifier>::open_extra_weight;
			assert_eq!(extra(), frame_support::weights::Weight::zero());
			assert_ok!(Verification::set_batched_polls(RuntimeOrigin::root(), true));
			assert!(extra().ref_time() > 0);
			assert_eq!(
				System::events().last().unwrap().event,
				RuntimeEvent::Verification(Event::BatchedPollsSet { on: true })
			);
			open(2);
			assert_ok!(Verification::set_batched_polls(RuntimeOrigin::root(), false));
			open(3);
			// Each poll keeps the way it opened with.
			let batch = |subject| Polls::<Test>::get(subject, APPROVAL).unwrap().batch;
			assert_eq!(batch(1), None);
			assert_eq!(batch(2), Some(BatchRef { opened: 1, page: 0, index: 0 }));
			assert_eq!(batch(3), None);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, APPROVAL, A));
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[0]), 2, APPROVAL, A),
				Error::<Test>::PollInBatch
			);
			// A batch takes votes from the block after it opened, when all its polls are in.
			assert_noop!(vote(v[0], (1, 0), &[A]), Error::<Test>::BatchStillFilling);
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A]));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 3, APPROVAL, A));
		});
	}

	#[test]
	fn a_batched_poll_takes_no_single_votes_or_decisions() {
		batched(|| {
			let v = three();
			open(1);
			assert_noop!(
				Verification::vote(RuntimeOrigin::signed(v[0]), 1, APPROVAL, A),
				Error::<Test>::PollInBatch
			);
			run_to(10);
			assert_noop!(
				Verification::decide(RuntimeOrigin::root(), 1, APPROVAL, A),
				Error::<Test>::PollInBatch
			);
		});
	}

	#[test]
	fn vote_batch_rejects_bad_votes_with_nothing_changed() {
		batched(|| {
			let v = three();
			open(1);
			open(2);
			let outsider = (1..=20).find(|n| !v.contains(n)).unwrap();
			assert_noop!(vote(v[0], (1, 0), &[A, A]), Error::<Test>::BatchStillFilling);
			run_to(2);
			assert_noop!(
				Verification::vote_batch(
					RuntimeOrigin::signed(v[0]),
					PollKind::Delivery,
					(1, 0),
					list(&[A, A])
				),
				Error::<Test>::VerdictDoesNotFit
			);
			assert_noop!(vote(outsider, (1, 0), &[A, A]), Error::<Test>::NotValidator);
			assert_noop!(vote(v[0], (1, 1), &[A, A]), Error::<Test>::BatchNotFound);
			assert_noop!(vote(v[0], (1, 0), &[A]), Error::<Test>::WrongBatchLength);
			assert_noop!(vote(v[0], (1, 0), &[A, A, A]), Error::<Test>::WrongBatchLength);
			assert_ok!(vote(v[0], (1, 0), &[A, A]));
			assert_noop!(vote(v[0], (1, 0), &[A, R]), Error::<Test>::AlreadyVoted);
			// After the deadline (block 6).
			run_to(7);
			assert_noop!(vote(v[1], (1, 0), &[A, A]), Error::<Test>::PollClosed);
			assert_noop!(
				Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 0), list(&[A])),
				Error::<Test>::WrongBatchLength
			);
		});
	}

	#[test]
	fn decide_batch_waits_for_the_deadline_and_the_trading_center() {
		batched(|| {
			let v = three();
			open(1);
			assert_noop!(
				Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 0), list(&[A])),
				Error::<Test>::BatchStillFilling
			);
			run_to(2);
			assert_noop!(
				Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 0), list(&[A])),
				Error::<Test>::PollStillOpen
			);
			assert_noop!(
				Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 1), list(&[A])),
				Error::<Test>::BatchNotFound
			);
			run_to(7);
			assert_noop!(
				Verification::decide_batch(RuntimeOrigin::signed(v[0]), APPROVAL, (1, 0), list(&[A])),
				DispatchError::BadOrigin
			);
			assert_noop!(
				Verification::decide_batch(
					RuntimeOrigin::root(),
					APPROVAL,
					(1, 0),
					list(&[Verdict::Quantities { delivered_wh: 1, consumed_wh: 1 }])
				),
				Error::<Test>::VerdictDoesNotFit
			);
		});
	}

	#[test]
	fn a_list_with_two_thirds_concludes_the_batch_and_judges_poll_by_poll() {
		batched(|| {
			let v = three();
			for subject in 1..=3 {
				open(subject);
			}
			// Poll 2 goes away before the vote: its verdict is ignored.
			<Verification as Verifier>::cancel(2, APPROVAL);
			run_to(2);
			// The lightest votes another list: no quorum.
			let info = vote(v[2], (1, 0), &[A, A, R]).unwrap();
			assert_eq!(
				info.actual_weight,
				Some(Verification::vote_batch_weight(APPROVAL, 3, false))
			);
			assert!(verdicts().is_empty());
			let stored = Batches::<Test>::get(APPROVAL, (1, 0)).unwrap();
			assert_eq!(stored.votes.into_inner(), vec![(v[2], 0)]);
			assert_eq!(BatchLists::<Test>::iter().count(), 1);
			// The heaviest votes the concluding list: still short of 2/3.
			assert_ok!(vote(v[0], (1, 0), &[A, R, A]));
			assert!(verdicts().is_empty());
			// The second heaviest agrees: 2/3 of the weight, the batch concludes.
			let call = crate::Call::<Test>::vote_batch {
				kind: APPROVAL,
				batch: (1, 0),
				verdicts: list(&[A, R, A]),
			};
			let info = vote(v[1], (1, 0), &[A, R, A]).unwrap();
			assert_eq!(
				info.actual_weight,
				Some(Verification::vote_batch_weight(APPROVAL, 3, true)),
				"the concluding vote is charged for concluding, not for comparing lists"
			);
			assert_eq!(
				call.get_dispatch_info().call_weight,
				Verification::vote_batch_declared_weight(APPROVAL, 3)
			);
			assert_eq!(verdicts(), vec![(1, APPROVAL, A), (3, APPROVAL, A)]);
			for subject in 1..=3 {
				assert!(!Polls::<Test>::contains_key(subject, APPROVAL));
			}
			// v[0] and v[1] were right twice; v[2] right on 1, wrong on 3.
			assert_eq!(Verification::pending(&v[0]), StreakDelta { reset: false, correct: 2 });
			assert_eq!(Verification::pending(&v[1]), StreakDelta { reset: false, correct: 2 });
			assert_eq!(Verification::pending(&v[2]), WRONG);
			// Nothing of the batch is left.
			no_batch_left();
			assert!(System::events().iter().any(|r| r.event ==
				RuntimeEvent::Verification(Event::BatchConcluded {
					kind: APPROVAL,
					batch: (1, 0),
					concluded: 2,
					by_trading_center: false,
				})));
			// A late vote finds no batch.
			assert_noop!(vote(v[2], (1, 0), &[A, R, A]), Error::<Test>::BatchNotFound);
		});
	}

	#[test]
	fn a_poll_cancelled_and_opened_again_takes_the_verdict_at_its_new_place() {
		batched(|| {
			let v = three();
			open(1);
			<Verification as Verifier>::cancel(1, APPROVAL);
			open(1);
			assert_eq!(
				Polls::<Test>::get(1, APPROVAL).unwrap().batch,
				Some(BatchRef { opened: 1, page: 0, index: 1 })
			);
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A, R]));
			assert_ok!(vote(v[1], (1, 0), &[A, R]));
			assert_eq!(verdicts(), vec![(1, APPROVAL, R)]);
		});
	}

	#[test]
	fn a_concluded_batch_leaves_the_other_batches_of_its_block_open() {
		batched(|| {
			let v = three();
			for subject in 1..=4 {
				open(subject);
			}
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A, A, A]));
			assert_ok!(vote(v[1], (1, 0), &[A, A, A]));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A), (2, APPROVAL, A), (3, APPROVAL, A)]);
			// The first batch is gone; the second stays.
			assert!(!BatchSubjects::<Test>::contains_key(APPROVAL, (1, 0)));
			assert_eq!(Verification::batch_polls(APPROVAL, (1, 0)), Vec::<u64>::new());
			assert_noop!(vote(v[2], (1, 0), &[A, A, A]), Error::<Test>::BatchNotFound);
			assert_eq!(Verification::batch_polls(APPROVAL, (1, 1)), vec![4]);
			assert_ok!(vote(v[0], (1, 1), &[R]));
			assert_ok!(vote(v[1], (1, 1), &[R]));
			assert_eq!(verdicts().last(), Some(&(4, APPROVAL, R)));
			no_batch_left();
		});
	}

	/// Polls over two blocks, some cancelled and opened again (in their block or a later
	/// one): each takes the next place of its block, and each batch vote concludes every
	/// poll at its place once, with the verdict at that place.
	#[test]
	fn batches_over_blocks_conclude_each_poll_once_at_its_place() {
		batched(|| {
			let v = three();
			let verdict = |subject: u64| if subject % 2 == 0 { A } else { R };
			let flip = |verdict: Verdict| if verdict == A { R } else { A };
			for subject in 1..=7 {
				open(subject);
			}
			<Verification as Verifier>::cancel(2, APPROVAL);
			<Verification as Verifier>::cancel(5, APPROVAL);
			open(2);
			assert_ok!(Verification::do_try_state());
			Verification::on_finalize(1);
			run_to(2);
			for subject in [8, 9, 10, 5] {
				open(subject);
			}
			assert_ok!(Verification::do_try_state());
			Verification::on_finalize(2);
			run_to(3);
			let batches = [
				((1, 0), vec![1, 2, 3]),
				((1, 1), vec![4, 5, 6]),
				((1, 2), vec![7, 2]),
				((2, 0), vec![8, 9, 10]),
				((2, 1), vec![5]),
			];
			for (batch, subjects) in &batches {
				assert_eq!(&Verification::batch_polls(APPROVAL, *batch), subjects);
			}
			assert_eq!(BatchSubjects::<Test>::iter().count(), batches.len());
			for (batch, subjects) in &batches {
				// A cancelled place gets the other verdict: it must not count.
				let list: Vec<Verdict> = subjects
					.iter()
					.enumerate()
					.map(|(index, subject)| {
						let place = Polls::<Test>::get(subject, APPROVAL).and_then(|p| p.batch);
						let here = BatchRef { opened: batch.0, page: batch.1, index: index as u32 };
						let right = verdict(*subject);
						if place == Some(here) { right } else { flip(right) }
					})
					.collect();
				assert_ok!(vote(v[0], *batch, &list));
				assert_ok!(vote(v[1], *batch, &list));
				assert_ok!(Verification::do_try_state());
			}
			let mut concluded = verdicts();
			concluded.sort_by_key(|(subject, _, _)| *subject);
			let expected: Vec<_> = (1..=10).map(|s| (s, APPROVAL, verdict(s))).collect();
			assert_eq!(concluded, expected);
			assert!(Polls::<Test>::iter().next().is_none());
			no_batch_left();
		});
	}

	/// No list has 2/3 of the weight, but 2/3 of the weight has voted: each poll the lists
	/// agree on by 2/3 concludes (MODEL §3.4); the one they split on stays in its batch for
	/// later votes and, after the deadline, the trading center.
	#[test]
	fn lists_that_differ_conclude_the_polls_two_thirds_agree_on() {
		batched(|| {
			let v = three();
			for subject in 1..=3 {
				open(subject);
			}
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A, A, R]));
			assert!(verdicts().is_empty());
			let info = vote(v[1], (1, 0), &[A, R, R]).unwrap();
			let agreed = Verification::vote_batch_agreed_weight(APPROVAL, 3);
			assert_eq!(info.actual_weight, Some(agreed));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A), (3, APPROVAL, R)]);
			let place = BatchRef { opened: 1, page: 0, index: 1 };
			assert_eq!(Polls::<Test>::get(2, APPROVAL).unwrap().batch, Some(place));
			assert!(Batches::<Test>::contains_key(APPROVAL, (1, 0)));
			// Judged on polls 1 and 3: both voters right twice, the lightest (no vote) wrong.
			let right_twice = StreakDelta { reset: false, correct: 2 };
			assert_eq!(Verification::pending(&v[0]), right_twice);
			assert_eq!(Verification::pending(&v[1]), right_twice);
			assert_eq!(Verification::pending(&v[2]), WRONG);
			assert_ok!(Verification::do_try_state());
			// The lightest backs the heaviest on poll 2: 60 of 100, still short.
			assert_ok!(vote(v[2], (1, 0), &[A, A, R]));
			assert_eq!(verdicts().len(), 2);
			// After the deadline the trading center decides it.
			run_to(7);
			assert_ok!(Verification::decide_batch(
				RuntimeOrigin::root(),
				APPROVAL,
				(1, 0),
				list(&[R, R, R])
			));
			assert_eq!(verdicts().last(), Some(&(2, APPROVAL, R)));
			no_batch_left();
		});
	}

	/// Delivery lists that differ conclude the attestations 2/3 agree on, and the vote is
	/// charged the comparison of delivery lists, not of approvals.
	#[test]
	fn delivery_lists_that_differ_conclude_the_attestations_two_thirds_agree_on() {
		batched(|| {
			const DELIVERY: PollKind = PollKind::Delivery;
			let q = |delivered_wh| Verdict::Quantities { delivered_wh, consumed_wh: 900 };
			let v = three();
			for subject in 1..=3 {
				assert_ok!(<Verification as Verifier>::open(subject, DELIVERY));
			}
			run_to(2);
			let vote = |who, verdicts: &[Verdict]| {
				let origin = RuntimeOrigin::signed(who);
				Verification::vote_batch(origin, DELIVERY, (1, 0), list(verdicts))
			};
			assert_ok!(vote(v[0], &[q(1_000), q(1_000), q(1_000)]));
			let info = vote(v[1], &[q(1_000), q(1_100), q(1_000)]).unwrap();
			let agreed = Verification::vote_batch_agreed_weight(DELIVERY, 3);
			assert_ne!(agreed, Verification::vote_batch_agreed_weight(APPROVAL, 3));
			assert_eq!(info.actual_weight, Some(agreed));
			assert_eq!(verdicts(), vec![(1, DELIVERY, q(1_000)), (3, DELIVERY, q(1_000))]);
			assert!(Polls::<Test>::contains_key(2, DELIVERY));
			assert!(Batches::<Test>::contains_key(DELIVERY, (1, 0)));
			let right_twice = StreakDelta { reset: false, correct: 2 };
			assert_eq!(Verification::pending(&v[0]), right_twice);
			assert_eq!(Verification::pending(&v[1]), right_twice);
			assert_eq!(Verification::pending(&v[2]), WRONG);
			assert_ok!(Verification::do_try_state());
		});
	}

	/// Lists that differ only where a poll was cancelled agree on every poll left: the batch
	/// concludes and goes.
	#[test]
	fn lists_that_differ_only_on_a_cancelled_poll_conclude_the_batch() {
		batched(|| {
			let v = three();
			for subject in 1..=3 {
				open(subject);
			}
			<Verification as Verifier>::cancel(2, APPROVAL);
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A, A, R]));
			assert_ok!(vote(v[1], (1, 0), &[A, R, R]));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A), (3, APPROVAL, R)]);
			no_batch_left();
			assert!(System::events().iter().any(|r| r.event ==
				RuntimeEvent::Verification(Event::BatchConcluded {
					kind: APPROVAL,
					batch: (1, 0),
					concluded: 2,
					by_trading_center: false,
				})));
			assert_ok!(Verification::do_try_state());
		});
	}

	/// Judging a batch equals judging its polls one by one (MODEL §5): the tally after a batch
	/// of polls 1 to 3 with the validators' lists `lists` (None: no vote), concluded by the
	/// lists in order, against the same votes cast on single polls.
	#[test]
	fn a_batch_judges_as_its_polls_would_one_by_one() {
		let cases: [[Option<[Verdict; 3]>; 3]; 7] = [
			[Some([A, A, R]), Some([A, A, R]), None],
			[Some([A, R, R]), Some([A, R, R]), Some([R, R, A])],
			[Some([R, A, A]), Some([R, A, A]), Some([R, A, R])],
			[Some([A, A, A]), Some([A, A, A]), Some([A, A, A])],
			// No list with 2/3: the polls 2/3 agree on conclude, the others stay open.
			[Some([A, A, R]), Some([A, R, R]), None],
			[Some([A, A, R]), Some([A, R, R]), Some([R, R, A])],
			[Some([A, R, A]), Some([A, A, R]), Some([A, A, A])],
		];
		for lists in cases {
			let run = |batched: bool| {
				let mut out = None;
				ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
					crate::BatchedPolls::<Test>::put(batched);
					let v = three();
					for subject in 1..=3 {
						open(subject);
					}
					run_to(2);
					// The lightest first, so the heaviest two conclude.
					for who in [2, 0, 1] {
						let Some(verdicts) = lists[who] else { continue };
						if batched {
							assert_ok!(vote(v[who], (1, 0), &verdicts));
						} else {
							for (subject, verdict) in (1..=3).zip(verdicts) {
								// A poll already concluded takes no more votes.
								let _ = Verification::vote(
									RuntimeOrigin::signed(v[who]),
									subject,
									APPROVAL,
									verdict,
								);
							}
						}
					}
					let tally: Vec<_> = v.iter().map(|who| Verification::pending(who)).collect();
					out = Some((verdicts(), tally));
				});
				out.unwrap()
			};
			assert_eq!(run(true), run(false), "lists {lists:?}");
		}
	}

	#[test]
	fn a_verdict_the_market_refuses_leaves_its_poll_out_of_the_batch() {
		batched(|| {
			let v = three();
			open(1);
			run_to(2);
			assert_ok!(vote(v[0], (1, 0), &[A]));
			MARKET_FAILS.with(|f| *f.borrow_mut() = true);
			assert_ok!(vote(v[1], (1, 0), &[A]));
			// Still open, now on its own, with nothing of the verdict kept.
			let poll = Polls::<Test>::get(1, APPROVAL).unwrap();
			assert_eq!(poll.batch, None);
			assert!(poll.votes.is_empty());
			assert!(verdicts().is_empty());
			// (An `Other` error's text is not stored.)
			assert!(System::events().iter().any(|r| matches!(r.event,
				RuntimeEvent::Verification(Event::PollUnbatched {
					subject: 1,
					kind: APPROVAL,
					error: DispatchError::Other(_),
				}))));
			// No poll concluded: no one is judged.
			for who in &v {
				assert_eq!(Verification::pending(who), StreakDelta::default());
			}
			// It takes single votes now.
			MARKET_FAILS.with(|f| *f.borrow_mut() = false);
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 1, APPROVAL, A));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 1, APPROVAL, A));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A)]);
		});
	}

	#[test]
	fn the_trading_center_decides_a_batch_of_the_previous_session() {
		batched(|| {
			let old = three();
			open(1);
			open(2);
			// One vote, no quorum by the end of the session.
			run_to(2);
			assert_ok!(vote(old[0], (1, 0), &[A, R]));
			run_to(SESSION_LENGTH);
			assert_eq!(Session::<Test>::get(), 1);
			assert_eq!(PreviousValidators::<Test>::get().len(), 3);
			let serving = Validators::<Test>::get()[0].0;
			assert_noop!(vote(serving, (1, 0), &[A, R]), Error::<Test>::PollClosed);
			assert_ok!(Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 0), list(&[A, A])));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A), (2, APPROVAL, A)]);
			assert!(System::events().iter().any(|r| r.event ==
				RuntimeEvent::Verification(Event::PollConcluded {
					subject: 2,
					kind: APPROVAL,
					verdict: A,
					by_trading_center: true,
				})));
			// Written to the records at once: old[0] right then wrong, the others missing.
			let mut judged = JUDGED.with(|j| j.borrow().clone());
			judged.sort_by_key(|(who, _)| *who);
			let mut expected: Vec<_> = old.iter().map(|who| (*who, WRONG)).collect();
			expected.sort_by_key(|(who, _)| *who);
			assert_eq!(judged, expected);
			assert!(Batches::<Test>::iter().next().is_none());
			assert!(BatchLists::<Test>::iter().next().is_none());
		});
	}

	#[test]
	fn a_batch_of_the_current_session_is_decided_into_the_tally() {
		batched(|| {
			let v = three();
			open(1);
			open(2);
			run_to(2);
			assert_ok!(vote(v[2], (1, 0), &[R, A]));
			run_to(7);
			assert_ok!(Verification::decide_batch(RuntimeOrigin::root(), APPROVAL, (1, 0), list(&[R, A])));
			assert_eq!(verdicts(), vec![(1, APPROVAL, R), (2, APPROVAL, A)]);
			assert_eq!(Verification::pending(&v[2]), StreakDelta { reset: false, correct: 2 });
			assert_eq!(Verification::pending(&v[0]), WRONG);
			assert_eq!(Verification::pending(&v[1]), WRONG);
			assert_eq!(Judgements::<Test>::get().len(), 3);
		});
	}

	#[test]
	fn the_upgrade_keeps_open_polls_with_no_batch() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			// A poll as version 0 stored it: session, deadline, votes.
			let old = (0u32, 6u64, vec![(v[0], A, 40u128)]);
			let key = Polls::<Test>::hashed_key_for(4, APPROVAL);
			frame_support::storage::unhashed::put_raw(&key, &codec::Encode::encode(&old));
			StorageVersion::new(0).put::<Verification>();
			crate::migrations::v1::MigrateV0ToV1::<Test>::on_runtime_upgrade();
			assert_eq!(Verification::on_chain_storage_version(), 1);
			let poll = Polls::<Test>::get(4, APPROVAL).unwrap();
			assert_eq!((poll.session, poll.deadline, poll.batch), (0, 6, None));
			assert_eq!(poll.votes.into_inner(), vec![(v[0], A, 40)]);
			// It takes single votes to the end.
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 4, APPROVAL, A));
			assert_eq!(verdicts(), vec![(4, APPROVAL, A)]);
		});
	}

	#[test]
	fn a_batch_no_one_voted_is_of_the_session_its_block_was_in() {
		batched(|| {
			let old = three();
			open(1);
			run_to(SESSION_LENGTH);
			assert_eq!(Session::<Test>::get(), 1);
			let (started, before) = SessionStarts::<Test>::get();
			assert!(started > 1 && before == 0, "{started} {before}");
			// No tally: the batch's session comes from its block, so the previous validators
			// are judged (wrong: none voted), straight into their records.
			assert!(Batches::<Test>::iter().next().is_none());
			let root = RuntimeOrigin::root();
			assert_ok!(Verification::decide_batch(root, APPROVAL, (1, 0), list(&[A])));
			assert_eq!(verdicts(), vec![(1, APPROVAL, A)]);
			let mut judged = JUDGED.with(|j| j.borrow().clone());
			judged.sort_by_key(|(who, _)| *who);
			let mut expected: Vec<_> = old.iter().map(|who| (*who, WRONG)).collect();
			expected.sort_by_key(|(who, _)| *who);
			assert_eq!(judged, expected);
		});
	}

	#[test]
	fn the_upgrade_to_version_2_dissolves_open_batches() {
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			// Version 1's state: a poll in a batch, its tally and its two storage items.
			let place = Some(BatchRef { opened: 1, page: 0, index: 0 });
			let poll = crate::Poll::<Test> {
				session: 0,
				deadline: 6,
				votes: Default::default(),
				batch: place,
			};
			Polls::<Test>::insert(4, APPROVAL, poll);
			let tally = crate::Batch::<Test> {
				session: 0,
				deadline: 6,
				lists: Default::default(),
				votes: Default::default(),
			};
			Batches::<Test>::insert(APPROVAL, (1, 0), tally);
			let old_keys: Vec<Vec<u8>> = crate::migrations::v2::REMOVED
				.iter()
				.map(|item| {
					let prefix = frame_support::storage::storage_prefix(b"Verification", item);
					let mut key = prefix.to_vec();
					key.extend([0u8; 8]);
					key
				})
				.collect();
			for key in &old_keys {
				frame_support::storage::unhashed::put_raw(key, &[1, 2, 3]);
			}
			StorageVersion::new(1).put::<Verification>();
			run_to(3);
			crate::migrations::v2::MigrateV1ToV2::<Test>::on_runtime_upgrade();
			assert_eq!(Verification::on_chain_storage_version(), 2);
			assert_eq!(Polls::<Test>::get(4, APPROVAL).unwrap().batch, None);
			assert!(Batches::<Test>::iter().next().is_none());
			for key in &old_keys {
				assert!(!frame_support::storage::unhashed::exists(key));
			}
			assert_eq!(SessionStarts::<Test>::get(), (3, 3));
			// It takes single votes to the end.
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[0]), 4, APPROVAL, A));
			assert_ok!(Verification::vote(RuntimeOrigin::signed(v[1]), 4, APPROVAL, A));
			assert_eq!(verdicts(), vec![(4, APPROVAL, A)]);
		});
	}

	#[test]
	fn the_upgrade_to_version_3_gives_each_open_batch_its_own_list() {
		use crate::migrations::v3::{BlockPolls, MigrateV2ToV3};
		use sp_runtime::traits::Hash;
		ExtBuilder::default().nodes(paper_community()).build_and_execute(|| {
			let v = three();
			// Version 2's state: block 1's list of approval polls, its first batch (1 to 3)
			// concluded, its second (4 and 5) open and voted once; and block 2's list.
			let poll = |opened, page, index| crate::Poll::<Test> {
				session: 0,
				deadline: 6,
				votes: Default::default(),
				batch: Some(BatchRef { opened, page, index }),
			};
			Polls::<Test>::insert(4, APPROVAL, poll(1, 1, 0));
			Polls::<Test>::insert(5, APPROVAL, poll(1, 1, 1));
			Polls::<Test>::insert(6, APPROVAL, poll(2, 0, 0));
			BlockPolls::<Test>::insert(APPROVAL, 1, vec![None, None, None, Some(4), Some(5)]);
			BlockPolls::<Test>::insert(APPROVAL, 2, vec![Some(6)]);
			let voted = list(&[A, R]);
			let hash = <Test as frame_system::Config>::Hashing::hash_of(&voted);
			let tally = crate::Batch::<Test> {
				session: 0,
				deadline: 6,
				lists: BoundedVec::truncate_from(vec![(hash, 40)]),
				votes: BoundedVec::truncate_from(vec![(v[0], 0)]),
			};
			Batches::<Test>::insert(APPROVAL, (1, 1), tally);
			BatchLists::<Test>::insert((APPROVAL, (1, 1), hash), voted);
			run_to(3);
			StorageVersion::new(2).put::<Verification>();
			MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(Verification::on_chain_storage_version(), 3);
			assert!(BlockPolls::<Test>::iter().next().is_none());
			let mut batches: Vec<_> = BatchSubjects::<Test>::iter().collect();
			batches.sort_by_key(|(_, id, _)| *id);
			assert_eq!(batches, vec![(APPROVAL, (1, 1), vec![4, 5]), (APPROVAL, (2, 0), vec![6])]);
			assert_ok!(Verification::do_try_state());
			// The batch keeps its tally: one more vote concludes it.
			assert_ok!(vote(v[1], (1, 1), &[A, R]));
			assert_eq!(verdicts(), vec![(4, APPROVAL, A), (5, APPROVAL, R)]);
			// Run again, it changes nothing.
			MigrateV2ToV3::<Test>::on_runtime_upgrade();
			assert_eq!(BatchSubjects::<Test>::iter().count(), 1);
		});
	}
}

mod upgrade_to_version_4 {
	use super::*;
	use crate::{
		migrations::v4::{MigrateV3ToV4, NodeAt, PendingDrawV3, PositionCount},
		Draw, Drawn, EligibleAt, SlotOf, UndrawnCount, WeightCeiling,
	};
	use frame_support::{
		storage::unhashed,
		traits::{GetStorageVersion, OnRuntimeUpgrade, StorageVersion},
		StorageHasher, Twox128,
	};

	/// The key of version 3's storage value `name`.
	fn old_value_key(name: &str) -> Vec<u8> {
		[Twox128::hash(b"Verification"), Twox128::hash(name.as_bytes())].concat()
	}

	#[test]
	fn the_tree_becomes_the_list_and_the_draw_goes_on() {
		ExtBuilder::default().build_and_execute(|| {
			// Version 3's state: nodes 1 to 5 at positions 1 to 5, node 3 no longer eligible
			// (a zero weight kept), node 2 drawn by a pending draw, and the tree's items.
			let weights = [100u128, 97, 0, 95, 101];
			for (i, weight) in weights.iter().enumerate() {
				let who = i as u64 + 1;
				NodeAt::<Test>::insert(i as u32 + 1, who);
				DrawWeight::<Test>::insert(who, weight * 1_000_000_000_000_000_000);
			}
			PositionCount::<Test>::put(5);
			EligibleCount::<Test>::put(4);
			Drawn::<Test>::insert(2, ());
			let old = PendingDrawV3::<u64, sp_core::H256> {
				session: 1,
				seed: sp_core::H256::repeat_byte(7),
				wanted: 2,
				drawn: vec![(2, 97)],
				restored: 0,
				to_refresh: 0,
				refreshed: 0,
			};
			unhashed::put(&old_value_key("Draw"), &old);
			unhashed::put(&old_value_key("TreeTotal"), &393u128);
			StorageVersion::new(3).put::<Verification>();

			MigrateV3ToV4::<Test>::on_runtime_upgrade();

			assert_eq!(Verification::on_chain_storage_version(), 4);
			let listed: Vec<_> = (0..4).map(|slot| EligibleAt::<Test>::get(slot).unwrap()).collect();
			assert_eq!(listed, vec![1, 2, 4, 5]);
			for (slot, who) in listed.iter().enumerate() {
				assert_eq!(SlotOf::<Test>::get(who), Some(slot as u32));
			}
			assert_eq!(UndrawnCount::<Test>::get(), 3);
			assert_eq!(EligibleCount::<Test>::get(), 4);
			assert_eq!(WeightCeiling::<Test>::get(), 101 * 1_000_000_000_000_000_000);
			assert!(!DrawWeight::<Test>::contains_key(3));
			let draw = Draw::<Test>::get().unwrap();
			assert_eq!((draw.session, draw.wanted, draw.trials), (1, 2, 0));
			assert_eq!(draw.drawn.into_inner(), vec![(2, 97)]);
			assert!(NodeAt::<Test>::iter().next().is_none());
			assert!(!unhashed::exists(&old_value_key("PositionCount")));
			assert!(!unhashed::exists(&old_value_key("TreeTotal")));
			assert_ok!(Verification::do_try_state());
			// The draw goes on: it takes one more node, puts both back and installs them.
			while Draw::<Test>::exists() {
				run_to(System::block_number() + 1);
				assert_ok!(Verification::do_try_state());
			}
			let chosen = validators();
			assert_eq!(chosen.len(), 2);
			assert!(chosen.contains(&2));
		});
	}
}
