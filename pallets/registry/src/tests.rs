//! Tests of the registry pallet.

use crate::{mock::*, ActiveCount, Applications, Error, Event, HoldReason, NodeStatus, Nodes, Role};
use energy_primitives::Registry as _;
use frame_support::{assert_noop, assert_ok, traits::fungible::InspectHold};
use sp_runtime::{DispatchError, TokenError};

fn last_event() -> Event<Test> {
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| if let RuntimeEvent::Registry(e) = r.event { Some(e) } else { None })
		.expect("a registry event")
}

fn held(who: u64) -> u128 {
	Balances::balance_on_hold(&HoldReason::Application.into(), &who)
}

#[test]
fn apply_then_approve_registers_and_releases_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Registry::apply(RuntimeOrigin::signed(1), Role::Producer, 101, 5_000));
		assert_eq!(held(1), DEPOSIT);
		assert_eq!(
			last_event(),
			Event::Applied { who: 1, role: Role::Producer, meter: 101, capacity_wh: 5_000, deposit: DEPOSIT }
		);
		// Not yet active.
		assert_eq!(Registry::active_role(&1), None);

		assert_ok!(Registry::approve(RuntimeOrigin::root(), 1));
		assert_eq!(held(1), 0);
		assert_eq!(Registry::active_role(&1), Some(Role::Producer));
		assert_eq!(Registry::capacity_wh(&1), Some(5_000));
		assert_eq!(Registry::node_of_meter(&101), Some(1));
		assert_eq!(ActiveCount::<Test>::get(), 1);
		assert_eq!(membership(), vec![(1, true)]);
		assert_eq!(
			last_event(),
			Event::Registered { who: 1, role: Role::Producer, meter: 101, capacity_wh: 5_000 }
		);
	});
}

#[test]
fn apply_errors_change_nothing() {
	ExtBuilder::default().nodes(vec![(2, Role::Consumer, 102, 1_000)]).build_and_execute(|| {
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(2), Role::Consumer, 109, 1),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 102, 1),
			Error::<Test>::MeterInUse
		);
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 101, 0),
			Error::<Test>::ZeroCapacity
		);
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 101, MAX_CAPACITY + 1),
			Error::<Test>::CapacityTooLarge
		);
		// Account 50 has no funds for the deposit.
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(50), Role::Consumer, 150, 1),
			TokenError::FundsUnavailable
		);
		assert_noop!(
			Registry::apply(RuntimeOrigin::none(), Role::Consumer, 101, 1),
			DispatchError::BadOrigin
		);
		assert_ok!(Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 101, 1));
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 111, 1),
			Error::<Test>::AlreadyApplied
		);
		// A pending applicant's meter is taken too.
		assert_noop!(
			Registry::apply(RuntimeOrigin::signed(3), Role::Consumer, 101, 1),
			Error::<Test>::MeterInUse
		);
	});
}

#[test]
fn withdraw_and_reject_release_the_deposit() {
	ExtBuilder::default().build_and_execute(|| {
		assert_ok!(Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 101, 1));
		assert_ok!(Registry::withdraw_application(RuntimeOrigin::signed(1)));
		assert_eq!(held(1), 0);
		assert_eq!(last_event(), Event::ApplicationWithdrawn { who: 1 });
		assert_noop!(
			Registry::withdraw_application(RuntimeOrigin::signed(1)),
			Error::<Test>::NoApplication
		);

		assert_ok!(Registry::apply(RuntimeOrigin::signed(1), Role::Consumer, 101, 1));
		assert_noop!(Registry::reject(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
		assert_ok!(Registry::reject(RuntimeOrigin::root(), 1));
		assert_eq!(held(1), 0);
		assert_eq!(last_event(), Event::ApplicationRejected { who: 1 });
		assert_noop!(Registry::reject(RuntimeOrigin::root(), 1), Error::<Test>::NoApplication);
		assert_noop!(Registry::approve(RuntimeOrigin::root(), 1), Error::<Test>::NoApplication);
		assert!(Applications::<Test>::get(1).is_none());
		// The meter key is free again.
		assert_ok!(Registry::apply(RuntimeOrigin::signed(3), Role::Consumer, 101, 1));
		assert!(membership().is_empty());
	});
}

#[test]
fn direct_registration() {
	ExtBuilder::default().build_and_execute(|| {
		assert_noop!(
			Registry::register(RuntimeOrigin::signed(1), 1, Role::Prosumer, 101, 10),
			DispatchError::BadOrigin
		);
		assert_ok!(Registry::register(RuntimeOrigin::root(), 1, Role::Prosumer, 101, 10));
		assert_eq!(Registry::active_role(&1), Some(Role::Prosumer));
		assert_noop!(
			Registry::register(RuntimeOrigin::root(), 1, Role::Prosumer, 111, 10),
			Error::<Test>::AlreadyRegistered
		);
		assert_noop!(
			Registry::register(RuntimeOrigin::root(), 2, Role::Prosumer, 101, 10),
			Error::<Test>::MeterInUse
		);
		assert_noop!(
			Registry::register(RuntimeOrigin::root(), 2, Role::Prosumer, 102, 0),
			Error::<Test>::ZeroCapacity
		);
		assert_ok!(Registry::apply(RuntimeOrigin::signed(3), Role::Consumer, 103, 1));
		assert_noop!(
			Registry::register(RuntimeOrigin::root(), 3, Role::Consumer, 113, 1),
			Error::<Test>::AlreadyApplied
		);
	});
}

#[test]
fn suspend_and_reinstate() {
	ExtBuilder::default().nodes(vec![(1, Role::Producer, 101, 10)]).build_and_execute(|| {
		assert_noop!(Registry::suspend(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
		assert_noop!(Registry::suspend(RuntimeOrigin::root(), 2), Error::<Test>::NotRegistered);
		assert_noop!(Registry::reinstate(RuntimeOrigin::root(), 1), Error::<Test>::NotSuspended);
		assert_ok!(Registry::suspend(RuntimeOrigin::root(), 1));
		assert_eq!(last_event(), Event::Suspended { who: 1 });
		assert_eq!(Registry::active_role(&1), None);
		assert!(!Registry::is_active(&1));
		assert_eq!(ActiveCount::<Test>::get(), 0);
		assert_noop!(Registry::suspend(RuntimeOrigin::root(), 1), Error::<Test>::AlreadySuspended);
		assert_noop!(Registry::reinstate(RuntimeOrigin::root(), 2), Error::<Test>::NotRegistered);
		assert_ok!(Registry::reinstate(RuntimeOrigin::root(), 1));
		assert_eq!(last_event(), Event::Reinstated { who: 1 });
		assert_eq!(Nodes::<Test>::get(1).unwrap().status, NodeStatus::Active);
		assert_eq!(ActiveCount::<Test>::get(), 1);
		assert_eq!(membership(), vec![(1, false), (1, true)]);
	});
}

#[test]
fn roles_decide_the_sides() {
	assert!(Role::Producer.can_supply() && !Role::Producer.can_consume());
	assert!(!Role::Consumer.can_supply() && Role::Consumer.can_consume());
	assert!(Role::Prosumer.can_supply() && Role::Prosumer.can_consume());
}

#[test]
#[should_panic(expected = "genesis nodes must be valid and distinct")]
fn genesis_rejects_a_shared_meter() {
	ExtBuilder::default()
		.nodes(vec![(1, Role::Producer, 100, 10), (2, Role::Consumer, 100, 10)])
		.build();
}

#[test]
fn trading_center_is_set_by_the_admin() {
	ExtBuilder::default().build_and_execute(|| {
		assert_eq!(Registry::trading_center(), Some(99));
		assert_noop!(Registry::set_trading_center(RuntimeOrigin::signed(1), 1), DispatchError::BadOrigin);
		assert_ok!(Registry::set_trading_center(RuntimeOrigin::root(), 7));
		assert_eq!(Registry::trading_center(), Some(7));
		assert_eq!(last_event(), Event::TradingCenterSet { who: 7 });
	});
}
