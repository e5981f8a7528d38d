//! DPoA finality on a five-node `--chain local` network on 127.0.0.1: Alice's node authors, the
//! session's validators (Bob, Charlie, Dave, Eve) attest, blocks become final at a 2/3-weight
//! quorum. One network goes through the five cases in turn, each bounded in time:
//!
//! 1. finality advances with a lag of at most 2 blocks in steady state;
//! 2. forged attestations are rejected (wrong key, non-validator, wrong hash, replayed, other
//!    session);
//! 3. with validators holding at least 1/3 of the weight stopped, blocks continue and finality
//!    stalls; restarted, finality catches up with no gap;
//! 4. a node started later syncs and reaches the same finalised head, verifying the
//!    justifications; every finalised block has its justification stored;
//! 5. the authority's node restarts: no finalised block is lost, production and finality resume.

mod common;

use codec::Encode;
use common::*;
use dpoa_consensus_primitives::finality::{Attestation, SignedAttestation};
use serde_json::{json, Value};
use sp_core::{Pair, H256};
use sp_keyring::Sr25519Keyring;
use std::{
	path::Path,
	time::{Duration, Instant},
};

/// Start the node of `who` (`alice`, `bob`, ...) on `--chain local` in `dir`.
fn start(dir: &Path, who: &str, key: u8, bootnode: Option<&str>) -> Node {
	let base = dir.join(who);
	let mut args = vec![
		"--chain".to_string(),
		"local".into(),
		format!("--{who}"),
		"--node-key".into(),
		node_key(key),
		"--base-path".into(),
		base.to_str().unwrap().into(),
		// The attester's and finaliser's lines ("Attested #n ...") make a failure readable.
		"-l".into(),
		"dpoa=debug".into(),
	];
	if let Some(b) = bootnode {
		args.extend(["--bootnodes".into(), b.into()]);
	}
	let args: Vec<&str> = args.iter().map(String::as_str).collect();
	// Each start gets its own log, so that a restart's log shows what the restart did.
	let n = std::fs::read_dir(dir).map(|d| d.count()).unwrap_or(0);
	Node::start(&args, &dir.join(format!("{who}-{n}.log")))
}

fn number(v: &Value) -> u32 {
	v.as_u64().unwrap_or_else(|| panic!("not a number: {v}")) as u32
}

/// `(best, finalized)` block numbers of a node.
fn heads(node: &Node) -> (u32, u32) {
	let status = node.rpc("dpoa_finalityStatus", json!([]));
	(number(&status["best"]["number"]), number(&status["finalized"]["number"]))
}

/// Wait until `condition` holds on `node`'s heads.
fn wait_heads(node: &Node, what: &str, timeout: Duration, condition: impl Fn(u32, u32) -> bool) -> (u32, u32) {
	let start = Instant::now();
	loop {
		let (best, finalized) = heads(node);
		if condition(best, finalized) {
			return (best, finalized);
		}
		if start.elapsed() > timeout {
			panic!("{what}: not within {timeout:?} (best #{best}, finalized #{finalized}); log:\n{}", node.log_tail());
		}
		std::thread::sleep(Duration::from_millis(500));
	}
}

/// The last lines of every node's log, each under its name: which blocks each validator
/// imported and attested, and when.
fn network_logs(alice: &Node, validators: &[Node]) -> String {
	let names = ["bob", "charlie", "dave", "eve"];
	let mut text = format!("alice's log:\n{}", alice.log_tail());
	for (name, node) in names.iter().zip(validators) {
		text.push_str(&format!("\n{name}'s log:\n{}", node.log_tail()));
	}
	text
}

fn hash_of(node: &Node, n: u32) -> H256 {
	let hex = node.block_hash(n).expect("the node has the block");
	H256::from_slice(&hex_bytes(&hex))
}

/// Submit a validator's attestation as a general transaction; the pool's verdict.
fn submit(node: &Node, signed: SignedAttestation) -> Result<Value, String> {
	let call = dpoa_runtime::RuntimeCall::Finality(pallet_finality::Call::attest { signed });
	let xt = dpoa_runtime::general_transaction(call);
	let hex: String = xt.encode().iter().map(|b| format!("{b:02x}")).collect();
	node.try_rpc("author_submitExtrinsic", json!([format!("0x{hex}")]))
}

fn sign(key: Sr25519Keyring, attestation: Attestation) -> SignedAttestation {
	SignedAttestation {
		attestation,
		validator: key.public(),
		signature: key.pair().sign(&attestation.payload()),
	}
}

#[test]
fn five_nodes_reach_finality_and_keep_it() {
	let dir = scratch();
	let dir = dir.path();
	let alice = start(dir, "alice", 1, None);
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, alice.peer_id());
	let mut validators: Vec<Node> = ["bob", "charlie", "dave", "eve"]
		.iter()
		.enumerate()
		.map(|(i, who)| start(dir, who, i as u8 + 2, Some(&boot)))
		.collect();

	// The session's validators are exactly the four, with weights.
	let status = alice.rpc("dpoa_finalityStatus", json!([]));
	let mut accounts: Vec<String> =
		status["validators"].as_array().unwrap().iter().map(|v| v["account"].as_str().unwrap().into()).collect();
	accounts.sort();
	let mut expected: Vec<String> = [Sr25519Keyring::Bob, Sr25519Keyring::Charlie, Sr25519Keyring::Dave, Sr25519Keyring::Eve]
		.iter()
		.map(|k| sp_core::crypto::Ss58Codec::to_ss58check(&k.to_account_id()))
		.collect();
	expected.sort();
	assert_eq!(accounts, expected);

	// 1. Finality advances; in steady state the lag is at most 2 blocks.
	wait_heads(&alice, "first finality", Duration::from_secs(120), |_, f| f >= 3);
	let (start_best, _) = heads(&alice);
	let mut samples = Vec::new();
	while heads(&alice).0 < start_best + 8 {
		samples.push(heads(&alice));
		std::thread::sleep(Duration::from_secs(2));
	}
	assert!(
		samples.iter().all(|(best, finalized)| best - finalized <= 2),
		"(best, finalized) every 2 s: {samples:?}\n{}",
		network_logs(&alice, &validators)
	);
	// A validator's node validates its attestation of a new block at that block: a pool still
	// at the parent refused a third of them as from the future, and each then waited 4 blocks.
	// One is tolerated for a node starved of CPU for more than the submitter's second of
	// waiting.
	for (name, v) in ["bob", "charlie", "dave", "eve"].iter().zip(&validators) {
		let log = std::fs::read_to_string(&v.log).unwrap_or_default();
		let future = log.lines().filter(|l| l.contains("refused") && l.contains("Future")).count();
		assert!(future <= 1, "{name} refused {future} attestations as from the future\n{}", v.log_tail());
	}
	// Every node agrees on the finalised head's hash.
	let (_, finalized) = heads(&alice);
	for v in &validators {
		wait_heads(v, "validator follows finality", Duration::from_secs(30), |_, f| f >= finalized);
		assert_eq!(hash_of(v, finalized), hash_of(&alice, finalized));
	}

	// 2. Forged attestations are rejected by the pool (`Invalid Transaction`).
	let (best, _) = heads(&alice);
	let target = best - 1;
	let session = number(&alice.rpc("dpoa_finalityStatus", json!([]))["session"]);
	let good = Attestation { session, number: target, hash: hash_of(&alice, target) };
	let mut wrong_key = sign(Sr25519Keyring::Bob, good);
	wrong_key.signature = Sr25519Keyring::Charlie.pair().sign(&good.payload());
	// The pool's verdicts (`Invalid Transaction`, code 1010) name the reason.
	let forged = [
		("wrong key", wrong_key, "bad signature"),
		("non-validator", sign(Sr25519Keyring::Ferdie, good), "Custom error: 3"),
		("wrong hash", sign(Sr25519Keyring::Bob, Attestation { hash: H256::repeat_byte(7), ..good }), "Custom error: 1"),
		("other session", sign(Sr25519Keyring::Bob, Attestation { session: session + 5, ..good }), "Custom error: 2"),
	];
	for (what, signed, reason) in forged {
		let err = submit(&alice, signed).expect_err(what);
		assert!(err.contains("1010") && err.contains(reason), "{what}: {err}");
	}
	// Replayed: Bob attested the block already (the validators attest every block).
	wait_heads(&alice, "the block is justified", Duration::from_secs(30), |_, f| f >= target);
	let err = submit(&alice, sign(Sr25519Keyring::Bob, good)).expect_err("replayed");
	assert!(err.contains("1010") && err.contains("outdated"), "replayed: {err}");

	// 3. Stop Dave and Eve (about half of the weight): blocks go on, finality stalls.
	let eve = validators.pop().unwrap();
	let dave = validators.pop().unwrap();
	dave.stop();
	eve.stop();
	let (best_at_stop, finalized_at_stop) = heads(&alice);
	wait_heads(&alice, "blocks continue", Duration::from_secs(60), |b, _| b >= best_at_stop + 4);
	let (_, stalled) = heads(&alice);
	assert!(stalled <= finalized_at_stop + 2, "finality stalled: #{finalized_at_stop} -> #{stalled}");
	// Restarted, they attest what they missed and finality catches up.
	validators.push(start(dir, "dave", 4, Some(&boot)));
	validators.push(start(dir, "eve", 5, Some(&boot)));
	let (best, finalized) =
		wait_heads(&alice, "finality catches up", Duration::from_secs(120), |b, f| f + 2 >= b && f > stalled + 3);
	// No gap: every block up to the finalised head is on Alice's chain and final on all nodes.
	for n in 1..=finalized {
		assert!(alice.block_hash(n).is_some(), "#{n} missing");
	}
	let _ = best;

	// 4. A node started later syncs to the same finalised head, verifying justifications.
	let ferdie = start(dir, "ferdie", 6, Some(&boot));
	let (_, alice_finalized) = heads(&alice);
	wait_heads(&ferdie, "late node finalises", Duration::from_secs(120), |_, f| f >= alice_finalized);
	assert_eq!(hash_of(&ferdie, alice_finalized), hash_of(&alice, alice_finalized));
	// Ferdie logs each verification as it imports the block; the line may reach the file a little
	// after the RPC shows the block final.
	assert!(
		ferdie.log_shows("Verified the justification", Duration::from_secs(30)),
		"no justification verified:\n{}",
		ferdie.log_tail()
	);
	let ferdie_log = std::fs::read_to_string(&ferdie.log).unwrap();
	assert!(!ferdie_log.contains("Bad justification"), "{}", ferdie.log_tail());

	// Every finalised block has its own DPoA justification stored (the validators attest every
	// block, and attest again what has not reached the chain; blocks finalised as ancestors get
	// theirs when their quorum is recorded).
	let (_, finalized) = heads(&alice);
	let without_justification = || -> Vec<u32> {
		(1..=finalized)
			.filter(|n| {
				let block = alice.rpc("chain_getBlock", json!([alice.block_hash(*n).unwrap()]));
				let justifications = block["justifications"].to_string();
				!(justifications.contains("[100,112,111,97]") || justifications.contains("64706f61"))
			})
			.collect()
	};
	let deadline = Instant::now() + Duration::from_secs(90);
	loop {
		let missing = without_justification();
		if missing.is_empty() {
			break;
		}
		assert!(
			Instant::now() < deadline,
			"blocks {missing:?} of #1..=#{finalized} have no DPoA justification; log:\n{}",
			alice.log_tail()
		);
		std::thread::sleep(Duration::from_secs(3));
	}

	// 5. Restart the authority: nothing final is lost; production and finality resume.
	let (best_before, finalized_before) = heads(&alice);
	let finalized_hash = hash_of(&alice, finalized_before);
	alice.stop();
	let alice = start(dir, "alice", 1, None);
	let (_, finalized_after) = heads(&alice);
	assert!(finalized_after >= finalized_before, "finalized went back: #{finalized_before} -> #{finalized_after}");
	assert_eq!(hash_of(&alice, finalized_before), finalized_hash);
	// The others reconnect to the restarted authority (same peer id, same address? a new port):
	// they dial it through its new address.
	let boot = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, alice.peer_id());
	for v in &validators {
		let _ = v.try_rpc("system_addReservedPeer", json!([boot]));
	}
	let _ = ferdie.try_rpc("system_addReservedPeer", json!([boot]));
	wait_heads(&alice, "production and finality resume", Duration::from_secs(120), |b, f| {
		b >= best_before + 3 && f >= finalized_before + 3
	});
}
