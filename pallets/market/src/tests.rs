//! Tests of the contract lifecycle up to activation.

use crate::{
	mock::*, Acceptance, ContractStatus, Contracts, Error, Event, HoldReason, OpenContracts,
	ProposalNonces, Side,
};
use energy_primitives::{OnVerdict, PollKind, Role, Verdict};
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::{testing::TestSignature, DispatchError};

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

/// `signer`'s acceptance of 80 kWh at 0.64 in blocks 10..=20, proposed by `proposer` as
/// `side` to `counterparty` with proposal nonce `nonce`.
fn acceptance(
	signer: u64,
	proposer: u64,
	counterparty: u64,
	side: Side,
	nonce: u32,
) -> TestSignature {
	let acceptance = Acceptance {
		genesis_hash: System::block_hash(0),
		proposer,
		nonce,
		counterparty,
		side,
		quantity_wh: 80_000,
		price: PRICE,
		window_start: 10u64,
		window_end: 20u64,
	};
	TestSignature(signer, acceptance.message())
}

fn propose_signed(
	proposer: u64,
	counterparty: u64,
	side: Side,
	nonce: u32,
	sig: TestSignature,
) -> sp_runtime::DispatchResult {
	Market::propose_signed(
		RuntimeOrigin::signed(proposer),
		counterparty,
		side,
		80_000,
		PRICE,
		10,
		20,
		nonce,
		sig,
	)
}

#[test]
fn propose_signed_records_an_accepted_contract_and_opens_its_poll() {
	run(|| {
		assert_eq!(ProposalNonces::<Test>::get(1), 0);
		assert_ok!(propose_signed(1, 3, Side::Producer, 0, acceptance(3, 1, 3, Side::Producer, 0)));
		let id = Contracts::<Test>::iter_keys().max().unwrap();
		let c = Contracts::<Test>::get(id).unwrap();
		assert_eq!((c.producer, c.consumer, c.quantity_wh, c.price), (1, 3, 80_000, PRICE));
		assert!(c.proposed_by_producer);
		assert_eq!(c.status, ContractStatus::AwaitingApproval);
		assert_eq!(polls(), vec![(id, PollKind::Approval)]);
		assert_eq!(ProposalNonces::<Test>::get(1), 1);
		assert_eq!((OpenContracts::<Test>::get(1), OpenContracts::<Test>::get(3)), (1, 1));
		let events: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| if let RuntimeEvent::Market(e) = r.event { Some(e) } else { None })
			.collect();
		assert_eq!(
			events,
			vec![
				Event::ContractProposed {
					id,
					producer: 1,
					consumer: 3,
					quantity_wh: 80_000,
					price: PRICE
				},
				Event::ContractAccepted { id },
			]
		);
		// The approval proceeds as after `accept`.
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		assert_eq!(Contracts::<Test>::get(id).unwrap().status, ContractStatus::Active);
		// A consumer proposes with the producer's signature; the nonce is the proposer's.
		assert_ok!(propose_signed(3, 2, Side::Consumer, 0, acceptance(2, 3, 2, Side::Consumer, 0)));
		assert_eq!(ProposalNonces::<Test>::get(3), 1);
		assert_eq!(Contracts::<Test>::iter_values().filter(|c| !c.proposed_by_producer).count(), 1);
	});
}

#[test]
fn propose_signed_refuses_a_signature_of_anything_else_and_changes_nothing() {
	run(|| {
		// Signed by someone other than the counterparty.
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, acceptance(4, 1, 3, Side::Producer, 0)),
			Error::<Test>::BadAcceptanceSignature
		);
		// For another proposer, counterparty, side or nonce.
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, acceptance(3, 2, 3, Side::Producer, 0)),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, acceptance(3, 1, 4, Side::Producer, 0)),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, acceptance(3, 1, 3, Side::Consumer, 0)),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, acceptance(3, 1, 3, Side::Producer, 1)),
			Error::<Test>::BadAcceptanceSignature
		);
		// For other terms.
		let sig = acceptance(3, 1, 3, Side::Producer, 0);
		for (q, price, start, end) in [
			(80_001, PRICE, 10, 20),
			(80_000, PRICE + 1, 10, 20),
			(80_000, PRICE, 11, 20),
			(80_000, PRICE, 10, 21),
		] {
			assert_noop!(
				Market::propose_signed(
					RuntimeOrigin::signed(1),
					3,
					Side::Producer,
					q,
					price,
					start,
					end,
					0,
					sig.clone()
				),
				Error::<Test>::BadAcceptanceSignature
			);
		}
		// For another chain.
		let other_chain = Acceptance {
			genesis_hash: sp_runtime::testing::H256::repeat_byte(7),
			proposer: 1u64,
			nonce: 0,
			counterparty: 3u64,
			side: Side::Producer,
			quantity_wh: 80_000,
			price: PRICE,
			window_start: 10u64,
			window_end: 20u64,
		};
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, TestSignature(3, other_chain.message())),
			Error::<Test>::BadAcceptanceSignature
		);
		assert_noop!(
			Market::propose_signed(
				RuntimeOrigin::none(),
				3,
				Side::Producer,
				80_000,
				PRICE,
				10,
				20,
				0,
				sig.clone()
			),
			DispatchError::BadOrigin
		);
		// A valid signature for terms `propose` would refuse: the term's error, and the nonce
		// is not spent.
		NODES.with(|n| n.borrow_mut().get_mut(&3).unwrap().2 = false);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, sig.clone()),
			Error::<Test>::CounterpartyNotActive
		);
		NODES.with(|n| n.borrow_mut().get_mut(&3).unwrap().2 = true);
		assert_eq!(ProposalNonces::<Test>::get(1), 0);
		// A signature serves once: replayed, it names a spent nonce.
		assert_ok!(propose_signed(1, 3, Side::Producer, 0, sig.clone()));
		assert_eq!(ProposalNonces::<Test>::get(1), 1);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 0, sig),
			Error::<Test>::StaleProposalNonce
		);
		// Nonces may skip; an acceptance of one passed over is void.
		assert_ok!(propose_signed(1, 3, Side::Producer, 5, acceptance(3, 1, 3, Side::Producer, 5)));
		assert_eq!(ProposalNonces::<Test>::get(1), 6);
		assert_noop!(
			propose_signed(1, 3, Side::Producer, 3, acceptance(3, 1, 3, Side::Producer, 3)),
			Error::<Test>::StaleProposalNonce
		);
		// The last nonce cannot be moved past, so it never serves (else it would serve twice).
		assert_noop!(
			propose_signed(
				1,
				3,
				Side::Producer,
				u32::MAX,
				acceptance(3, 1, 3, Side::Producer, u32::MAX)
			),
			Error::<Test>::StaleProposalNonce
		);
		assert_eq!(Contracts::<Test>::iter().count(), 2);
	});
}

fn relay_signed(
	relayer: u64,
	proposer: u64,
	proposer_signature: TestSignature,
	counterparty: u64,
	nonce: u32,
	sig: TestSignature,
) -> sp_runtime::DispatchResult {
	Market::relay_signed(
		RuntimeOrigin::signed(relayer),
		proposer,
		proposer_signature,
		counterparty,
		Side::Producer,
		80_000,
		PRICE,
		10,
		20,
		nonce,
		sig,
	)
}

#[test]
fn relay_signed_records_what_both_parties_signed_for_any_sender() {
	run(|| {
		// Anyone relays (9 is no node): the contract is the proposer's, as with `propose_signed`.
		assert_ok!(relay_signed(
			9,
			1,
			acceptance(1, 1, 3, Side::Producer, 0),
			3,
			0,
			acceptance(3, 1, 3, Side::Producer, 0)
		));
		let id = Contracts::<Test>::iter_keys().max().unwrap();
		let c = Contracts::<Test>::get(id).unwrap();
		assert_eq!((c.producer, c.consumer, c.status), (1, 3, ContractStatus::AwaitingApproval));
		assert!(c.proposed_by_producer);
		assert_eq!(polls(), vec![(id, PollKind::Approval)]);
		assert_eq!(ProposalNonces::<Test>::get(1), 1);
		assert_eq!(ProposalNonces::<Test>::get(9), 0);
		assert!(System::events().iter().any(|r| r.event == RuntimeEvent::Market(Event::ContractAccepted { id })));
		// The proposer's signature must be the proposer's, of these terms and nonce.
		for bad in [
			acceptance(2, 1, 3, Side::Producer, 1),
			acceptance(1, 1, 4, Side::Producer, 1),
			acceptance(1, 1, 3, Side::Producer, 2),
			acceptance(3, 1, 3, Side::Producer, 1),
		] {
			assert_noop!(
				relay_signed(9, 1, bad, 3, 1, acceptance(3, 1, 3, Side::Producer, 1)),
				Error::<Test>::BadProposerSignature
			);
		}
		// The counterparty's as well.
		assert_noop!(
			relay_signed(9, 1, acceptance(1, 1, 3, Side::Producer, 1), 3, 1, acceptance(1, 1, 3, Side::Producer, 1)),
			Error::<Test>::BadAcceptanceSignature
		);
		// A relayed pair serves once.
		assert_noop!(
			relay_signed(
				9,
				1,
				acceptance(1, 1, 3, Side::Producer, 0),
				3,
				0,
				acceptance(3, 1, 3, Side::Producer, 0)
			),
			Error::<Test>::StaleProposalNonce
		);
		assert_noop!(
			Market::relay_signed(
				RuntimeOrigin::none(),
				1,
				acceptance(1, 1, 3, Side::Producer, 1),
				3,
				Side::Producer,
				80_000,
				PRICE,
				10,
				20,
				1,
				acceptance(3, 1, 3, Side::Producer, 1)
			),
			DispatchError::BadOrigin
		);
		assert_eq!(Contracts::<Test>::iter().count(), 1);
	});
}

fn relayed(proposer: u64, counterparty: u64, nonce: u32, proposer_signer: u64) -> crate::RelayedOf<Test> {
	crate::Relayed {
		proposer,
		proposer_signature: acceptance(proposer_signer, proposer, counterparty, Side::Producer, nonce),
		counterparty,
		side: Side::Producer,
		quantity_wh: 80_000,
		price: PRICE,
		window_start: 10,
		window_end: 20,
		nonce,
		signature: acceptance(counterparty, proposer, counterparty, Side::Producer, nonce),
	}
}

#[test]
fn relay_many_records_each_contract_and_skips_the_bad_ones() {
	run(|| {
		let batch = |contracts: Vec<crate::RelayedOf<Test>>| {
			Market::relay_many(RuntimeOrigin::signed(9), contracts.try_into().expect("at most 3"))
		};
		// The second contract's proposer signature is the counterparty's: skipped, the rest stand.
		assert_ok!(batch(vec![relayed(1, 3, 0, 1), relayed(2, 4, 0, 4), relayed(2, 3, 0, 2)]));
		let recorded: Vec<_> = Contracts::<Test>::iter_values().map(|c| (c.producer, c.consumer)).collect();
		assert_eq!(recorded.len(), 2);
		assert!(recorded.contains(&(1, 3)) && recorded.contains(&(2, 3)));
		assert_eq!(polls().len(), 2);
		assert_eq!((ProposalNonces::<Test>::get(1), ProposalNonces::<Test>::get(2)), (1, 1));
		assert_eq!(OpenContracts::<Test>::get(4), 0, "nothing of the skipped contract is kept");
		let skipped: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| match r.event {
				RuntimeEvent::Market(Event::RelaySkipped { proposer, nonce, error }) => Some((proposer, nonce, error)),
				_ => None,
			})
			.collect();
		assert_eq!(skipped, vec![(2, 0, Error::<Test>::BadProposerSignature.into())]);
		// A contract relayed twice is skipped the second time (its nonce is used).
		System::reset_events();
		assert_ok!(batch(vec![relayed(1, 3, 0, 1), relayed(1, 4, 1, 1)]));
		assert_eq!(Contracts::<Test>::iter().count(), 3);
		assert!(System::events().iter().any(|r| r.event ==
			RuntimeEvent::Market(Event::RelaySkipped {
				proposer: 1,
				nonce: 0,
				error: Error::<Test>::StaleProposalNonce.into()
			})));
		// Nothing to relay, or no signed origin: refused with nothing changed.
		assert_noop!(batch(vec![]), Error::<Test>::NothingToRelay);
		assert_noop!(
			Market::relay_many(RuntimeOrigin::none(), vec![relayed(2, 4, 0, 2)].try_into().unwrap()),
			DispatchError::BadOrigin
		);
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
		// 80 kWh at 0.64 = 51.2 (each party's worst-case penalty); the consumer's payment is
		// held at the grid price 0.75 (60), the grid fee 80 * 0.02 = 1.6.
		let value = 512 * UNIT / 10;
		let consumer_held = 60 * UNIT + 16 * UNIT / 10 + value;
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

/// Propose, accept, approve, let the window pass: an active contract of producer 1 and
/// consumer 3 (80 kWh at 0.64, window 10..=20), now at block 21.
fn active() -> u64 {
	let id = propose();
	assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
	assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
	System::set_block_number(21);
	id
}

/// Report both readings through the meter keys (node + 100) and attest `attested`.
fn attest(id: u64, delivered_wh: u64, consumed_wh: u64) {
	assert_ok!(Market::report_reading(RuntimeOrigin::signed(101), id, Side::Producer, delivered_wh));
	assert_ok!(Market::report_reading(RuntimeOrigin::signed(103), id, Side::Consumer, consumed_wh));
	assert!(polls().contains(&(id, PollKind::Delivery)));
	assert_ok!(Market::on_verdict(
		id,
		PollKind::Delivery,
		Verdict::Quantities { delivered_wh, consumed_wh }
	));
}

fn total() -> u128 {
	[1, 2, 3, 4, 5, CENTER, POT, GRID]
		.iter()
		.map(|a| <Balances as frame_support::traits::fungible::Inspect<u64>>::total_balance(a))
		.sum()
}

#[test]
fn settlement_of_a_consumer_default_as_in_the_issue_example() {
	run(|| {
		set_credit(3, 90);
		let id = active();
		let issuance = Balances::total_issuance();
		let before = total();
		let (free1, free3, center, pot, grid) = (
			Balances::free_balance(1),
			Balances::free_balance(3),
			Balances::free_balance(CENTER),
			Balances::free_balance(POT),
			Balances::free_balance(GRID),
		);
		let (held3, held1) = (held(3), held(1));
		attest(id, 80_000, 75_000);
		assert_eq!(Market::due(), vec![id]);
		assert_noop!(Market::settle(RuntimeOrigin::signed(5), 77), Error::<Test>::ContractNotFound);
		assert_ok!(Market::settle(RuntimeOrigin::signed(5), id));

		// 75 kWh at 0.64 = 48; grid fee 75 * 0.02 = 1.5; the surplus 5 kWh sold at 0.5 = 2.5.
		let payment = 48 * UNIT;
		let grid_fee = 15 * UNIT / 10;
		let feed_in = 25 * UNIT / 10;
		// Consumer: 90 -> 89, liable; P = (1 - (91.3375/100)^2) * 0.64 = 0.10607751 per kWh.
		let price = 106_077_510_000u128;
		let penalty = 5 * price;
		assert_eq!(credit(3), 89);
		assert_eq!(credit(1), 100);
		match last_event() {
			Event::ContractSettled {
				transferred_wh,
				payment: p,
				grid_fee: g,
				producer_default,
				consumer_default,
				consumer_penalty_price,
				consumer_penalty,
				producer_penalty,
				sold_to_grid_wh,
				bought_from_grid_wh,
				grid_paid,
				..
			} => {
				assert_eq!((transferred_wh, p, g), (75_000, payment, grid_fee));
				assert_eq!((producer_default, consumer_default), (false, true));
				assert_eq!(consumer_penalty_price, price);
				assert_eq!((consumer_penalty, producer_penalty), (penalty, 0));
				assert_eq!((sold_to_grid_wh, bought_from_grid_wh, grid_paid), (5_000, 0, true));
			},
			e => panic!("unexpected {e:?}"),
		}
		// mu = 0.8 to the producer, the rest to the community.
		assert_eq!(distributed(), vec![(Some((1, penalty * 8 / 10)), penalty - penalty * 8 / 10)]);
		assert_eq!((held(1), held(3)), (0, 0));
		assert_eq!(Balances::free_balance(1), free1 + held1 + payment + feed_in);
		assert_eq!(Balances::free_balance(3), free3 + held3 - payment - grid_fee - penalty);
		assert_eq!(Balances::free_balance(CENTER), center + grid_fee);
		assert_eq!(Balances::free_balance(POT), pot + penalty);
		assert_eq!(Balances::free_balance(GRID), grid - feed_in);
		// No money created or destroyed.
		assert_eq!(total(), before);
		assert_eq!(Balances::total_issuance(), issuance);
		assert!(Contracts::<Test>::get(id).is_none());
		assert_eq!(OpenContracts::<Test>::get(1), 0);
	});
}

#[test]
fn a_producer_shortfall_is_bought_from_the_grid() {
	run(|| {
		set_credit(1, 95);
		let id = active();
		let free3 = Balances::free_balance(3) + held(3);
		let grid = Balances::free_balance(GRID);
		attest(id, 70_000, 80_000);
		assert_ok!(Market::settle(RuntimeOrigin::signed(5), id));
		// 70 kWh from the producer at 0.64, 10 kWh from the grid at 0.75, grid fee on 70 kWh.
		let bought = 75 * UNIT / 10;
		assert_eq!(Balances::free_balance(GRID), grid + bought);
		match last_event() {
			Event::ContractSettled { producer_penalty, consumer_penalty, bought_from_grid_wh, .. } => {
				assert!(producer_penalty > 0);
				assert_eq!(consumer_penalty, 0);
				assert_eq!(bought_from_grid_wh, 10_000);
				assert_eq!(
					Balances::free_balance(3),
					free3 - 448 * UNIT / 10 - bought - 14 * UNIT / 10
				);
				// The consumer, harmed, gets mu of the producer's penalty.
				assert_eq!(distributed()[0].0, Some((3, producer_penalty * 8 / 10)));
			},
			e => panic!("unexpected {e:?}"),
		}
	});
}

#[test]
fn both_default_penalties_go_to_the_community_and_stay_within_the_holds() {
	run(|| {
		set_credit(1, 95);
		set_credit(3, 95);
		let id = active();
		// The consumer takes three times the contract: its deviation counts as Q.
		attest(id, 10_000, 240_000);
		assert_ok!(Market::settle(RuntimeOrigin::signed(5), id));
		let d = distributed();
		assert_eq!(d.len(), 2);
		assert!(d.iter().all(|(counterparty, _)| counterparty.is_none()), "mu = 0 for both");
		match last_event() {
			Event::ContractSettled { consumer_penalty_price, consumer_penalty, .. } =>
				assert_eq!(consumer_penalty, consumer_penalty_price * 80),
			e => panic!("unexpected {e:?}"),
		}
		assert_eq!((held(1), held(3)), (0, 0));
	});
}

#[test]
fn readings_need_the_meter_and_a_closed_window() {
	run(|| {
		let id = propose();
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(101), id, Side::Producer, 1),
			Error::<Test>::WrongStatus
		);
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(101), id, Side::Producer, 1),
			Error::<Test>::WindowNotClosed
		);
		System::set_block_number(21);
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(103), id, Side::Producer, 1),
			Error::<Test>::NotMeter
		);
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(1), id, Side::Producer, 1),
			Error::<Test>::NotMeter
		);
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(101), 77, Side::Producer, 1),
			Error::<Test>::ContractNotFound
		);
		// The meter origin may report for either side.
		assert_ok!(Market::report_reading(RuntimeOrigin::root(), id, Side::Producer, 80_000));
		assert_eq!(
			last_event(),
			Event::ReadingReported { id, side: Side::Producer, quantity_wh: 80_000 }
		);
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(101), id, Side::Producer, 1),
			Error::<Test>::ReadingAlreadyReported
		);
		assert!(!polls().contains(&(id, PollKind::Delivery)));
		assert_noop!(Market::settle(RuntimeOrigin::signed(5), id), Error::<Test>::NotDue);
		assert_noop!(
			Market::on_verdict(id, PollKind::Delivery, Verdict::Quantities { delivered_wh: 1, consumed_wh: 1 }),
			Error::<Test>::WrongStatus
		);
	});
}

#[test]
fn report_readings_records_both_sides_as_two_reports_would() {
	run(|| {
		let id = propose();
		let second = propose();
		assert_noop!(Market::report_readings(RuntimeOrigin::root(), id, 1, 1), Error::<Test>::WrongStatus);
		for id in [id, second] {
			assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
			assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		}
		assert_noop!(Market::report_readings(RuntimeOrigin::root(), id, 1, 1), Error::<Test>::WindowNotClosed);
		System::set_block_number(21);
		// Only the metering head-end reports both; a party's meter key does not.
		assert_noop!(
			Market::report_readings(RuntimeOrigin::signed(101), id, 1, 1),
			DispatchError::BadOrigin
		);
		assert_noop!(Market::report_readings(RuntimeOrigin::root(), 77, 1, 1), Error::<Test>::ContractNotFound);
		// Either side reported already: nothing is recorded.
		assert_ok!(Market::report_reading(RuntimeOrigin::signed(103), id, Side::Consumer, 5));
		assert_noop!(
			Market::report_readings(RuntimeOrigin::root(), id, 80_000, 75_000),
			Error::<Test>::ReadingAlreadyReported
		);
		System::reset_events();
		assert_ok!(Market::report_readings(RuntimeOrigin::root(), second, 80_000, 75_000));
		let c = Contracts::<Test>::get(second).unwrap();
		assert_eq!((c.delivered_wh, c.consumed_wh), (Some(80_000), Some(75_000)));
		assert_eq!(c.status, ContractStatus::AwaitingAttestation);
		assert!(polls().contains(&(second, PollKind::Delivery)));
		let events: Vec<_> = System::events()
			.into_iter()
			.filter_map(|r| if let RuntimeEvent::Market(e) = r.event { Some(e) } else { None })
			.collect();
		assert_eq!(
			events,
			vec![
				Event::ReadingReported { id: second, side: Side::Producer, quantity_wh: 80_000 },
				Event::ReadingReported { id: second, side: Side::Consumer, quantity_wh: 75_000 },
			]
		);
	});
}

#[test]
fn missing_readings_count_as_zero_once_the_reading_period_is_over() {
	run(|| {
		let id = propose();
		// Not active yet.
		assert_noop!(Market::close_readings(RuntimeOrigin::signed(5), id), Error::<Test>::WrongStatus);
		assert_ok!(Market::accept(RuntimeOrigin::signed(3), id));
		assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
		let window_end = Contracts::<Test>::get(id).unwrap().window_end;
		System::set_block_number(window_end + 1);
		assert_ok!(Market::report_reading(RuntimeOrigin::signed(101), id, Side::Producer, 80_000));
		// The meters have `ReadingPeriod` (10) blocks after the window.
		System::set_block_number(window_end + 10);
		assert_noop!(
			Market::close_readings(RuntimeOrigin::signed(5), id),
			Error::<Test>::ReadingPeriodNotOver
		);
		assert_noop!(
			Market::close_readings(RuntimeOrigin::signed(5), 77),
			Error::<Test>::ContractNotFound
		);
		assert_noop!(Market::close_readings(RuntimeOrigin::none(), id), DispatchError::BadOrigin);
		System::set_block_number(window_end + 11);
		assert_ok!(Market::close_readings(RuntimeOrigin::signed(5), id));
		assert_eq!(
			last_event(),
			Event::ReadingsClosed { id, delivered_missing: false, consumed_missing: true }
		);
		let contract = Contracts::<Test>::get(id).unwrap();
		assert_eq!(contract.status, ContractStatus::AwaitingAttestation);
		assert_eq!((contract.delivered_wh, contract.consumed_wh), (Some(80_000), Some(0)));
		assert!(polls().contains(&(id, PollKind::Delivery)));
		// Closed once: the late meter cannot report any more, nor can it be closed again.
		assert_noop!(
			Market::report_reading(RuntimeOrigin::signed(103), id, Side::Consumer, 80_000),
			Error::<Test>::WrongStatus
		);
		assert_noop!(Market::close_readings(RuntimeOrigin::signed(5), id), Error::<Test>::WrongStatus);
		// The validators attest what really happened; the consumer defaults on what it missed.
		assert_ok!(Market::on_verdict(
			id,
			PollKind::Delivery,
			Verdict::Quantities { delivered_wh: 80_000, consumed_wh: 0 }
		));
		assert_ok!(Market::settle(RuntimeOrigin::signed(5), id));
		assert!(matches!(last_event(), Event::ContractSettled { consumer_default: true, .. }));
		assert_eq!((held(1), held(3)), (0, 0));
	});
}

/// Attested contracts (1 kWh each) of the `(producer, consumer)` pairs whose readings are
/// `delivered` and `consumed`, due at block 22.
fn due_contracts(pairs: &[(u64, u64)], delivered: u64, consumed: u64) -> Vec<u64> {
	let ids: Vec<u64> = pairs
		.iter()
		.map(|&(producer, consumer)| {
			assert_ok!(Market::propose(
				RuntimeOrigin::signed(producer),
				consumer,
				Side::Producer,
				1_000,
				PRICE,
				10,
				20
			));
			let id = Contracts::<Test>::iter_keys().max().unwrap();
			assert_ok!(Market::accept(RuntimeOrigin::signed(consumer), id));
			assert_ok!(Market::on_verdict(id, PollKind::Approval, Verdict::Approve));
			id
		})
		.collect();
	System::set_block_number(21);
	for id in &ids {
		assert_ok!(Market::report_reading(RuntimeOrigin::root(), *id, Side::Producer, delivered));
		assert_ok!(Market::report_reading(RuntimeOrigin::root(), *id, Side::Consumer, consumed));
		assert_ok!(Market::on_verdict(
			*id,
			PollKind::Delivery,
			Verdict::Quantities { delivered_wh: delivered, consumed_wh: consumed }
		));
	}
	assert!(Market::due().ends_with(&ids));
	ids
}

#[test]
fn the_block_hook_settles_at_most_its_budget() {
	use frame_support::traits::Hooks;
	run(|| {
		// The producer delivers nothing: not a plain settlement, charged the costliest weight.
		due_contracts(&[(5, 3); 3], 0, 1_000);
		Market::on_initialize(22);
		assert_eq!(Market::due().len(), 1, "two per block");
		Market::on_initialize(23);
		assert!(Market::due().is_empty());
		assert!(Contracts::<Test>::iter().next().is_none());
		assert_eq!((held(3), held(5)), (0, 0));
	});
}

#[test]
fn plain_settlements_are_charged_their_own_weight_and_more_fit() {
	use frame_support::traits::Hooks;
	run(|| {
		// A budget of four costliest settlements; five plain ones fit in it.
		MaxSettlements::set(4);
		due_contracts(&[(1, 3), (2, 3), (1, 5), (2, 5), (5, 3)], 1_000, 1_000);
		let used = Market::on_initialize(22);
		let settled = 5 - Market::due().len() as u64;
		assert_eq!(settled, 5, "more plain settlements fit than MaxSettlementsPerBlock costliest");
		let (settle, plain) = (
			|n| <() as crate::WeightInfo>::on_initialize_settle(n),
			|n| <() as crate::WeightInfo>::on_initialize_settle_plain(n),
		);
		let per_plain = plain(1).saturating_sub(plain(0));
		let expected = <() as crate::WeightInfo>::on_initialize_expire(0)
			.saturating_add(settle(0).max(plain(0)))
			.saturating_add(per_plain.saturating_mul(settled));
		assert_eq!(used, expected);
		assert!(matches!(last_event(), Event::ContractSettled { producer_default: false, consumer_default: false, .. }));
	});
}

#[test]
fn the_queue_settles_in_attestation_order_across_pages() {
	use crate::{DueCursor, DuePages, DueQueue, DUE_PAGE_SIZE};
	use frame_support::traits::Hooks;
	run(|| {
		// Ids of no contract (settled by hand, say) fill a page; the attested ones follow on the
		// next page.
		let gone: Vec<u64> = (1_000..1_000 + u64::from(DUE_PAGE_SIZE) - 1).collect();
		for id in &gone {
			Market::enqueue_due(*id);
		}
		let ids = due_contracts(&[(1, 3), (2, 3), (1, 5)], 1_000, 1_000);
		let mut expected = gone.clone();
		expected.extend(&ids);
		assert_eq!(Market::due(), expected);
		assert_eq!(DueQueue::<Test>::get(), DueCursor { head: 0, taken: 0, tail: 1 });
		assert_eq!(DuePages::<Test>::get(1).into_inner(), ids[1..].to_vec());

		MaxSettlements::set(2);
		Market::on_initialize(22);
		// The gone ids cost a lookup each; the budget ends within the first page.
		let cursor = DueQueue::<Test>::get();
		assert_eq!((cursor.head, cursor.tail), (0, 1));
		assert!(Contracts::<Test>::contains_key(ids[0]));

		MaxSettlements::set(2_000);
		Market::on_initialize(23);
		assert!(Market::due().is_empty());
		assert!(ids.iter().all(|id| !Contracts::<Test>::contains_key(id)));
		// The finished page is gone.
		assert!(!DuePages::<Test>::contains_key(0));
		assert_eq!(DueQueue::<Test>::get(), DueCursor { head: 1, taken: 2, tail: 1 });
		Market::do_try_state().unwrap();
	});
}

#[test]
fn a_contract_settled_by_hand_is_skipped_by_the_hook() {
	use frame_support::traits::Hooks;
	run(|| {
		let ids = due_contracts(&[(1, 3), (2, 5)], 1_000, 1_000);
		assert_ok!(Market::settle(RuntimeOrigin::signed(5), ids[0]));
		// Still queued until the hook reaches it.
		assert_eq!(Market::due(), ids);
		Market::do_try_state().unwrap();
		Market::on_initialize(22);
		assert!(Market::due().is_empty());
		assert!(!Contracts::<Test>::contains_key(ids[1]));
		assert!(matches!(last_event(), Event::ContractSettled { id, .. } if id == ids[1]));
	});
}

mod properties {
	use super::*;
	use proptest::prelude::*;

	#[derive(Clone, Debug)]
	enum Op {
		Propose { producer: u64, consumer: u64, quantity: u64, price_cents: u128 },
		Accept(u8),
		Verdict(u8, bool),
		Advance,
		Read(u8, bool, u64),
		Attest(u8, u64, u64),
		Settle(u8),
		/// Let the reading period run out and close a contract's readings.
		CloseReadings(u8),
		Hook,
		/// A whole trade: propose, accept, approve, readings, attestation, settlement.
		Trade { producer: u64, consumer: u64, quantity: u64, delivered: u64, consumed: u64, by_hook: bool },
	}

	fn op() -> impl Strategy<Value = Op> {
		prop_oneof![
			3 => (prop::sample::select(vec![1u64, 2, 5]), prop::sample::select(vec![3u64, 4, 5]),
				1u64..100_000, 10u128..200)
				.prop_map(|(producer, consumer, quantity, price_cents)| Op::Propose {
					producer, consumer, quantity, price_cents
				}),
			2 => any::<u8>().prop_map(Op::Accept),
			2 => (any::<u8>(), any::<bool>()).prop_map(|(c, a)| Op::Verdict(c, a)),
			1 => Just(Op::Advance),
			2 => (any::<u8>(), any::<bool>(), 0u64..250_000).prop_map(|(c, s, q)| Op::Read(c, s, q)),
			2 => (any::<u8>(), 0u64..250_000, 0u64..250_000).prop_map(|(c, d, q)| Op::Attest(c, d, q)),
			1 => any::<u8>().prop_map(Op::Settle),
			1 => any::<u8>().prop_map(Op::CloseReadings),
			1 => Just(Op::Hook),
			3 => (prop::sample::select(vec![1u64, 2, 5]), prop::sample::select(vec![3u64, 4, 5]),
				1u64..100_000, 0u64..250_000, 0u64..250_000, any::<bool>())
				.prop_map(|(producer, consumer, quantity, delivered, consumed, by_hook)| Op::Trade {
					producer, consumer, quantity, delivered, consumed, by_hook
				}),
		]
	}

	fn pick(index: u8) -> Option<u64> {
		let ids: Vec<u64> = Contracts::<Test>::iter_keys().collect();
		(!ids.is_empty()).then(|| {
			let mut ids = ids;
			ids.sort();
			ids[index as usize % ids.len()]
		})
	}

	proptest! {
		/// Over random sequences of market calls and verdicts, whatever succeeds or fails, no
		/// money is created or destroyed, holds match what open contracts need, and credit
		/// stays within 0..=100.
		#[test]
		fn money_is_conserved(ops in proptest::collection::vec(op(), 1..40)) {
			new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
				set_credit(1, 95);
				set_credit(3, 92);
				let before = total();
				let issuance = Balances::total_issuance();
				for op in ops {
					let _ = match op {
						Op::Propose { producer, consumer, quantity, price_cents } => {
							let now = System::block_number() as u64;
							let origin = RuntimeOrigin::signed(producer);
							Market::propose(origin, consumer, Side::Producer, quantity,
								price_cents * UNIT / 100, now + 2, now + 4)
						},
						Op::Accept(c) => match pick(c) {
							Some(id) => {
								let consumer = Contracts::<Test>::get(id).unwrap().consumer;
								Market::accept(RuntimeOrigin::signed(consumer), id)
							},
							None => Ok(()),
						},
						Op::Verdict(c, approve) => match pick(c) {
							Some(id) => Market::on_verdict(id, PollKind::Approval,
								if approve { Verdict::Approve } else { Verdict::Reject }),
							None => Ok(()),
						},
						Op::Advance => {
							System::set_block_number(System::block_number() + 3);
							Ok(())
						},
						Op::Read(c, producer_side, q) => match pick(c) {
							Some(id) => Market::report_reading(RuntimeOrigin::root(), id,
								if producer_side { Side::Producer } else { Side::Consumer }, q),
							None => Ok(()),
						},
						Op::Attest(c, d, q) => match pick(c) {
							Some(id) => Market::on_verdict(id, PollKind::Delivery,
								Verdict::Quantities { delivered_wh: d, consumed_wh: q }),
							None => Ok(()),
						},
						Op::Settle(c) => match pick(c) {
							Some(id) => Market::settle(RuntimeOrigin::signed(2), id),
							None => Ok(()),
						},
						Op::CloseReadings(c) => match pick(c) {
							Some(id) => {
								System::set_block_number(System::block_number() + 11);
								Market::close_readings(RuntimeOrigin::signed(2), id)
							},
							None => Ok(()),
						},
						Op::Hook => {
							use frame_support::traits::Hooks;
							Market::on_initialize(System::block_number());
							Ok(())
						},
						Op::Trade { producer, consumer, quantity, delivered, consumed, by_hook } => {
							use frame_support::traits::Hooks;
							let now = System::block_number() as u64;
							let price = 64 * UNIT / 100;
							(|| -> sp_runtime::DispatchResult {
								Market::propose(RuntimeOrigin::signed(producer), consumer,
									Side::Producer, quantity, price, now + 1, now + 2)?;
								let id = crate::NextContractId::<Test>::get() - 1;
								Market::accept(RuntimeOrigin::signed(consumer), id)?;
								Market::on_verdict(id, PollKind::Approval, Verdict::Approve)?;
								System::set_block_number(System::block_number() + 3);
								Market::report_reading(RuntimeOrigin::root(), id, Side::Producer, delivered)?;
								Market::report_reading(RuntimeOrigin::root(), id, Side::Consumer, consumed)?;
								Market::on_verdict(id, PollKind::Delivery,
									Verdict::Quantities { delivered_wh: delivered, consumed_wh: consumed })?;
								if by_hook {
									Market::on_initialize(System::block_number());
									Ok(())
								} else {
									Market::settle(RuntimeOrigin::signed(2), id)
								}
							})()
						},
					};
					prop_assert_eq!(total(), before);
					prop_assert_eq!(Balances::total_issuance(), issuance);
					prop_assert!(Market::do_try_state().is_ok(), "{:?}", Market::do_try_state());
					for who in [1u64, 2, 3, 4, 5] {
						prop_assert!(credit(who) <= 100);
					}
				}
				Ok(())
			})?;
		}

		/// The trade generator reaches settlement (so the property above is about settlements).
		#[test]
		fn trades_settle(ops in proptest::collection::vec(op(), 20..40)) {
			new_test_ext().execute_with(|| -> Result<(), TestCaseError> {
				let mut trades = 0;
				for op in ops {
					if let Op::Trade { producer, consumer, quantity, delivered, consumed, .. } = op {
						if producer == consumer {
							continue;
						}
						let now = System::block_number() as u64;
						let price = 64 * UNIT / 100;
						let ok = (|| -> sp_runtime::DispatchResult {
							Market::propose(RuntimeOrigin::signed(producer), consumer, Side::Producer,
								quantity, price, now + 1, now + 2)?;
							let id = crate::NextContractId::<Test>::get() - 1;
							Market::accept(RuntimeOrigin::signed(consumer), id)?;
							Market::on_verdict(id, PollKind::Approval, Verdict::Approve)?;
							System::set_block_number(System::block_number() + 3);
							Market::report_reading(RuntimeOrigin::root(), id, Side::Producer, delivered)?;
							Market::report_reading(RuntimeOrigin::root(), id, Side::Consumer, consumed)?;
							Market::on_verdict(id, PollKind::Delivery,
								Verdict::Quantities { delivered_wh: delivered, consumed_wh: consumed })?;
							Market::settle(RuntimeOrigin::signed(2), id)
						})();
						if ok.is_ok() {
							trades += 1;
						}
					}
				}
				let settled = System::events().iter().filter(|r| matches!(
					r.event, RuntimeEvent::Market(Event::ContractSettled { .. }))).count();
				prop_assert_eq!(settled, trades);
				Ok(())
			})?;
		}
	}
}

mod offers {
	use super::*;
	use crate::{Offers, OffersExpiringAt, OpenOffers};
	use frame_support::traits::Hooks;

	#[test]
	fn post_cancel_and_expire() {
		run(|| {
			assert_ok!(Market::post_offer(RuntimeOrigin::signed(1), Side::Producer, 50_000, Some(PRICE), 5, 8));
			assert_eq!(
				last_event(),
				Event::OfferPosted {
					id: 0,
					owner: 1,
					side: Side::Producer,
					quantity_wh: 50_000,
					price: Some(PRICE),
					window_start: 5,
					window_end: 8
				}
			);
			// A demand without a price cap.
			assert_ok!(Market::post_offer(RuntimeOrigin::signed(3), Side::Consumer, 10_000, None, 5, 6));
			assert_eq!(OpenOffers::<Test>::get(1), 1);
			assert_eq!(OffersExpiringAt::<Test>::get(5).into_inner(), vec![0, 1]);
			assert_noop!(Market::cancel_offer(RuntimeOrigin::signed(3), 0), Error::<Test>::NotOfferOwner);
			assert_noop!(Market::cancel_offer(RuntimeOrigin::signed(1), 9), Error::<Test>::OfferNotFound);
			assert_ok!(Market::cancel_offer(RuntimeOrigin::signed(1), 0));
			assert_eq!(last_event(), Event::OfferCancelled { id: 0 });
			assert_eq!(OffersExpiringAt::<Test>::get(5).into_inner(), vec![1]);
			// The demand expires when its window starts.
			Market::on_initialize(5);
			assert_eq!(last_event(), Event::OfferExpired { id: 1 });
			assert!(Offers::<Test>::iter().next().is_none());
			assert_eq!(OpenOffers::<Test>::get(3), 0);
		});
	}

	#[test]
	fn post_errors_change_nothing() {
		run(|| {
			let post = |who, side, q, price, start, end| {
				Market::post_offer(RuntimeOrigin::signed(who), side, q, price, start, end)
			};
			assert_noop!(post(9, Side::Producer, 1, Some(PRICE), 5, 5), Error::<Test>::NotActive);
			assert_noop!(post(3, Side::Producer, 1, Some(PRICE), 5, 5), Error::<Test>::ProducerRoleMismatch);
			assert_noop!(post(1, Side::Consumer, 1, None, 5, 5), Error::<Test>::ConsumerRoleMismatch);
			assert_noop!(post(1, Side::Producer, 0, Some(PRICE), 5, 5), Error::<Test>::ZeroQuantity);
			assert_noop!(post(1, Side::Producer, 100_001, Some(PRICE), 5, 5), Error::<Test>::QuantityTooLarge);
			assert_noop!(post(1, Side::Producer, 1, None, 5, 5), Error::<Test>::PriceRequired);
			assert_noop!(post(1, Side::Producer, 1, Some(3 * UNIT), 5, 5), Error::<Test>::PriceOutOfBand);
			assert_noop!(post(3, Side::Consumer, 1, Some(1), 5, 5), Error::<Test>::PriceOutOfBand);
			assert_noop!(post(1, Side::Producer, 1, Some(PRICE), 1, 5), Error::<Test>::BadWindow);
			assert_noop!(post(1, Side::Producer, 1, Some(PRICE), 6, 5), Error::<Test>::BadWindow);
			for _ in 0..3 {
				assert_ok!(post(5, Side::Producer, 1, Some(PRICE), 5, 5));
			}
			assert_noop!(post(5, Side::Consumer, 1, None, 6, 6), Error::<Test>::TooManyOpenOffers);
			assert_ok!(post(1, Side::Producer, 1, Some(PRICE), 5, 5));
			// Four offers start in block 5: the block's list is full.
			assert_noop!(post(2, Side::Producer, 1, Some(PRICE), 5, 5), Error::<Test>::TooManyOffersInBlock);
			assert_ok!(post(2, Side::Producer, 1, Some(PRICE), 6, 6));
		});
	}
}
