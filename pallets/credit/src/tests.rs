//! Tests of the credit pallet's rules.

use crate::{mock::*, CreditRecord, Error, Event, Params, RecordCount, Records};
use energy_primitives::{
	CreditParams, CreditScore, CreditState, OnMembershipChange, PendingVerifications, StreakDelta,
};
use frame_support::{assert_noop, assert_ok};
use proptest::prelude::*;
use sp_runtime::{DispatchError, FixedU128, Perbill};

const UNIT: u128 = 1_000_000_000_000;

fn events() -> Vec<crate::Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Credit(e) = r.event { Some(e) } else { None })
		.collect()
}

#[test]
fn joining_opens_a_record_at_initial_credit_once() {
	ExtBuilder::default().build_and_execute(|| {
		<Credit as OnMembershipChange<u64>>::on_joined(&7);
		assert_eq!(Credit::credit(&7), Some(100));
		assert_eq!(RecordCount::<Test>::get(), 1);
		assert_eq!(events(), vec![Event::RecordOpened { who: 7, credit: 100 }]);
		// Leaving keeps the record, rejoining does not reset it.
		Credit::record_trade(&7, true);
		Credit::record_trade(&7, true);
		<Credit as OnMembershipChange<u64>>::on_left(&7);
		<Credit as OnMembershipChange<u64>>::on_joined(&7);
		assert_eq!(Credit::credit(&7), Some(98));
		assert_eq!(RecordCount::<Test>::get(), 1);
	});
}

#[test]
fn a_default_deducts_fibonacci_and_reports_the_change() {
	ExtBuilder::default().records(vec![(1, 90, 0)]).build_and_execute(|| {
		let deductions: Vec<_> = (0..5)
			.map(|_| {
				let change = Credit::record_trade(&1, true).unwrap();
				change.before - change.after
			})
			.collect();
		assert_eq!(deductions, vec![1, 1, 2, 3, 5]);
		assert_eq!(Credit::credit(&1), Some(78));
		assert_eq!(credit_changes()[0], (1, 90, 89));
		assert_eq!(credit_changes().len(), 5);
		assert_eq!(
			events().last(),
			Some(&Event::TradeRecorded {
				who: 1,
				defaulted: true,
				credit_before: 83,
				credit_after: 78,
				restored: false
			})
		);
		assert_eq!(Records::<Test>::get(1).unwrap().credit_events, 5);
	});
}

#[test]
fn restoration_after_ten_fulfilments() {
	ExtBuilder::default().records(vec![(1, 95, 0)]).build_and_execute(|| {
		Credit::record_trade(&1, true);
		for _ in 0..9 {
			assert!(!Credit::record_trade(&1, false).unwrap().restored);
		}
		let tenth = Credit::record_trade(&1, false).unwrap();
		assert!(tenth.restored);
		assert_eq!((tenth.before, tenth.after), (94, 95));
		let state = Records::<Test>::get(1).unwrap().state;
		assert_eq!(state, CreditState { credit: 95, fulfilled_streak: 0, defaults_since_reset: 0 });
		// Fulfilments without a credit change do not report one.
		assert_eq!(credit_changes(), vec![(1, 95, 94), (1, 94, 95)]);
	});
}

#[test]
fn table_a2_through_the_pallet() {
	ExtBuilder::default().records(vec![(1, 100, 0), (2, 90, 0)]).build_and_execute(|| {
		let mut generator = vec![];
		let mut consumer = vec![];
		for period in 1..=15u32 {
			Credit::record_trade(&1, [2, 13, 15].contains(&period));
			Credit::record_trade(&2, [1, 3, 4, 15].contains(&period));
			generator.push(Credit::credit(&1).unwrap());
			consumer.push(Credit::credit(&2).unwrap());
		}
		assert_eq!(generator, vec![100, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 100, 99, 99, 98]);
		assert_eq!(consumer, vec![89, 89, 88, 86, 86, 86, 86, 86, 86, 86, 86, 86, 86, 87, 86]);
	});
}

#[test]
fn first_offence_is_quoted_without_penalty() {
	ExtBuilder::default().records(vec![(1, 100, 0), (2, 90, 0)]).build_and_execute(|| {
		let quote = Credit::penalty_quote(&1, UNIT).unwrap();
		assert_eq!((quote.credit_after_default, quote.liable, quote.penalty_price), (99, false, 0));
		let quote = Credit::penalty_quote(&2, 64 * UNIT / 100).unwrap();
		assert_eq!((quote.credit_after_default, quote.liable), (89, true));
		// 0.1061 per kWh, as in the example.
		assert_eq!(quote.penalty_price / (UNIT / 10_000), 1060);
		assert!(Credit::penalty_quote(&3, UNIT).is_none());
		// A quote changes nothing.
		assert_eq!(Credit::credit(&2), Some(90));
	});
}

#[test]
fn verification_streak_and_credit() {
	ExtBuilder::default().records(vec![(1, 96, 0)]).build_and_execute(|| {
		assert_eq!(Credit::verification_credit(&1), FixedU128::from_rational(5, 4));
		Credit::record_verification(&1, true);
		Credit::record_verification(&1, true);
		assert_eq!(Credit::credit_info(&1).unwrap().verification_streak, 2);
		assert!(Credit::verification_credit(&1) > FixedU128::from_rational(5, 4));
		assert_eq!(
			events().last(),
			Some(&Event::VerificationsRecorded { who: 1, reset: false, correct: 1, streak: 2 })
		);
		Credit::record_verification(&1, false);
		assert_eq!(Credit::credit_info(&1).unwrap().verification_streak, 0);
		assert_eq!(Credit::verification_credit(&1), FixedU128::from_rational(5, 4));
		assert_eq!(
			events().last(),
			Some(&Event::VerificationsRecorded { who: 1, reset: true, correct: 0, streak: 0 })
		);
		// Unknown accounts are ignored.
		Credit::record_verification(&9, true);
		assert!(Records::<Test>::get(9).is_none());
		assert!(Credit::record_trade(&9, true).is_none());
	});
}

#[test]
fn set_params_works_and_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		let p = CreditParams::default();
		let new = CreditParams { restore_after: 5, initial_credit: 120, ..p };
		assert_ok!(Credit::set_params(RuntimeOrigin::root(), new));
		assert_eq!(Params::<Test>::get(), new);
		assert_eq!(events().last(), Some(&Event::ParamsSet { params: new }));

		assert_noop!(Credit::set_params(RuntimeOrigin::signed(1), p), DispatchError::BadOrigin);
		assert_noop!(
			Credit::set_params(RuntimeOrigin::root(), CreditParams { initial_credit: 0, ..p }),
			Error::<Test>::ZeroInitialCredit
		);
		assert_noop!(
			Credit::set_params(RuntimeOrigin::root(), CreditParams { restore_after: 0, ..p }),
			Error::<Test>::ZeroRestoreAfter
		);
		assert_noop!(
			Credit::set_params(
				RuntimeOrigin::root(),
				CreditParams { k2: FixedU128::from_rational(25, 2), ..p }
			),
			Error::<Test>::RestorationTooStrong
		);
		assert_noop!(
			Credit::set_params(RuntimeOrigin::root(), CreditParams { mu: Perbill::one(), ..p }),
			Error::<Test>::MuNotBelowOne
		);
		<Credit as OnMembershipChange<u64>>::on_joined(&1);
		assert_eq!(Credit::credit(&1), Some(120));
		assert_noop!(
			Credit::set_params(RuntimeOrigin::root(), CreditParams { initial_credit: 100, ..new }),
			Error::<Test>::InitialCreditFixed
		);
		// Other parameters may still change.
		assert_ok!(Credit::set_params(RuntimeOrigin::root(), CreditParams { restore_after: 7, ..new }));
	});
}

#[test]
#[should_panic(expected = "genesis credit above initial")]
fn genesis_rejects_credit_above_initial() {
	ExtBuilder::default().records(vec![(1, 101, 0)]).build();
}

#[test]
fn genesis_records_are_counted() {
	ExtBuilder::default().records(vec![(1, 90, 3), (2, 100, 0)]).build_and_execute(|| {
		assert_eq!(RecordCount::<Test>::get(), 2);
		assert_eq!(
			Records::<Test>::get(1),
			Some(CreditRecord {
				state: CreditState { credit: 90, ..Default::default() },
				verification_streak: 3,
				credit_events: 0
			})
		);
	});
}

#[derive(Clone, Debug)]
enum Op {
	Trade { who: u64, defaulted: bool },
	Verify { who: u64, correct: bool },
	Join { who: u64 },
}

fn op() -> impl Strategy<Value = Op> {
	prop_oneof![
		4 => (0u64..6, any::<bool>()).prop_map(|(who, defaulted)| Op::Trade { who, defaulted }),
		2 => (0u64..6, any::<bool>()).prop_map(|(who, correct)| Op::Verify { who, correct }),
		1 => (0u64..6).prop_map(|who| Op::Join { who }),
	]
}

proptest! {
	/// Over random sequences, credit stays in `0..=initial`, the invariants hold, every
	/// reported change matches the stored record, and a default never raises credit.
	#[test]
	fn credit_stays_bounded(ops in proptest::collection::vec(op(), 1..200)) {
		ExtBuilder::default().records(vec![(0, 100, 0), (1, 50, 0), (2, 1, 0)]).build().execute_with(|| {
			for op in ops {
				match op {
					Op::Trade { who, defaulted } => {
						let before = Credit::credit(&who);
						let change = Credit::record_trade(&who, defaulted);
						prop_assert_eq!(change.map(|c| c.before), before);
						if let Some(change) = change {
							prop_assert!(change.after <= 100);
							prop_assert_eq!(Credit::credit(&who), Some(change.after));
							if defaulted {
								prop_assert!(change.after <= change.before);
								prop_assert_eq!(change.liable, change.before < 100);
							} else {
								prop_assert!(change.after >= change.before);
							}
						}
					},
					Op::Verify { who, correct } => Credit::record_verification(&who, correct),
					Op::Join { who } => <Credit as OnMembershipChange<u64>>::on_joined(&who),
				}
				prop_assert!(Credit::do_try_state().is_ok());
			}
			for (who, old, new) in credit_changes() {
				prop_assert!(old != new, "only real changes are reported ({who})");
			}
			Ok(())
		})?;
	}
}

#[test]
fn pending_judgements_count_everywhere_a_streak_is_read() {
	ExtBuilder::default().records(vec![(1, 90, 2), (2, 90, 2)]).build_and_execute(|| {
		let stored = Credit::credit_info(&2).unwrap();
		// Three correct judgements pending for 1: read as n = 5 before anything is written.
		set_pending(1, StreakDelta { reset: false, correct: 3 });
		let info = Credit::credit_info(&1).unwrap();
		assert_eq!(info.verification_streak, 5);
		assert_eq!(Records::<Test>::get(1).unwrap().verification_streak, 2);
		assert_eq!(info.verification_credit, CreditParams::default().verification_credit(5));
		assert_eq!(Credit::verification_credit(&1), info.verification_credit);
		assert!(info.verification_credit > stored.verification_credit);
		// A higher verification credit lowers the penalty price.
		let price = UNIT;
		assert!(
			Credit::penalty_quote(&1, price).unwrap().penalty_price <
				Credit::penalty_quote(&2, price).unwrap().penalty_price
		);
		// A direct judgement comes after the pending ones: they are taken and applied first.
		Credit::record_verification(&1, true);
		assert_eq!(Records::<Test>::get(1).unwrap().verification_streak, 6);
		assert_eq!(TestPending::pending(&1), StreakDelta::default());
		assert_eq!(
			events().last(),
			Some(&Event::VerificationsRecorded { who: 1, reset: false, correct: 4, streak: 6 })
		);
		// A reset among the pending ones restarts the streak.
		set_pending(1, StreakDelta { reset: true, correct: 1 });
		assert_eq!(Credit::credit_info(&1).unwrap().verification_streak, 1);
		Credit::record_verification(&1, true);
		assert_eq!(Records::<Test>::get(1).unwrap().verification_streak, 2);
		// Applying judgements takes nothing else: what is pending stays pending.
		set_pending(2, StreakDelta { reset: false, correct: 7 });
		Credit::apply_verifications(&2, StreakDelta { reset: true, correct: 1 });
		assert_eq!(Records::<Test>::get(2).unwrap().verification_streak, 1);
		assert_eq!(TestPending::pending(&2), StreakDelta { reset: false, correct: 7 });
		// Nothing to apply writes nothing and says nothing.
		let before = events().len();
		Credit::apply_verifications(&2, StreakDelta::default());
		assert_eq!(events().len(), before);
	});
}
