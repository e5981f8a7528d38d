//! Tests of the contract lifecycle up to activation.

use crate::{mock::*, ContractStatus, Contracts, Error, Event, HoldReason, OpenContracts, Side};
use energy_primitives::{OnVerdict, PollKind, Role, Verdict};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::DispatchError;

const PRICE: u128 = 64 * UNIT / 100;

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| if let RuntimeEvent::Market(e) = r.event { Some(e) } else { None })
		.expect("a market event")
}

/// Producer 1 proposes 80 kWh at 0.64 to consumer 3, delivered in blocks 10..=20.
fn propose() -> u64 {
	assert_ok!(Market::propose(RuntimeOrigin::signed(1), 3, Side::Producer, 80_000, PRICE, 10, 20));
	Contracts::<Test>::iter_keys().max().unwrap()
}

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&HoldReason::Settlement.into(), &who)
}

#[test]
fn propose_records_the_contract() {
	run(|| {
		let id = propose();
		let c = Contracts::<Test>::get(id).unwrap();
		assert_eq!((c.producer, c.consumer, c.quantity_wh, c.price), (1, 3, 80_000, PRICE));
		assert_eq!(c.status, ContractStatus::Proposed);
		assert_eq!(
			last_event(),
			Event::ContractProposed { id, producer: 1, consumer: 3, quantity_wh: 80_000, price: PRICE }
		);
		assert_eq!(OpenContracts::<Test>::get(1), 1);
		assert_eq!(OpenContracts::<Test>::get(3), 1);
		// A consumer proposes too; a prosumer may take either side.
		assert_ok!(Market::propose(RuntimeOrigin::signed(3), 5, Side::Consumer, 1, PRICE, 2, 2));
		assert_ok!(Market::propose(RuntimeOrigin::signed(5), 2, Side::Consumer, 1, PRICE, 2, 2));
	});
}

#[test]
fn propose_errors_change_nothing() {
	run(|| {
		let p = |who, other, side, q, price, start, end| {
			Market::propose(RuntimeOrigin::signed(who), other, side, q, price, start, end)
		};
		assert_noop!(p(9, 3, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::NotActive);
		assert_noop!(p(1, 9, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::CounterpartyNotActive);
		assert_noop!(p(5, 5, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::SelfContract);
		assert_noop!(p(3, 4, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::ProducerRoleMismatch);
		assert_noop!(p(1, 2, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::ConsumerRoleMismatch);
		assert_noop!(p(1, 3, Side::Producer, 0, PRICE, 2, 3), Error::<Test>::ZeroQuantity);
		assert_noop!(p(1, 3, Side::Producer, 100_001, PRICE, 2, 3), Error::<Test>::QuantityTooLarge);
		assert_noop!(p(1, 3, Side::Producer, 1, UNIT / 11, 2, 3), Error::<Test>::PriceOutOfBand);
		assert_noop!(p(1, 3, Side::Producer, 1, 2 * UNIT + 1, 2, 3), Error::<Test>::PriceOutOfBand);
		assert_noop!(p(1, 3, Side::Producer, 1, PRICE, 1, 3), Error::<Test>::BadWindow);
		assert_noop!(p(1, 3, Side::Producer, 1, PRICE, 5, 4), Error::<Test>::BadWindow);
		assert_noop!(
			Market::propose(RuntimeOrigin::none(), 3, Side::Producer, 1, PRICE, 2, 3),
			DispatchError::BadOrigin
		);
		// A suspended node cannot trade.
		NODES.with(|n| n.borrow_mut().get_mut(&3).unwrap().2 = false);
		assert_noop!(p(1, 3, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::CounterpartyNotActive);
		NODES.with(|n| n.borrow_mut().get_mut(&3).unwrap().2 = true);
		for _ in 0..3 {
			assert_ok!(p(1, 3, Side::Producer, 1, PRICE, 2, 3));
		}
		assert_noop!(p(1, 4, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::TooManyOpenContracts);
		assert_noop!(p(2, 3, Side::Producer, 1, PRICE, 2, 3), Error::<Test>::TooManyOpenContracts);
		assert_eq!(Role::Producer.can_supply(), true);
	});
}

#[test]
fn accept_opens_an_approval_poll() {
	run(|| {
		let id = propose();
		assert_noop!(Market::accept(RuntimeOrigin::signed(1), id), Error::<Test>::NotCounterparty);
		assert_noop!(Market::accept(RuntimeOrigin::signed(3), 77), Error::<Test>::ContractNotFound);
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		assert_eq!(polls(), vec![(id, PollKind::Approval)]);
		assert_eq!(Contracts::<Test>::get(id).unwrap().status, ContractStatus::AwaitingApproval);
		assert_eq!(last_event(), Event::ContractAccepted { id });
		assert_noop!(Market::accept(RuntimeOrigin::signed(3), id), Error::<Test>::WrongStatus);
		assert_noop!(Market::reject(RuntimeOrigin::signed(3), id), Error::<Test>::WrongStatus);
	});
}

#[test]
fn reject_and_cancel_close_the_contract() {
	run(|| {
		let id = propose();
		assert_noop!(Market::reject(RuntimeOrigin::signed(1), id), Error::<Test>::NotCounterparty);
		assert_ok!(Market::reject(RuntimeOrigin::signed(3), id));
		assert_eq!(last_event(), Event::ContractRejected { id });
		assert!(Contracts::<Test>::get(id).is_none());
		assert_eq!(OpenContracts::<Test>::get(1), 0);

		let id = propose();
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		assert_noop!(Market::cancel(RuntimeOrigin::signed(3), id), Error::<Test>::NotProposer);
		assert_ok!(Market::cancel(RuntimeOrigin::signed(1), id));
		assert_eq!(last_event(), Event::ContractCancelled { id });
		assert!(polls().is_empty(), "the approval poll is closed with it");
		assert_noop!(Market::cancel(RuntimeOrigin::signed(1), id), Error::<Test>::ContractNotFound);
	});
}

#[test]
fn approval_charges_fees_and_holds_what_settlement_needs() {
	run(|| {
		let id = propose();
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		let center = Balances::free_balance(CENTER);
		let (free1, free3) = (Balances::free_balance(1), Balances::free_balance(3));
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		// 80 kWh at 0.64 = 51.2; grid fee 80 * 0.02 = 1.6.
		let value = 512 * UNIT / 10;
		let consumer_held = value + 16 * UNIT / 10 + value;
		assert_eq!(held(3), consumer_held);
		assert_eq!(held(1), value);
		assert_eq!(Balances::free_balance(CENTER), center + 2 * FEE);
		assert_eq!(Balances::free_balance(1), free1 - FEE - value);
		assert_eq!(Balances::free_balance(3), free3 - FEE - consumer_held);
		assert_eq!(
			last_event(),
			Event::ContractApproved { id, consumer_held, producer_held: value }
		);
		let c = Contracts::<Test>::get(id).unwrap();
		assert_eq!(c.status, ContractStatus::Active);
		// Active contracts cannot be cancelled.
		assert_noop!(Market::cancel(RuntimeOrigin::signed(1), id), Error::<Test>::WrongStatus);
		// A second verdict finds it in the wrong state.
		assert_noop!(
			Market::on_verdict(id, PollKind::Approval, Verdict::Approve),
			Error::<Test>::WrongStatus
		);
	});
}

#[test]
fn disapproval_closes_and_a_party_that_cannot_pay_voids() {
	run(|| {
		let id = propose();
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Reject));
		assert_eq!(last_event(), Event::ContractDisapproved { id });
		assert!(Contracts::<Test>::get(id).is_none());

		// Consumer 4 holds 1 unit: not enough for the holds. Nothing is paid or held.
		assert_ok!(Market::propose(RuntimeOrigin::signed(1), 4, Side::Producer, 80_000, PRICE, 10, 20));
		let id = Contracts::<Test>::iter_keys().max().unwrap();
		assert_ok!(Market::accept(RuntimeOrigin::signed(4), id));
		let (center, free1, free4) =
			(Balances::free_balance(CENTER), Balances::free_balance(1), Balances::free_balance(4));
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		assert_eq!(last_event(), Event::ContractVoided { id });
		assert!(Contracts::<Test>::get(id).is_none());
		assert_eq!(
			(Balances::free_balance(CENTER), Balances::free_balance(1), Balances::free_balance(4)),
			(center, free1, free4)
		);
		assert_eq!((held(1), held(4)), (0, 0));
	});
}

#[test]
fn delivery_verdicts_are_not_handled_yet() {
	run(|| {
		assert_noop!(
			Market::on_verdict(0, PollKind::Delivery, Verdict::Quantities { delivered_wh: 1, consumed_wh: 1 }),
			Error::<Test>::DeliveryNotSupported
		);
	});
}
