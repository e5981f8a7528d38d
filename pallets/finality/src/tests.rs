//! Tests of attestations, quorum, justifications and equivocation reports.

use crate::{
	invalid, mock::*, Attestation, Error, Event, Justified, LastJustified, Pending, SessionValidators,
};
use frame_support::{
	assert_noop, assert_ok,
	pallet_prelude::{InvalidTransaction, TransactionSource, TransactionValidityError},
	traits::Authorize,
};
use sp_core::{Pair, H256};
use sp_runtime::DispatchError;

fn attest(signed: crate::SignedAttestation) -> sp_runtime::DispatchResult {
	let call = RuntimeCall::Finality(crate::Call::attest { signed });
	// As the pipeline does: authorize, then dispatch with the authorized origin.
	call.authorize(TransactionSource::External)
		.expect("an authorize function")
		.map_err(|_| DispatchError::Other("unauthorized"))?;
	Finality::attest(frame_system::RawOrigin::Authorized.into(), match call {
		RuntimeCall::Finality(crate::Call::attest { signed }) => signed,
		_ => unreachable!(),
	})
}

fn authorize(signed: crate::SignedAttestation) -> Result<(), TransactionValidityError> {
	Finality::authorize_attest(&signed).map(|_| ())
}

fn events() -> Vec<Event<Test>> {
	System::events()
		.into_iter()
		.filter_map(|r| if let RuntimeEvent::Finality(e) = r.event { Some(e) } else { None })
		.collect()
}

#[test]
fn a_quorum_of_attestations_justifies_a_block() {
	run(|| {
		run_to(3);
		// Validator 1 (40 of 100): not yet a quorum.
		assert_ok!(attest(signed(1, 0, 2, block_hash(2))));
		assert_eq!(Pending::<Test>::get(2).unwrap().weight, 40);
		assert_eq!(LastJustified::<Test>::get(), 0);
		// Validator 4 (10): 50, still not.
		assert_ok!(attest(signed(4, 0, 2, block_hash(2))));
		// Validator 2 (30): 80 >= 2/3 of 100.
		assert_ok!(attest(signed(2, 0, 2, block_hash(2))));
		assert!(Pending::<Test>::get(2).is_none());
		assert_eq!(Justified::<Test>::get(2).unwrap().weight, 80);
		assert_eq!(LastJustified::<Test>::get(), 2);
		assert_eq!(
			events().last(),
			Some(&Event::BlockJustified { number: 2, hash: block_hash(2), session: 0, weight: 80 })
		);
		// The justification verifies against the recorded validators, as a node checks it.
		let justifications = Finality::justifications(0, 10);
		assert_eq!(justifications.len(), 1);
		let (session, set) = Finality::validators_of(2).unwrap();
		assert_eq!(justifications[0].verify(2, block_hash(2), session, &set), Ok(()));
		assert_eq!(Finality::status().last_justified, 2);
		assert_eq!(Finality::status().attestations_total, 3);
		// Once justified, further attestations are stale.
		assert_eq!(authorize(signed(3, 0, 2, block_hash(2))), Err(InvalidTransaction::Stale.into()));
	});
}

#[test]
fn exactly_two_thirds_is_a_quorum_and_less_is_not() {
	run(|| {
		set_session(0, &[(1, 2), (2, 1)]);
		run_to(3);
		assert_ok!(attest(signed(2, 0, 2, block_hash(2))));
		assert!(Pending::<Test>::get(2).is_some(), "1 of 3 is not a quorum");
		assert_ok!(attest(signed(1, 0, 1, block_hash(1))));
		assert!(Justified::<Test>::get(1).is_some(), "2 of 3 is");
	});
}

#[test]
fn forged_attestations_are_rejected() {
	run(|| {
		run_to(5);
		let hash = block_hash(3);
		// Wrong key: validator 1's name, validator 2's signature.
		let mut forged = signed(1, 0, 3, hash);
		forged.signature = pair(2).sign(&forged.attestation.payload());
		assert_eq!(authorize(forged), Err(InvalidTransaction::BadProof.into()));
		// A signature over another block does not carry over.
		let mut moved = signed(1, 0, 3, hash);
		moved.attestation.number = 2;
		moved.attestation.hash = block_hash(2);
		assert_eq!(authorize(moved), Err(InvalidTransaction::BadProof.into()));
		// Not a validator.
		assert_eq!(
			authorize(signed(9, 0, 3, hash)),
			Err(InvalidTransaction::Custom(invalid::NOT_VALIDATOR).into())
		);
		// Not this chain's block.
		assert_eq!(
			authorize(signed(1, 0, 3, H256::repeat_byte(0xee))),
			Err(InvalidTransaction::Custom(invalid::WRONG_HASH).into())
		);
		// Another session.
		assert_eq!(
			authorize(signed(1, 7, 3, hash)),
			Err(InvalidTransaction::Custom(invalid::WRONG_SESSION).into())
		);
		// The current block and later ones have no hash yet.
		assert_eq!(authorize(signed(1, 0, 5, block_hash(5))), Err(InvalidTransaction::Future.into()));
		// Replayed.
		assert_ok!(attest(signed(1, 0, 3, hash)));
		assert_eq!(authorize(signed(1, 0, 3, hash)), Err(InvalidTransaction::Stale.into()));
		// Too old: beyond the attestation window (16).
		run_to(30);
		assert_eq!(authorize(signed(2, 0, 4, block_hash(4))), Err(InvalidTransaction::Stale.into()));
		// Only the authorized origin may dispatch.
		assert_noop!(
			Finality::attest(RuntimeOrigin::signed(account(1)), signed(1, 0, 28, block_hash(28))),
			DispatchError::BadOrigin
		);
		// Valid when authorized but stale by dispatch time: a named error, nothing changed.
		assert_ok!(attest(signed(1, 0, 28, block_hash(28))));
		assert_noop!(
			Finality::attest(frame_system::RawOrigin::Authorized.into(), signed(1, 0, 28, block_hash(28))),
			Error::<Test>::InvalidAttestation
		);
	});
}

#[test]
fn attestations_use_the_blocks_session_snapshot() {
	run(|| {
		run_to(3);
		// Session 1 starts with other validators; block 2 still belongs to session 0.
		set_session(1, &[(5, 100)]);
		run_to(4);
		assert_eq!(Finality::validators_of(3).unwrap().0, 1);
		assert_eq!(
			authorize(signed(5, 1, 2, block_hash(2))),
			Err(InvalidTransaction::Custom(invalid::WRONG_SESSION).into())
		);
		assert_eq!(
			authorize(signed(5, 0, 2, block_hash(2))),
			Err(InvalidTransaction::Custom(invalid::NOT_VALIDATOR).into())
		);
		assert_ok!(attest(signed(1, 0, 2, block_hash(2))));
		assert_ok!(attest(signed(5, 1, 3, block_hash(3))));
		assert_eq!(LastJustified::<Test>::get(), 3);
	});
}

#[test]
fn records_are_pruned_after_the_window() {
	run(|| {
		run_to(3);
		assert_ok!(attest(signed(1, 0, 2, block_hash(2))));
		// Blocks 1 and 2 are session 0's; block 3 on are session 1's.
		set_session(1, &[(5, 100)]);
		run_to(18);
		assert!(Pending::<Test>::get(2).is_some());
		assert!(SessionValidators::<Test>::get(0).is_some());
		// At block 19 block 2 is older than the window (16): it goes, and with it session 0.
		run_to(19);
		assert!(Pending::<Test>::get(2).is_none());
		assert!(SessionValidators::<Test>::get(0).is_none());
		assert!(SessionValidators::<Test>::get(1).is_some());
	});
}

#[test]
fn an_equivocation_costs_credit_and_the_seat() {
	run(|| {
		run_to(3);
		let first = signed(3, 0, 2, block_hash(2));
		let second = signed(3, 0, 2, H256::repeat_byte(0xab));
		// Not a conflict: the same hash, or two validators, or two heights.
		for (a, b) in [
			(first.clone(), first.clone()),
			(first.clone(), signed(4, 0, 2, H256::repeat_byte(0xab))),
			(first.clone(), signed(3, 0, 1, H256::repeat_byte(0xab))),
		] {
			assert_eq!(
				Finality::authorize_report_equivocation(&a, &b).map(|_| ()),
				Err(InvalidTransaction::Custom(invalid::NO_CONFLICT).into())
			);
		}
		let mut bad = second.clone();
		bad.signature = pair(4).sign(&bad.attestation.payload());
		assert_eq!(
			Finality::authorize_report_equivocation(&first, &bad).map(|_| ()),
			Err(InvalidTransaction::BadProof.into())
		);
		assert!(Finality::authorize_report_equivocation(&first, &second).is_ok());
		assert_ok!(Finality::report_equivocation(
			frame_system::RawOrigin::Authorized.into(),
			first.clone(),
			second.clone()
		));
		assert_eq!(
			events().last(),
			Some(&Event::Equivocation {
				validator: pair(3).public(),
				session: 0,
				number: 2,
				first: block_hash(2),
				second: H256::repeat_byte(0xab),
			})
		);
		assert_eq!(TRADES.with(|t| t.borrow().clone()), vec![(account(3), true)]);
		assert_eq!(VERIFICATIONS.with(|t| t.borrow().clone()), vec![(account(3), false)]);
		assert!(!<MockValidators as energy_primitives::ValidatorSet<_>>::validators().iter().any(|(a, _)| a == &account(3)));
		assert!(!SessionValidators::<Test>::get(0).unwrap().iter().any(|(v, _)| v == &pair(3).public()));
		// Punished once; and it can no longer attest.
		assert_eq!(
			Finality::authorize_report_equivocation(&first, &second).map(|_| ()),
			Err(InvalidTransaction::Stale.into())
		);
		assert_eq!(
			authorize(signed(3, 0, 2, block_hash(2))),
			Err(InvalidTransaction::Custom(invalid::NOT_VALIDATOR).into())
		);
		assert_noop!(
			Finality::report_equivocation(RuntimeOrigin::signed(account(1)), first, second),
			DispatchError::BadOrigin
		);
	});
}

#[test]
fn pruning_is_charged_for_the_reports_it_removes() {
	use crate::{Reported, WeightInfo};
	use frame_support::traits::Hooks;
	let charged =
		|reports| <() as WeightInfo>::on_initialize(reports).saturating_add(<() as WeightInfo>::on_finalize());
	assert!(charged(1).ref_time() > charged(0).ref_time());
	let mut ext = new_test_ext();
	ext.execute_with(|| {
		run_to(3);
		let (first, second) = (signed(3, 0, 2, block_hash(2)), signed(3, 0, 2, H256::repeat_byte(0xab)));
		assert_ok!(Finality::report_equivocation(frame_system::RawOrigin::Authorized.into(), first, second));
		run_to(18);
	});
	// On a node the report is in the database by the time its block is pruned, blocks later; the
	// count of removed keys covers what is in the database.
	ext.commit_all().expect("the test state commits");
	ext.execute_with(|| {
		assert!(Reported::<Test>::contains_key(2, pair(3).public()));
		// Block 19 prunes block 2 (the window is 16).
		Finality::on_finalize(18);
		System::initialize(&19, &block_hash(18), &Default::default());
		assert_eq!(Finality::on_initialize(19), charged(1));
		assert!(!Reported::<Test>::contains_key(2, pair(3).public()));
		Finality::on_finalize(19);
		System::initialize(&20, &block_hash(19), &Default::default());
		assert_eq!(Finality::on_initialize(20), charged(0));
	});
}

#[test]
fn a_justification_with_a_bad_signature_or_without_quorum_does_not_verify() {
	use crate::DpoaJustification;
	use dpoa_consensus_primitives::finality::JustificationError;
	let set: Vec<_> = [(1u8, 40u128), (2, 30), (3, 30)].iter().map(|(i, w)| (pair(*i).public(), *w)).collect();
	let attestation = Attestation { session: 4, number: 9, hash: block_hash(9) };
	let sig = |i: u8| (pair(i).public(), pair(i).sign(&attestation.payload()));
	let j = |signatures| DpoaJustification { attestation, signatures };
	assert_eq!(j(vec![sig(1), sig(2)]).verify(9, block_hash(9), 4, &set), Ok(()));
	assert_eq!(j(vec![sig(1)]).verify(9, block_hash(9), 4, &set), Err(JustificationError::NoQuorum));
	assert_eq!(j(vec![sig(1), sig(1)]).verify(9, block_hash(9), 4, &set), Err(JustificationError::Duplicate));
	assert_eq!(j(vec![sig(1), sig(7)]).verify(9, block_hash(9), 4, &set), Err(JustificationError::NotValidator));
	let forged = (pair(2).public(), pair(3).sign(&attestation.payload()));
	assert_eq!(j(vec![sig(1), forged]).verify(9, block_hash(9), 4, &set), Err(JustificationError::BadSignature));
	assert_eq!(j(vec![sig(1), sig(2)]).verify(8, block_hash(9), 4, &set), Err(JustificationError::WrongBlock));
	assert_eq!(j(vec![sig(1), sig(2)]).verify(9, block_hash(8), 4, &set), Err(JustificationError::WrongBlock));
	assert_eq!(j(vec![sig(1), sig(2)]).verify(9, block_hash(9), 5, &set), Err(JustificationError::WrongSession));
}
