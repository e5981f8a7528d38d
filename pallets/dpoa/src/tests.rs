//! Tests of the DPoA pallet's rules.

use crate::{mock::*, Authorities, ConsensusLog, CurrentSlot, Error, Event, DPOA_ENGINE_ID};
use codec::Encode;
use frame_support::{assert_noop, assert_ok, traits::Hooks};
use sp_runtime::{generic::DigestItem, DispatchError};

fn last_event() -> RuntimeEvent {
	System::events().pop().expect("an event was deposited").event
}

fn authorities_change_logged(set: &[crate::AuthorityId]) -> bool {
	let expected = DigestItem::Consensus(
		DPOA_ENGINE_ID,
		ConsensusLog::AuthoritiesChange(set.to_vec()).encode(),
	);
	System::digest().logs().contains(&expected)
}

#[test]
fn genesis_sets_authorities() {
	ExtBuilder::default().authorities(vec![authority(1), authority(2)]).build_and_execute(|| {
		assert_eq!(Dpoa::authorities(), vec![authority(1), authority(2)]);
		assert_eq!(Dpoa::slot_duration(), SLOT_DURATION);
	});
}

#[test]
fn genesis_without_authorities_fails_try_state() {
	ExtBuilder::default().authorities(vec![]).build().execute_with(|| {
		assert!(Dpoa::authorities().is_empty());
		assert_eq!(Dpoa::do_try_state(), Err("DPoA authority set is empty".into()));
	});
}

#[test]
#[should_panic(expected = "without duplicates")]
fn genesis_rejects_duplicates() {
	ExtBuilder::default().authorities(vec![authority(1), authority(1)]).build();
}

#[test]
fn set_authorities_replaces_the_set() {
	ExtBuilder::default().build_and_execute(|| {
		let new = vec![authority(3), authority(2)];
		assert_ok!(Dpoa::set_authorities(RuntimeOrigin::root(), new.clone()));
		assert_eq!(Dpoa::authorities(), new);
		assert_eq!(last_event(), Event::AuthoritiesSet { authorities: new.clone() }.into());
		assert!(authorities_change_logged(&new));
	});
}

#[test]
fn set_authorities_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Dpoa::set_authorities(RuntimeOrigin::signed(1), vec![authority(2)]),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Dpoa::set_authorities(RuntimeOrigin::root(), vec![]),
			Error::<Test>::EmptyAuthoritySet
		);
		assert_noop!(
			Dpoa::set_authorities(RuntimeOrigin::root(), vec![authority(2), authority(3), authority(2)]),
			Error::<Test>::DuplicateAuthority
		);
		let too_many = (0..=MAX_AUTHORITIES as u8).map(authority).collect();
		assert_noop!(
			Dpoa::set_authorities(RuntimeOrigin::root(), too_many),
			Error::<Test>::TooManyAuthorities
		);
		assert_eq!(Dpoa::authorities(), vec![authority(1)]);
	});
}

#[test]
fn add_and_remove_authority() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Dpoa::add_authority(RuntimeOrigin::root(), authority(2)));
		assert_eq!(Dpoa::authorities(), vec![authority(1), authority(2)]);
		assert_eq!(last_event(), Event::AuthorityAdded { authority: authority(2) }.into());

		assert_ok!(Dpoa::remove_authority(RuntimeOrigin::root(), authority(1)));
		assert_eq!(Dpoa::authorities(), vec![authority(2)]);
		assert_eq!(last_event(), Event::AuthorityRemoved { authority: authority(1) }.into());
		assert!(authorities_change_logged(&[authority(2)]));
	});
}

#[test]
fn add_authority_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Dpoa::add_authority(RuntimeOrigin::signed(1), authority(2)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Dpoa::add_authority(RuntimeOrigin::root(), authority(1)),
			Error::<Test>::AlreadyAuthority
		);
	});
	let full: Vec<_> = (0..MAX_AUTHORITIES as u8).map(authority).collect();
	ExtBuilder::default().authorities(full).build_and_execute(|| {
		assert_noop!(
			Dpoa::add_authority(RuntimeOrigin::root(), authority(200)),
			Error::<Test>::TooManyAuthorities
		);
	});
}

#[test]
fn remove_authority_errors_change_nothing() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Dpoa::remove_authority(RuntimeOrigin::signed(1), authority(1)),
			DispatchError::BadOrigin
		);
		assert_noop!(
			Dpoa::remove_authority(RuntimeOrigin::root(), authority(9)),
			Error::<Test>::NotAuthority
		);
		// The last authority cannot leave: the set must never be empty.
		assert_noop!(
			Dpoa::remove_authority(RuntimeOrigin::root(), authority(1)),
			Error::<Test>::EmptyAuthoritySet
		);
	});
}

#[test]
fn on_initialize_records_increasing_slots() {
	ExtBuilder::default().build_and_execute(|| {
		initialize_block_at_slot(1, 10);
		assert_eq!(*CurrentSlot::<Test>::get(), 10);
		initialize_block_at_slot(2, 12);
		assert_eq!(*CurrentSlot::<Test>::get(), 12);
	});
}

#[test]
fn vrf_outputs_accumulate_into_the_randomness() {
	use frame_support::traits::Randomness;
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(crate::AccumulatedRandomness::<Test>::get(), [0u8; 32]);
		initialize_block_at_slot(1, 10);
		let first = crate::AccumulatedRandomness::<Test>::get();
		assert_ne!(first, [0u8; 32]);
		// The output of slot 10 is fixed by the key and the slot: the same in any chain.
		let output = dpoa_consensus_primitives::vrf_randomness(&authority(1), 10.into(), &vrf_signature(1, 10))
			.expect("valid");
		let mut input = [0u8; 64];
		input[32..].copy_from_slice(&output);
		assert_eq!(first, sp_io::hashing::blake2_256(&input));
		let (r1, _) = Dpoa::random(b"draw");
		initialize_block_at_slot(2, 11);
		assert_ne!(crate::AccumulatedRandomness::<Test>::get(), first);
		let (r2, at) = Dpoa::random(b"draw");
		assert_ne!(r1, r2);
		assert_eq!(at, 2);
		assert_ne!(Dpoa::random(b"other").0, r2, "the subject matters");
	});
}

#[test]
#[should_panic(expected = "The DPoA VRF signature must be valid")]
fn a_vrf_for_another_slot_is_invalid() {
	ExtBuilder::default().build().execute_with(|| {
		initialize_block_with(1, crate::PreDigest {
			slot: 10.into(),
			authority_index: 0,
			vrf_signature: vrf_signature(1, 11),
		});
	});
}

#[test]
#[should_panic(expected = "The DPoA VRF signature must be valid")]
fn a_vrf_by_another_key_is_invalid() {
	ExtBuilder::default().build().execute_with(|| {
		initialize_block_with(1, crate::PreDigest {
			slot: 10.into(),
			authority_index: 0,
			vrf_signature: vrf_signature(2, 10),
		});
	});
}

#[test]
#[should_panic(expected = "The DPoA pre-digest must name an authority")]
fn a_pre_digest_naming_no_authority_is_invalid() {
	ExtBuilder::default().build().execute_with(|| {
		initialize_block_with(1, crate::PreDigest {
			slot: 10.into(),
			authority_index: 5,
			vrf_signature: vrf_signature(1, 10),
		});
	});
}

#[test]
#[should_panic(expected = "Slot must increase")]
fn a_block_in_the_same_slot_is_invalid() {
	ExtBuilder::default().build().execute_with(|| {
		initialize_block_at_slot(1, 10);
		initialize_block_at_slot(2, 10);
	});
}

#[test]
fn timestamp_in_the_claimed_slot_is_accepted() {
	ExtBuilder::default().build_and_execute(|| {
		initialize_block_at_slot(1, 10);
		assert_ok!(Timestamp::set(RuntimeOrigin::none(), 10 * SLOT_DURATION + 1));
	});
}

#[test]
#[should_panic(expected = "Timestamp slot must match")]
fn timestamp_outside_the_claimed_slot_is_invalid() {
	ExtBuilder::default().build().execute_with(|| {
		initialize_block_at_slot(1, 10);
		let _ = Timestamp::set(RuntimeOrigin::none(), 11 * SLOT_DURATION);
	});
}

#[test]
fn integrity_test_passes() {
	ExtBuilder::default().build_and_execute(|| {
		<crate::Pallet<Test> as Hooks<u64>>::integrity_test();
		assert_eq!(Authorities::<Test>::get().len(), 1);
	});
}
