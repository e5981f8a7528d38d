//! `--dev`: a single node where the trading center (Alice) authors every block and, holding
//! every dev key, attests for the drawn validators, so blocks become final.

mod common;

use common::*;
use serde_json::json;
use sp_keyring::Sr25519Keyring;
use std::time::{Duration, Instant};

#[test]
fn dev_chain_produces_blocks_sealed_by_the_trading_center() {
	let dir = scratch();
	let node = Node::start(&["--dev", "--tmp"], &dir.path().join("dev.log"));

	let start = Instant::now();
	node.wait_for_block(1, Duration::from_secs(30));
	let first = Instant::now();
	node.wait_for_block(4, Duration::from_secs(60));
	let per_block = (first.elapsed() / 3).as_secs_f64();
	// One block per 6 s slot; allow for slot alignment and a loaded machine.
	assert!((4.0..=9.0).contains(&per_block), "block time {per_block:.2} s; started {:?} ago", start.elapsed());

	let alice = dev_key(Sr25519Keyring::Alice);
	let mut previous_slot = 0u64;
	for number in 1..=4 {
		let hash = node.block_hash(number).expect("block exists");
		let header = node.header(&hash);
		let (pre_digest, signer) = sealed_by(&header, &all_dev_keys());
		assert_eq!(signer, Some(alice.clone()), "block #{number} is sealed by the trading center");
		assert_eq!(pre_digest.authority_index, 0);
		assert!(*pre_digest.slot > previous_slot, "slots increase");
		previous_slot = *pre_digest.slot;
	}

	// The dev node attests for the drawn validators (it holds every dev key), so blocks become
	// final, each with the validators' signatures as its stored DPoA justification.
	let finalized = node.rpc("chain_getFinalizedHead", json!([])).as_str().unwrap().to_owned();
	let finalized_number = node.header(&finalized).number;
	assert!(finalized_number >= 1 && finalized_number + 2 >= node.best_number(), "finalized #{finalized_number}");
	let block = node.rpc("chain_getBlock", json!([finalized]));
	let justifications = block["justifications"].to_string();
	assert!(
		justifications.contains("[100,112,111,97]") || justifications.contains("64706f61"),
		"a DPoA justification is stored: {justifications}"
	);

	// The runtime API reports the authority set and the slot duration.
	let authorities = node.rpc("state_call", json!(["DpoaApi_authorities", "0x"]));
	let expected = format!("0x04{}", hex(&alice));
	assert_eq!(authorities.as_str(), Some(expected.as_str()));
	let slot_duration = node.rpc("state_call", json!(["DpoaApi_slot_duration", "0x"]));
	assert_eq!(slot_duration.as_str(), Some("0x7017000000000000"), "6000 ms");
}

fn hex(key: &dpoa_consensus_primitives::AuthorityId) -> String {
	use sp_core::crypto::ByteArray;
	key.as_slice().iter().map(|b| format!("{b:02x}")).collect()
}
