//! Issue #6's scale goal on the runtime itself: what the runtime charges for every trading call,
//! for settlement with penalty distribution and for a block's share of the validator draw is the
//! same whether 10, 1,000 or 100,000 more nodes are registered.
//!
//! "Charged" is the weight the block's limit and the fees are computed from: a call's declared
//! weight less its refund, and the weight a block's hooks return. Whether a node's execution
//! stays within it at 100,000 nodes is measured on a node, not here (`scripts/bench-throughput.sh`
//! with `COMMUNITY=N`, `scripts/bench-draw.sh`; docs/PERFORMANCE.md, "Scale").
//!
//! The large communities' genesis is built natively, as `dpoa-node raw-spec` builds it: the wasm
//! runtime cannot take 100,000 nodes' configuration in one allocation.

mod common;

use common::{call, run_to, signed, trade, validators, AccountId, Trade};
use dpoa_runtime::{
	genesis_config_presets::development_config_genesis, Runtime, RuntimeCall, RuntimeEvent,
	RuntimeGenesisConfig, System, UNIT,
};
use energy_primitives::Role;
use frame_support::weights::Weight;
use pallet_market::{Event as MarketEvent, Side};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

/// The registered nodes each community has beyond the dev preset's 20.
const SIZES: [u32; 3] = [10, 1_000, 100_000];

/// The `i`th extra node's account (`kind` "node") or meter key (`kind` "meter"): no key pair,
/// as `scripts/large-spec.py` makes them.
fn extra_account(kind: &str, i: u32) -> AccountId {
	AccountId::new(sp_io::hashing::blake2_256(format!("dpoa-large/{kind}/{i}").as_bytes()))
}

/// The dev preset's genesis with `extra` more registered nodes, each funded with 1,000 units,
/// at `credit` if given (else at the initial credit).
fn community_of(extra: u32, credit: Option<u32>) -> sp_io::TestExternalities {
	let mut config = serde_json::to_value(RuntimeGenesisConfig::default()).expect("serialises");
	sc_chain_spec::json_merge(&mut config, development_config_genesis());
	let mut config: RuntimeGenesisConfig =
		serde_json::from_value(config).expect("the dev preset is a valid configuration");
	let roles = [Role::Producer, Role::Consumer, Role::Prosumer];
	for i in 0..extra {
		let node = extra_account("node", i);
		let meter = extra_account("meter", i);
		config.registry.nodes.push((node.clone(), roles[i as usize % 3], meter, 100_000));
		config.balances.balances.push((node.clone(), 1_000 * UNIT));
		if let Some(credit) = credit {
			config.credit.records.push((node, credit, 0));
		}
	}
	sp_io::TestExternalities::new(config.build_storage().expect("the genesis builds"))
}

/// What one community was charged: a name for each step, and its weight, in order.
type Charged = Vec<(&'static str, Weight)>;

/// An offer posted and withdrawn, a proposal rejected and one cancelled, then two trades of
/// Bob's to Dave, settled by the hook, and Bob's claim, in blocks 1 to 60 (the first session:
/// no draw runs). Dave defaults in both trades: the first default is forgiven (MODEL R6), the
/// second is liable, and its penalty is shared out over the whole community by credit.
fn trading() -> Charged {
	let mut charged = Charged::new();
	let bob = Sr25519Keyring::Bob.to_account_id();
	let dave = Sr25519Keyring::Dave.to_account_id();
	let market = |call| RuntimeCall::Market(call);
	run_to(1);
	let offer = pallet_market::Call::post_offer {
		side: Side::Producer,
		quantity_wh: 10_000,
		price: Some(UNIT / 2),
		window_start: 40,
		window_end: 45,
	};
	charged.push(("post_offer", call(signed(&bob), market(offer))));
	let id = pallet_market::NextOfferId::<Runtime>::get() - 1;
	let cancel = pallet_market::Call::cancel_offer { id };
	charged.push(("cancel_offer", call(signed(&bob), market(cancel))));
	let proposal = |start| pallet_market::Call::propose {
		counterparty: dave.clone(),
		side: Side::Producer,
		quantity_wh: 1_000,
		price: UNIT / 2,
		window_start: start,
		window_end: start + 5,
	};
	call(signed(&bob), market(proposal(50)));
	let id = pallet_market::NextContractId::<Runtime>::get() - 1;
	charged.push(("reject", call(signed(&dave), market(pallet_market::Call::reject { id }))));
	call(signed(&bob), market(proposal(50)));
	let id = pallet_market::NextContractId::<Runtime>::get() - 1;
	charged.push(("cancel", call(signed(&bob), market(pallet_market::Call::cancel { id }))));

	let penalties = |trade: &Trade| match trade.event {
		MarketEvent::ContractSettled { consumer_penalty, .. } => consumer_penalty,
		_ => unreachable!("a settlement"),
	};
	let forgiven = trade(5, 80_000, 75_000);
	assert_eq!(penalties(&forgiven), 0, "the first default is forgiven");
	charged.extend(forgiven.charged);
	let liable = trade(System::block_number() + 2, 80_000, 70_000);
	assert!(penalties(&liable) > 0, "the second default is liable");
	for (step, weight) in liable.charged {
		let step = match step {
			"the settling block's hooks" => "the hooks of a block settling with a penalty",
			other => other,
		};
		charged.push((step, weight));
	}
	let claim = RuntimeCall::Penalty(pallet_penalty::Call::claim {});
	charged.push(("claim (Bob's share of the penalty)", call(signed(&bob), claim)));
	charged.push(("the hooks of an idle block", run_to(System::block_number() + 1)));
	assert!(System::block_number() < 60, "the trades end in the first session");
	charged
}

#[test]
fn trading_and_settlement_are_charged_the_same_with_100_000_more_nodes() {
	let mut runs: Vec<(u32, usize, Charged)> = vec![];
	for extra in SIZES {
		// At credit 50, below the draw's threshold of 90: the validators are drawn from the
		// dev community at every size, so the votes differ only by how many there are.
		community_of(extra, Some(50)).execute_with(|| {
			let charged = trading();
			runs.push((extra, validators().len(), charged));
		});
	}
	let (first, _, reference) = &runs[0];
	for (extra, k, charged) in &runs {
		println!("{extra} more nodes, {k} validators:");
		for (step, weight) in charged {
			println!("  {step}: {} ps, {} bytes", weight.ref_time(), weight.proof_size());
		}
		assert_eq!(
			charged.iter().map(|(step, _)| step).collect::<Vec<_>>(),
			reference.iter().map(|(step, _)| step).collect::<Vec<_>>(),
			"the same steps"
		);
	}
	// k = round(15 % of the members), at most the 20 eligible: 5 at 10 more nodes, 20 beyond.
	assert_eq!(runs.iter().map(|(_, k, _)| *k).collect::<Vec<_>>(), [5, 20, 20]);
	for (extra, _, charged) in &runs[1..] {
		for ((step, weight), (_, then)) in charged.iter().zip(reference) {
			// A vote's weight grows with the session's validators (MODEL §8 draws 15 % of the
			// community), not with the storage: the votes are compared below, between the
			// communities with the same number of validators.
			if !step.ends_with("votes") {
				assert_eq!(weight, then, "{step}: {extra} more nodes against {first}");
			}
		}
	}
	let (_, _, with_20) = &runs[1];
	for ((step, weight), (_, then)) in runs[2].2.iter().zip(with_20) {
		assert_eq!(weight, then, "{step}: 100,000 more nodes against 1,000, 20 validators both");
	}
}

/// The dev community with `extra` more nodes, all eligible at the initial credit: the draw of
/// the next session, from block 100, block by block. Returns how many validators it drew and
/// what each of its blocks' hooks were charged above an idle block's (block 99).
fn draw(extra: u32) -> (usize, Vec<Weight>) {
	community_of(extra, None).execute_with(|| {
		let idle = run_to(99);
		let mut shares = vec![];
		// The draw starts in block 100 and must end within its session.
		while System::block_number() < 199 {
			let charged = run_to(System::block_number() + 1);
			if charged == idle {
				break;
			}
			assert!(charged.all_gte(idle), "a draw block is charged at least an idle one");
			shares.push(charged.saturating_sub(idle));
		}
		assert!(!pallet_verification::Draw::<Runtime>::exists(), "the draw ended");
		let chosen = System::events().into_iter().rev().find_map(|r| match r.event {
			RuntimeEvent::Verification(pallet_verification::Event::ValidatorsChosen {
				session,
				validators,
			}) => Some((session, validators.len())),
			_ => None,
		});
		let (session, k) = chosen.expect("the draw chose validators");
		assert_eq!(session, pallet_verification::Session::<Runtime>::get());
		(k, shares)
	})
}

#[test]
fn a_blocks_share_of_the_draw_is_charged_the_same_with_100_000_more_nodes() {
	let full = |shares: &[Weight]| shares.iter().fold(Weight::zero(), |most, w| most.max(*w));
	let (k_small, small) = draw(10);
	let (k, large) = draw(2_000);
	let (k_largest, largest) = draw(100_000);
	println!("10 more nodes: {k_small} validators in {} blocks: {small:?}", small.len());
	println!("2,000 more: {k} validators in {} blocks, at most {:?}", large.len(), full(&large));
	println!(
		"100,000 more: {k_largest} validators in {} blocks, at most {:?}",
		largest.len(),
		full(&largest)
	);
	// k = round(15 % of the members), at most 256 (`MaxSessionValidators`).
	assert_eq!((k_small, k, k_largest), (5, 256, 256));
	// The large draws take many blocks, every one but the last charged the same full share.
	for shares in [&large, &largest] {
		assert!(shares.len() > 2, "a draw of 256 takes more than one block's share");
		let last = shares.len() - 1;
		assert!(shares[..last].iter().all(|share| *share == full(shares)), "{shares:?}");
		assert!(shares[last].all_lte(full(shares)));
	}
	assert_eq!(full(&largest), full(&large), "a block's share at 100,000 and at 2,000 more");
	// A small community's whole draw fits in one block's share.
	assert!(small.iter().all(|share| share.all_lte(full(&largest))), "{small:?}");
}
