//! Tests of the penalty pallet.

use crate::{mock::*, DustScaled, Error, Event, Shares, TotalWeight, SCALE};
use energy_primitives::{OnCreditChange, OnMembershipChange, PenaltyPool};
use frame_support::{
	assert_noop, assert_ok,
	traits::{fungible::Mutate, tokens::Preservation},
};
use proptest::prelude::*;

/// Thousandths of a unit.
const fn milli(x: u128) -> u128 {
	x * UNIT / 1000
}

fn join(who: u64, credit: u32) {
	set_credit(who, credit);
	<Penalty as OnMembershipChange<u64>>::on_joined(&who);
}

/// `payer` pays `counterparty_share + community_share` into the pot, which distributes it.
fn pay(payer: u64, counterparty: Option<(u64, u128)>, community_share: u128, excluded: &[u64]) {
	let total = counterparty.map(|(_, s)| s).unwrap_or_default() + community_share;
	<Balances as Mutate<u64>>::transfer(&payer, &Penalty::pot_account(), total, Preservation::Preserve)
		.unwrap();
	let excluded: Vec<&u64> = excluded.iter().collect();
	Penalty::distribute(counterparty.as_ref().map(|(w, s)| (w, *s)), community_share, &excluded);
}

/// Table 2/3 of the paper: generators 1..=10, consumers a..j as 11..=20.
fn paper_community() {
	let generators = [96, 97, 90, 100, 91, 99, 92, 95, 93, 94];
	let consumers = [94, 93, 95, 92, 90, 91, 100, 99, 97, 96];
	for (i, credit) in generators.iter().enumerate() {
		join(i as u64 + 1, *credit);
	}
	for (i, credit) in consumers.iter().enumerate() {
		join(i as u64 + 11, *credit);
	}
}

#[test]
fn generator_6_receives_5_430_as_in_table_2() {
	ExtBuilder::default().build_and_execute(|| {
		paper_community();
		assert_eq!(TotalWeight::<Test>::get(), 1894);
		// Generator 2 defaults 10 kWh to consumer b (12): T = 1.28.
		pay(2, Some((12, milli(1024))), milli(256), &[2, 12]);
		assert_eq!(
			System::events().last().unwrap().event,
			RuntimeEvent::Penalty(Event::Distributed {
				counterparty: Some(12),
				counterparty_share: milli(1024),
				community_share: milli(256),
				eligible_weight: 1704,
			})
		);
		// Consumer e (15) defaults 30 kWh to generator 6: T = 6.77.
		pay(15, Some((6, milli(5416))), milli(1354), &[15, 6]);
		// 0.8 * 6.77 + 0.256 * 99 / 1704 = 5.430873...
		let received = Penalty::received(&6);
		assert_eq!(received, milli(5416) + milli(256) * 99 / 1704);
		assert_eq!(format!("{:.3}", received as f64 / UNIT as f64), "5.431");
		assert_eq!((received * 1000 + UNIT / 2) / UNIT, 5431);
		// The payers get nothing of their own penalties.
		assert_eq!(Penalty::received(&2), milli(1354) * 97 / 1705);
		assert_eq!(Penalty::received(&15), milli(256) * 90 / 1704);
	});
}

#[test]
fn claims_pay_whole_units_and_keep_the_remainder() {
	ExtBuilder::default().build_and_execute(|| {
		join(1, 100);
		join(2, 50);
		join(3, 50);
		assert_noop!(Penalty::claim(RuntimeOrigin::signed(1)), Error::<Test>::NothingToClaim);
		assert_noop!(Penalty::claim(RuntimeOrigin::signed(25)), Error::<Test>::NothingToClaim);
		pay(4, None, 1_001, &[]);
		// 1001 over weight 200: 500.5 to account 1, 250.25 to 2 and 3.
		assert_eq!(Penalty::claimable(&1), 500);
		let before = Balances::free_balance(1);
		assert_ok!(Penalty::claim(RuntimeOrigin::signed(1)));
		assert_eq!(Balances::free_balance(1), before + 500);
		assert_eq!(
			System::events().last().unwrap().event,
			RuntimeEvent::Penalty(Event::Claimed { who: 1, amount: 500 })
		);
		assert_eq!(Penalty::claimable(&1), 0);
		assert_noop!(Penalty::claim(RuntimeOrigin::signed(1)), Error::<Test>::NothingToClaim);
		// The half unit stays owed and completes with the next distribution.
		assert_eq!(Shares::<Test>::get(1).unwrap().owed, SCALE / 2);
		pay(4, None, 1, &[2, 3]);
		assert_eq!(Penalty::claimable(&1), 1);
		assert_eq!(Penalty::received(&1), 501);
	});
}

#[test]
fn both_parties_excluded_and_nobody_eligible_goes_to_the_center() {
	ExtBuilder::default().build_and_execute(|| {
		join(1, 100);
		join(2, 100);
		let center_before = Balances::free_balance(CENTER);
		// Both default: no counterparty share; the only nodes are the parties.
		pay(1, None, 700, &[1, 2]);
		assert_eq!(Balances::free_balance(CENTER), center_before + 700);
		assert_eq!(Penalty::received(&1), 0);
		assert_eq!(Penalty::received(&2), 0);
		assert!(System::events().iter().any(|r| r.event ==
			RuntimeEvent::Penalty(Event::DustPaid { to: CENTER, amount: 700 })));
	});
}

#[test]
fn without_a_center_dust_is_kept() {
	ExtBuilder::default().build_and_execute(|| {
		HAS_CENTER.with(|c| *c.borrow_mut() = false);
		join(1, 100);
		pay(1, None, 70, &[1]);
		assert_eq!(DustScaled::<Test>::get(), 70 * SCALE);
		HAS_CENTER.with(|c| *c.borrow_mut() = true);
		// Below the minimum balance of the (empty) center: kept as dust until it can be paid.
		pay(1, None, 1, &[1]);
		assert_eq!(DustScaled::<Test>::get(), 0);
		assert_eq!(Balances::free_balance(CENTER), 71);
	});
}

#[test]
fn weights_follow_credit_and_membership() {
	ExtBuilder::default().build_and_execute(|| {
		join(1, 100);
		join(2, 100);
		pay(5, None, 200, &[]);
		assert_eq!(Penalty::claimable(&1), 100);
		// Credit drops: past shares are kept, future ones follow the new credit.
		<Penalty as OnCreditChange<u64>>::on_credit_change(&1, 100, 50);
		assert_eq!(TotalWeight::<Test>::get(), 150);
		pay(5, None, 150, &[]);
		assert_eq!(Penalty::claimable(&1), 150);
		assert_eq!(Penalty::claimable(&2), 200);
		// A node that left shares no more but keeps what it is owed.
		<Penalty as OnMembershipChange<u64>>::on_left(&2);
		assert_eq!(TotalWeight::<Test>::get(), 50);
		// Credit changes of non-members are ignored.
		<Penalty as OnCreditChange<u64>>::on_credit_change(&2, 100, 99);
		assert_eq!(TotalWeight::<Test>::get(), 50);
		pay(5, None, 100, &[]);
		assert_eq!(Penalty::claimable(&1), 250);
		assert_eq!(Penalty::claimable(&2), 200);
		assert_ok!(Penalty::claim(RuntimeOrigin::signed(2)));
		// Rejoining starts from the credit reported then.
		join(2, 99);
		assert_eq!(TotalWeight::<Test>::get(), 149);
		assert_eq!(Penalty::received(&2), 200);
	});
}

#[derive(Clone, Debug)]
enum Op {
	Join(u64, u32),
	Leave(u64),
	Credit(u64, u32),
	Pay { payer: u64, counterparty: Option<(u64, u128)>, community: u128, excluded: Vec<u64> },
	Claim(u64),
}

fn op() -> impl Strategy<Value = Op> {
	let who = 1u64..8;
	prop_oneof![
		2 => (who.clone(), 0u32..=100).prop_map(|(w, c)| Op::Join(w, c)),
		1 => who.clone().prop_map(Op::Leave),
		2 => (who.clone(), 0u32..=100).prop_map(|(w, c)| Op::Credit(w, c)),
		4 => (
			who.clone(),
			proptest::option::of((who.clone(), 0u128..10_000)),
			0u128..1_000_000,
			proptest::collection::vec(who.clone(), 0..3),
		)
			.prop_map(|(payer, counterparty, community, excluded)| Op::Pay {
				payer,
				counterparty,
				community,
				excluded
			}),
		1 => who.prop_map(Op::Claim),
	]
}

proptest! {
	/// Against an eager model that pays every share at once (as exact fractions), the lazy
	/// pool owes each node the same, up to one unit per distribution, and never more; money is
	/// conserved exactly (the invariants hold after every step).
	#[test]
	fn lazy_accrual_matches_eager_distribution(ops in proptest::collection::vec(op(), 1..60)) {
		ExtBuilder::default().build().execute_with(|| -> Result<(), TestCaseError> {
			let mut members: std::collections::BTreeMap<u64, u32> = Default::default();
			// Exact amounts owed, as numerator over the common denominator of each payment.
			let mut eager: std::collections::BTreeMap<u64, f64> = Default::default();
			let mut distributions = 0u128;
			for op in ops {
				match op {
					Op::Join(w, c) => {
						join(w, c);
						members.insert(w, c);
					},
					Op::Leave(w) => {
						<Penalty as OnMembershipChange<u64>>::on_left(&w);
						members.remove(&w);
					},
					Op::Credit(w, c) => {
						set_credit(w, c);
						<Penalty as OnCreditChange<u64>>::on_credit_change(&w, 0, c);
						if let Some(m) = members.get_mut(&w) {
							*m = c;
						}
					},
					Op::Pay { payer, counterparty, community, excluded } => {
						pay(payer + 10, counterparty, community, &excluded);
						distributions += 1;
						if let Some((w, s)) = counterparty {
							*eager.entry(w).or_default() += s as f64;
						}
						let eligible: u64 = members
							.iter()
							.filter(|(w, _)| !excluded.contains(w))
							.map(|(_, c)| *c as u64)
							.sum();
						if eligible > 0 {
							for (w, c) in members.iter().filter(|(w, _)| !excluded.contains(w)) {
								*eager.entry(*w).or_default() +=
									community as f64 * *c as f64 / eligible as f64;
							}
						}
					},
					Op::Claim(w) => {
						let _ = Penalty::claim(RuntimeOrigin::signed(w));
					},
				}
				prop_assert!(Penalty::do_try_state().is_ok(), "{:?}", Penalty::do_try_state());
			}
			for who in 1u64..8 {
				let lazy = Penalty::received(&who) as f64;
				let exact = eager.get(&who).copied().unwrap_or_default();
				prop_assert!(lazy <= exact + 1e-6, "{who}: lazy {lazy} > exact {exact}");
				prop_assert!(
					exact - lazy <= distributions as f64 + 1.0,
					"{who}: lazy {lazy} too far below exact {exact}"
				);
			}
			Ok(())
		})?;
	}
}
