//! `--chain local`: Alice's node authors; Bob's non-authority node imports and verifies; a
//! block sealed by a key that is not an authority is rejected by Bob's node.

mod common;

use codec::{Decode, Encode};
use common::*;
use dpoa_consensus_primitives::{AuthorityPair, CompatibleDigestItem};
use sp_core::Pair;
use sp_keyring::Sr25519Keyring;
use sp_runtime::{generic::SignedBlock, DigestItem};
use std::{path::Path, process::Command, time::Duration};

type Block = dpoa_runtime::Block;

#[test]
fn bob_imports_alice_blocks() {
	let dir = scratch();
	let alice = Node::start(
		&[
			"--chain", "local", "--alice", "--node-key", &node_key(1),
			"--base-path", dir.path().join("alice").to_str().unwrap(),
		],
		&dir.path().join("alice.log"),
	);
	let bootnode = format!("/ip4/127.0.0.1/tcp/{}/p2p/{}", alice.p2p_port, alice.peer_id());
	let bob = Node::start(
		&[
			"--chain", "local", "--bob", "--node-key", &node_key(2),
			"--base-path", dir.path().join("bob").to_str().unwrap(),
			"--bootnodes", &bootnode,
		],
		&dir.path().join("bob.log"),
	);

	bob.wait_for_block(3, Duration::from_secs(90));
	let alice_key = dev_key(Sr25519Keyring::Alice);
	for number in 1..=3 {
		let hash = bob.block_hash(number).expect("Bob has the block");
		assert_eq!(alice.block_hash(number), Some(hash.clone()), "same chain on both nodes");
		let (_, signer) = sealed_by(&bob.header(&hash), &all_dev_keys());
		assert_eq!(signer, Some(alice_key.clone()), "Bob's node authors nothing");
	}
	let log = std::fs::read_to_string(&bob.log).unwrap();
	assert!(!log.contains("Prepared block for proposing"), "Bob's node authored a block");
}

/// Export blocks `1..=to` of the chain in `base` (binary format).
fn export(base: &Path, to: u32, file: &Path) {
	let status = Command::new(node_bin())
		.args(["export-blocks", "--chain", "local", "--binary", "--from", "1", "--to", &to.to_string()])
		.args(["--base-path", base.to_str().unwrap(), file.to_str().unwrap()])
		.stderr(std::process::Stdio::null())
		.status()
		.unwrap();
	assert!(status.success(), "export-blocks succeeds");
}

/// Import `blocks` into the database in `base` through the node's import queue (the same
/// verifier that network sync uses). `true` if every block was accepted.
fn import(base: &Path, blocks: &[SignedBlock<Block>]) -> bool {
	let file = base.with_extension("blocks");
	let mut bytes = (blocks.len() as u64).encode();
	for block in blocks {
		bytes.extend(block.encode());
	}
	std::fs::write(&file, bytes).unwrap();
	Command::new(node_bin())
		.args(["import-blocks", "--chain", "local", "--binary"])
		.args(["--base-path", base.to_str().unwrap(), file.to_str().unwrap()])
		.stderr(std::process::Stdio::null())
		.status()
		.unwrap()
		.success()
}

fn read_blocks(file: &Path) -> Vec<SignedBlock<Block>> {
	let bytes = std::fs::read(file).unwrap();
	let mut input = &bytes[..];
	let count = u64::decode(&mut input).unwrap();
	(0..count).map(|_| SignedBlock::<Block>::decode(&mut input).unwrap()).collect()
}

/// Re-seal `block` with `signer`'s key, as a node holding that key would seal it.
fn reseal(block: &SignedBlock<Block>, signer: Sr25519Keyring) -> SignedBlock<Block> {
	let mut forged = block.clone();
	let header = &mut forged.block.header;
	header.digest.logs.pop().expect("sealed");
	let signature = AuthorityPair::from(signer.pair()).sign(header.hash().as_ref());
	header.digest.logs.push(DigestItem::dpoa_seal(signature));
	forged
}

#[test]
fn block_sealed_by_an_unauthorised_key_is_rejected() {
	let dir = scratch();
	let alice_base = dir.path().join("alice");
	let alice = Node::start(
		// Alone, Alice's node must be told to author without peers.
		&[
			"--chain", "local", "--alice", "--force-authoring", "--node-key", &node_key(1),
			"--base-path", alice_base.to_str().unwrap(),
		],
		&dir.path().join("alice.log"),
	);
	alice.wait_for_block(2, Duration::from_secs(60));
	alice.stop();

	let exported = dir.path().join("chain.blocks");
	export(&alice_base, 2, &exported);
	let blocks = read_blocks(&exported);
	assert_eq!(blocks.len(), 2);

	// Charlie's key is not an authority: Bob's node refuses his block.
	let bob_base = dir.path().join("bob");
	let forged = reseal(&blocks[0], Sr25519Keyring::Charlie);
	assert_ne!(forged.block.header.hash(), blocks[0].block.header.hash());
	assert!(!import(&bob_base, &[forged]), "a block sealed by Charlie must be rejected");

	// Control: the same node accepts the authority's genuine blocks, and a block re-sealed by
	// the authority itself, so the rejection above is the seal's doing.
	assert!(import(&bob_base, &blocks), "Alice's blocks are accepted");
	let fresh = dir.path().join("fresh");
	assert!(import(&fresh, &[reseal(&blocks[0], Sr25519Keyring::Alice)]));
}
