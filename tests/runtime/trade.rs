//! A whole trade through the real runtime (development preset): proposal, acceptance,
//! validator approval, meter readings by the meters' keys, validator attestation and settlement
//! by the block hook; money is conserved.

mod common;

use common::{call, held, run_to, signed, trade, validators, AccountId};
use dpoa_runtime::{
	genesis_config_presets::community,
	Balances, Credit, Penalty, Runtime, RuntimeCall, RuntimeEvent, RuntimeOrigin, System,
	Verification, UNIT, WASM_BINARY,
};
use energy_primitives::{CreditScore, PendingVerifications, PollKind, Verdict};
use frame_support::traits::UnfilteredDispatchable;
use pallet_market::{Event as MarketEvent, Side};
use sc_chain_spec::{ChainType, GenericChainSpec};
use sp_keyring::Sr25519Keyring;
use sp_runtime::BuildStorage;

fn dev_genesis() -> sp_io::TestExternalities {
	let storage = GenericChainSpec::<()>::builder(WASM_BINARY.expect("wasm built"), ())
		.with_name("test")
		.with_id("test")
		.with_chain_type(ChainType::Development)
		.with_genesis_config_preset_name(sp_genesis_builder::DEV_RUNTIME_PRESET)
		.build()
		.build_storage()
		.expect("the preset builds");
	sp_io::TestExternalities::new(storage)
}

#[test]
fn trades_settle_through_the_runtime_and_conserve_money() {
	dev_genesis().execute_with(|| {
		run_to(1);
		let issuance = Balances::total_issuance();
		let bob = Sr25519Keyring::Bob.to_account_id();
		let dave = Sr25519Keyring::Dave.to_account_id();
		assert_eq!(validators().len(), 3);

		// A consumer default from the initial credit: deducted, not liable (R6).
		match trade(5, 80_000, 75_000).event {
			MarketEvent::ContractSettled { consumer_default, consumer_penalty, payment, .. } => {
				assert!(consumer_default);
				assert_eq!(consumer_penalty, 0);
				assert_eq!(payment, 48 * UNIT);
			},
			_ => unreachable!(),
		}
		assert_eq!(Credit::credit(&dave), Some(99));
		assert_eq!(Credit::credit(&bob), Some(100));

		// The second default is liable: the penalty goes to the pool, 80 % of it owed to Bob.
		let start = System::block_number() + 2;
		let penalty = match trade(start, 80_000, 70_000).event {
			MarketEvent::ContractSettled { consumer_penalty, consumer_penalty_price, .. } => {
				assert!(consumer_penalty > 0);
				assert_eq!(consumer_penalty, consumer_penalty_price * 10);
				consumer_penalty
			},
			_ => unreachable!(),
		};
		assert_eq!(Credit::credit(&dave), Some(98));
		assert_eq!(Penalty::received(&bob), penalty * 8 / 10);
		assert_eq!(Penalty::received(&dave), 0, "the payer shares in nothing it paid");
		let community: u128 = community().iter().map(|(n, _, _)| Penalty::received(n)).sum();
		assert!(community <= penalty && penalty - community < 20, "rounding dust only");
		// Bob claims his share.
		let before = Balances::free_balance(&bob);
		call(signed(&bob), RuntimeCall::Penalty(pallet_penalty::Call::claim {}));
		assert!(Balances::free_balance(&bob) > before);

		// Validators were judged: a poll concludes once 2/3 of the weight voted; voters' streaks
		// grew, and a validator that did not vote on the last poll was reset to 0. The
		// judgements are in the session's tally, not yet in the records, and the credit pallet
		// reads the streaks with them.
		let streaks: Vec<u32> = validators()
			.iter()
			.map(|v| Credit::credit_info(v).unwrap().verification_streak)
			.collect();
		assert!(streaks.iter().filter(|n| **n > 0).count() >= 2, "{streaks:?}");
		for (v, streak) in validators().iter().zip(&streaks) {
			let recorded = pallet_credit::Records::<Runtime>::get(v).unwrap().verification_streak;
			let pending = <Verification as PendingVerifications<_>>::pending(v);
			assert_eq!(pending.apply(recorded), *streak);
		}
		// No money was created or destroyed (fees are paid in tokens, not burned here).
		assert_eq!(Balances::total_issuance(), issuance);
	});
}

#[test]
fn root_sets_the_grid_prices_in_storage() {
	use dpoa_runtime::configs::{FeedInPrice, GridPrice};
	dev_genesis().execute_with(|| {
		assert_eq!((GridPrice::get(), FeedInPrice::get()), (75 * UNIT / 100, UNIT / 2));
		let set = RuntimeCall::System(frame_system::Call::set_storage {
			items: vec![
				(GridPrice::key().to_vec(), codec::Encode::encode(&(UNIT))),
				(FeedInPrice::key().to_vec(), codec::Encode::encode(&(UNIT / 4))),
			],
		});
		let bob = Sr25519Keyring::Bob.to_account_id();
		assert!(set.clone().dispatch_bypass_filter(signed(&bob)).is_err(), "only root");
		call(RuntimeOrigin::root(), set);
		assert_eq!((GridPrice::get(), FeedInPrice::get()), (UNIT, UNIT / 4));
		// Settlement uses the new price: Dave buys Bob's 10 kWh shortfall from the grid at 1 ENR.
		run_to(1);
		let grid = dpoa_runtime::configs::GridAccount::get();
		let before = Balances::free_balance(&grid);
		match trade(5, 70_000, 80_000).event {
			MarketEvent::ContractSettled { producer_default, bought_from_grid_wh, .. } => {
				assert!(producer_default);
				assert_eq!(bought_from_grid_wh, 10_000);
			},
			_ => unreachable!(),
		}
		assert_eq!(Balances::free_balance(&grid) - before, 10 * UNIT);
	});
}

/// The session's validators, heaviest first, that make the 2/3 quorum between them.
fn quorum() -> Vec<AccountId> {
	let set = pallet_verification::Validators::<Runtime>::get();
	pallet_verification::Pallet::<Runtime>::quorum_voters(&set)
}

#[test]
fn batched_trades_run_through_relayed_contracts_vote_many_and_report_readings() {
	relayed_trades(false);
}

#[test]
fn batched_polls_run_trades_through_vote_batch() {
	relayed_trades(true);
}

/// Two contracts relayed in one call, voted on with `vote_many`, or, if `batched`, in one
/// batch per kind with `vote_batch`, read in one batch and settled by the hook.
fn relayed_trades(batched: bool) {
	use sp_core::Pair;
	dev_genesis().execute_with(|| {
		run_to(1);
		let issuance = Balances::total_issuance();
		let center = Sr25519Keyring::Alice.to_account_id();
		if batched {
			call(
				signed(&center),
				RuntimeCall::Verification(pallet_verification::Call::set_batched_polls { on: true }),
			);
		}
		let (bob, dave) = (Sr25519Keyring::Bob, Sr25519Keyring::Dave);
		let genesis_hash = System::block_hash(0);
		// Bob and Dave sign two contracts off chain; the trading center relays both in one call.
		let contracts: Vec<pallet_market::RelayedOf<Runtime>> = (0..2u32)
			.map(|nonce| {
				let acceptance = pallet_market::Acceptance {
					genesis_hash,
					proposer: bob.to_account_id(),
					nonce,
					counterparty: dave.to_account_id(),
					side: Side::Producer,
					quantity_wh: 80_000,
					price: 64 * UNIT / 100,
					window_start: 5,
					window_end: 10,
				};
				let message = acceptance.message();
				pallet_market::Relayed {
					proposer: bob.to_account_id(),
					proposer_signature: bob.pair().sign(&message).into(),
					counterparty: dave.to_account_id(),
					side: Side::Producer,
					quantity_wh: 80_000,
					price: 64 * UNIT / 100,
					window_start: 5,
					window_end: 10,
					nonce,
					signature: dave.pair().sign(&message).into(),
				}
			})
			.collect();
		call(
			signed(&center),
			RuntimeCall::Market(pallet_market::Call::relay_many { contracts: contracts.try_into().unwrap() }),
		);
		assert!(!System::events().iter().any(|r| matches!(
			r.event,
			RuntimeEvent::Market(MarketEvent::RelaySkipped { .. })
		)));
		let next = pallet_market::NextContractId::<Runtime>::get();
		let ids = [next - 2, next - 1];
		let vote = |kind, verdict| {
			let batch = (System::block_number(), 0);
			if batched {
				assert_eq!(pallet_verification::Pallet::<Runtime>::batch_polls(kind, batch), ids);
				// The block's count of batched polls lives until the block ends.
				let fill = pallet_verification::BatchFill::<Runtime>::get().expect("counted");
				assert_eq!((fill.block, fill.approval + fill.delivery), (batch.0, 2));
				// A batch takes votes from the block after it opened.
				run_to(batch.0 + 1);
				assert_eq!(pallet_verification::BatchFill::<Runtime>::get(), None);
			}
			for v in quorum() {
				let call_of = if batched {
					let verdicts = vec![verdict; ids.len()].try_into().unwrap();
					pallet_verification::Call::vote_batch { kind, batch, verdicts }
				} else {
					let votes = ids.iter().map(|id| (*id, verdict)).collect::<Vec<_>>();
					pallet_verification::Call::vote_many { kind, votes: votes.try_into().unwrap() }
				};
				call(signed(&v), RuntimeCall::Verification(call_of));
			}
			for id in ids {
				assert!(!pallet_verification::Polls::<Runtime>::contains_key(id, kind), "concluded");
			}
		};
		vote(PollKind::Approval, Verdict::Approve);
		assert!(held(&bob.to_account_id()) > 0 && held(&dave.to_account_id()) > 0, "approved");
		run_to(11);
		for id in ids {
			call(
				signed(&center),
				RuntimeCall::Market(pallet_market::Call::report_readings {
					id,
					delivered_wh: 80_000,
					consumed_wh: 80_000,
				}),
			);
		}
		vote(
			PollKind::Delivery,
			Verdict::Quantities { delivered_wh: 80_000, consumed_wh: 80_000 },
		);
		// The hook settles the attested contracts in the next block.
		run_to(System::block_number() + 1);
		let settled = System::events()
			.iter()
			.filter(|r| matches!(r.event, RuntimeEvent::Market(MarketEvent::ContractSettled { .. })))
			.count();
		assert_eq!(settled, 2);
		for id in ids {
			assert!(pallet_market::Contracts::<Runtime>::get(id).is_none(), "the hook settled it");
		}
		assert_eq!((held(&bob.to_account_id()), held(&dave.to_account_id())), (0, 0));
		assert_eq!(pallet_market::ProposalNonces::<Runtime>::get(bob.to_account_id()), 2);
		assert_eq!(Balances::total_issuance(), issuance);
	});
}
