//! Helpers the whole-runtime tests share: blocks driven by their hooks, and calls dispatched as
//! a signed transaction's call would be, with the weight they are charged.

// Each test binary compiles this module and uses part of it.
#![allow(dead_code)]

use dpoa_runtime::{
	genesis_config_presets::{community, meter},
	AllPalletsWithSystem, Balances, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, System,
	UNIT,
};
use energy_primitives::{PollKind, Verdict};
use frame_support::{
	dispatch::GetDispatchInfo,
	traits::{fungible::InspectHold, OnFinalize, OnInitialize, UnfilteredDispatchable},
	weights::Weight,
};
use pallet_market::{Event as MarketEvent, Side};
use sp_keyring::Sr25519Keyring;

pub type AccountId = dpoa_runtime::AccountId;

/// Ends the current block and runs the next ones' `on_initialize` to block `n`; the weight the
/// hooks of the last block initialised charged (nothing if none was). Of the `on_finalize`
/// hooks only the verification pallet's runs (the timestamp's would want an inherent in every
/// block).
pub fn run_to(n: u32) -> Weight {
	let mut charged = Weight::zero();
	while System::block_number() < n {
		let now = System::block_number();
		<pallet_verification::Pallet<Runtime> as OnFinalize<u32>>::on_finalize(now);
		let next = now + 1;
		System::set_block_number(next);
		charged = <AllPalletsWithSystem as OnInitialize<u32>>::on_initialize(next);
	}
	charged
}

/// Dispatches `call` from `origin`, which must succeed; the weight it is charged: its declared
/// weight, less what it refunds.
pub fn call(origin: RuntimeOrigin, call: RuntimeCall) -> Weight {
	let info = call.get_dispatch_info();
	let post = call.dispatch_bypass_filter(origin).expect("the call succeeds");
	post.calc_actual_weight(&info)
}

pub fn signed(who: &AccountId) -> RuntimeOrigin {
	RuntimeOrigin::signed(who.clone())
}

/// The session's validators.
pub fn validators() -> Vec<AccountId> {
	pallet_verification::Validators::<Runtime>::get().into_iter().map(|(v, _)| v).collect()
}

/// Every validator of the session votes `verdict` on contract `id`, until the poll concludes;
/// the weight the votes were charged.
pub fn all_vote(id: u64, kind: PollKind, verdict: Verdict) -> Weight {
	let mut charged = Weight::zero();
	for v in validators() {
		if !pallet_verification::Polls::<Runtime>::contains_key(id, kind) {
			break;
		}
		let vote = pallet_verification::Call::vote { subject: id, kind, verdict };
		charged += call(signed(&v), RuntimeCall::Verification(vote));
	}
	assert!(!pallet_verification::Polls::<Runtime>::contains_key(id, kind), "the poll concluded");
	charged
}

/// What `who` has on hold for its contracts.
pub fn held(who: &AccountId) -> u128 {
	Balances::balance_on_hold(&pallet_market::HoldReason::Settlement.into(), who)
}

/// A settled trade: its settlement event, and what each step was charged, in order.
pub struct Trade {
	pub event: MarketEvent<Runtime>,
	pub charged: Vec<(&'static str, Weight)>,
}

/// Bob sells Dave 80 kWh at 0.64 in blocks `start..=start + 5`; the meters report
/// `delivered` and `consumed`, the validators attest them, the hook settles.
pub fn trade(start: u32, delivered: u64, consumed: u64) -> Trade {
	let nodes = community();
	let bob = Sr25519Keyring::Bob.to_account_id();
	let dave = Sr25519Keyring::Dave.to_account_id();
	let index = |who: &AccountId| nodes.iter().position(|(n, _, _)| n == who).unwrap();
	let mut charged = vec![];
	charged.push((
		"propose",
		call(
			signed(&bob),
			RuntimeCall::Market(pallet_market::Call::propose {
				counterparty: dave.clone(),
				side: Side::Producer,
				quantity_wh: 80_000,
				price: 64 * UNIT / 100,
				window_start: start,
				window_end: start + 5,
			}),
		),
	));
	let id = pallet_market::NextContractId::<Runtime>::get() - 1;
	let accept = RuntimeCall::Market(pallet_market::Call::accept { id });
	charged.push(("accept", call(signed(&dave), accept)));
	charged.push(("approval votes", all_vote(id, PollKind::Approval, Verdict::Approve)));
	assert!(held(&dave) > 0 && held(&bob) > 0, "approved: funds on hold");

	run_to(start + 6);
	let readings = [(&bob, Side::Producer, delivered), (&dave, Side::Consumer, consumed)];
	for (who, side, quantity) in readings {
		let report = pallet_market::Call::report_reading { id, side, quantity_wh: quantity };
		let meter = signed(&meter(index(who)));
		charged.push(("report_reading", call(meter, RuntimeCall::Market(report))));
	}
	let quantities = Verdict::Quantities { delivered_wh: delivered, consumed_wh: consumed };
	charged.push(("delivery votes", all_vote(id, PollKind::Delivery, quantities)));
	charged.push(("the settling block's hooks", run_to(System::block_number() + 1)));
	assert!(pallet_market::Contracts::<Runtime>::get(id).is_none(), "the hook settled it");
	assert_eq!((held(&bob), held(&dave)), (0, 0), "every hold released");
	let event = System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Market(e @ MarketEvent::ContractSettled { .. }) => Some(e),
			_ => None,
		})
		.expect("settled");
	Trade { event, charged }
}
