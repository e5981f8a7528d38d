//! `dpoa-node throughput`: a load generator that measures, against a running dev node, how
//! many balance transfers and how many complete trade lifecycles the chain includes per second,
//! and the finality lag under that load (issue #6; `scripts/bench-throughput.sh` runs it
//! against a fresh `--dev` node).
//!
//! It signs every transaction itself, offline, with the runtime's own types (immortal era,
//! nonces tracked locally), and submits them in JSON-RPC batches over HTTP, so the client does
//! little more than serialise bytes. It follows the chain by polling the best and finalised
//! heads and decoding each new block's `System::Events` with the runtime's event type.
//!
//! 1. **Transfers**: `--transfers` `transfer_keep_alive`s from the funded dev accounts to fresh
//!    accounts, all submitted at once. Rate: transfers included divided by the time of the
//!    blocks that included them (blocks × slot), leaving out the last block, which only drains
//!    the rest, and, with three blocks or more, the first, which is built while the
//!    transactions are still arriving (submitting them takes seconds).
//! 2. **Trades**: `--trades` contracts between the dev community's producers and consumers, each
//!    through its whole lifecycle, driven by the events: the contract, signed by both parties
//!    off chain and relayed by the trading center (`relay_many` of `--proposals-per-tx`;
//!    `--proposals-by proposers`: `propose_signed` by the producer with the consumer's signed
//!    acceptance; `--two-step`: `propose`, then `accept` by the consumer), approval votes by
//!    the session's validators (`vote_many` of `--votes-per-tx` votes, by as few validators as
//!    make the 2/3 quorum; `--batched-votes`: the trading center first switches the chain to
//!    batched polls, and each of those validators casts one `vote_batch` per batch), both
//!    readings once the window is over, by default from the
//!    trading center's metering head-end (`report_readings` in batches; `--readings-by
//!    meters`: `report_reading` by each meter key), the delivery votes, and settlement by the
//!    market's block hook. At most `--proposals-per-block` new proposals are offered each
//!    block, within `MaxOpenContracts` per node and while fewer than `--proposals-in-flight`
//!    offered ones are still unrecorded, their windows starting five blocks ahead (a relayed
//!    proposal left in the pool past that start fails with `BadWindow`; batch items that fail,
//!    and relayed contracts skipped, are counted by error and reported). Rate: settlements divided by the time of the blocks
//!    that settled while new proposals were still being offered (the pipeline's steady state,
//!    every stage competing for the block), or, if fewer contracts entered the pipeline in
//!    those blocks than settled (the settlements drew on the backlog built before the first
//!    settlement), the contracts that entered; a load too short for a steady state is measured
//!    while the pipeline drains, with a warning, since that overstates the rate.
//!
//! Besides the rates it reports what the blocks were charged per transfer and per lifecycle:
//! the weight each block of a phase used beyond an empty block's (`System::BlockWeight`),
//! summed, over the items, so batching and refunds count, and the ceilings that follow (in
//! what the normal class leaves beside an empty block's attestations).
//!
//! The trades run among the dev community and `--extra-nodes` producers and consumers, which
//! the trading center registers first; with `--extra-in-genesis` they are in genesis already
//! (`dpoa-node raw-spec --throughput-nodes`), so the session's validators are drawn among them
//! too (up to 256), and the tool gives the node their keys so that it attests for them.
//!
//! The last line of output is
//! `transfers_per_s=<x> trades_per_s=<y> trade_to_transfer_ratio=<y/x> finality_lag_blocks=<z>`,
//! `z` the largest lag (best minus finalised) seen while the load ran.

use crate::benchmarking::signed_extrinsic;
use codec::{Decode, Encode};
use dpoa_runtime::{AccountId, Hash, Runtime, RuntimeCall, RuntimeEvent, EXISTENTIAL_DEPOSIT};
use energy_primitives::{PollKind, Role, Verdict};
use frame_support::traits::Get;
use pallet_market::{Event as MarketEvent, Side};
use pallet_verification::Event as VerificationEvent;
use serde_json::{json, Value};
use sp_core::{sr25519, Pair};
use sp_keyring::Sr25519Keyring;
use sp_runtime::generic::Era;
use std::{
	collections::{BTreeMap, BTreeSet, HashMap, HashSet},
	io::{Read, Write},
	net::TcpStream,
	time::{Duration, Instant},
};

/// Arguments of `dpoa-node throughput`.
#[derive(Debug, Clone, clap::Parser)]
pub struct ThroughputCmd {
	/// The node's HTTP JSON-RPC address (`host:port`).
	#[arg(long, default_value = "127.0.0.1:9944")]
	pub rpc: String,
	/// How many balance transfers to send.
	#[arg(long, default_value_t = 5000)]
	pub transfers: u32,
	/// How many trade lifecycles to run.
	#[arg(long, default_value_t = 300)]
	pub trades: u32,
	/// Extra producers and as many consumers that the trading center registers (and funds)
	/// before the load, so that enough contracts can be open at once.
	#[arg(long, default_value_t = 200)]
	pub extra_nodes: u32,
	/// Votes per `verification.vote_many` transaction (at most the runtime's
	/// `MaxVotesPerCall`).
	#[arg(long, default_value_t = 64)]
	pub votes_per_tx: usize,
	/// Who reports the meter readings: `center`, the trading center's metering head-end
	/// (`MeterOrigin`), in `utility.force_batch`es of `--readings-per-tx`; or `meters`, each
	/// party's meter key in its own transaction.
	#[arg(long, value_enum, default_value_t = ReadingsBy::Center)]
	pub readings_by: ReadingsBy,
	/// New proposals offered per block (the offered load of the trade phase; set it above the
	/// ceiling to find what the chain sustains).
	#[arg(long, default_value_t = 500)]
	pub proposals_per_block: u32,
	/// At most this many offered proposals not yet recorded on chain (nor failed): the trading
	/// center's relay queue. More would wait in the pool past their window's start and fail
	/// (`BadWindow`). Default: `--proposals-per-block`.
	#[arg(long)]
	pub proposals_in_flight: Option<u32>,
	/// Contracts whose two readings go in one trading-center batch.
	#[arg(long, default_value_t = 128)]
	pub readings_per_tx: usize,
	/// Who submits the proposals: `center`, the trading center relaying contracts both parties
	/// signed, in `market.relay_many` calls of `--proposals-per-tx`; or
	/// `proposers`, each producer its own `market.propose_signed` with the consumer's signed
	/// acceptance.
	#[arg(long, value_enum, default_value_t = ProposalsBy::Center)]
	pub proposals_by: ProposalsBy,
	/// Relayed contracts per trading-center batch (at most the runtime's `MaxRelaysPerCall`).
	#[arg(long, default_value_t = 128)]
	pub proposals_per_tx: usize,
	/// Transactions per JSON-RPC batch request.
	#[arg(long, default_value_t = 500)]
	pub batch: usize,
	/// Propose with `market.propose` and accept with `market.accept`, two transactions by the
	/// parties (overrides `--proposals-by`).
	#[arg(long)]
	pub two_step: bool,
	/// Give up after this many blocks without progress.
	#[arg(long, default_value_t = 20)]
	pub stall_blocks: u32,
	/// Every contract whose id is a multiple of this delivers half its quantity: its producer
	/// defaults, so its settlement charges a penalty and shares it out (0: every trade is
	/// fulfilled).
	#[arg(long, default_value_t = 0)]
	pub short_every: u64,
	/// Vote on batches: the trading center switches the chain to batched polls
	/// (`verification.set_batched_polls`) before the load, and each voting validator casts one
	/// `verification.vote_batch` per batch of polls (a block's polls of one kind).
	#[arg(long)]
	pub batched_votes: bool,
	/// The `--extra-nodes` are registered and funded in genesis already (`dpoa-node raw-spec
	/// --throughput-nodes`), so the first session's validators are drawn among them too: the
	/// tool does not register them, votes with whichever of them are drawn, and puts their keys
	/// into the node's keystore so that the node attests blocks for them.
	#[arg(long)]
	pub extra_in_genesis: bool,
}

/// Who submits the proposals in the trade phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ProposalsBy {
	/// The trading center relays contracts both parties signed, in batches.
	Center,
	/// Each producer, with the consumer's signed acceptance.
	Proposers,
}

/// Who reports meter readings in the trade phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ReadingsBy {
	/// The trading center, in batches.
	Center,
	/// Each party's meter key.
	Meters,
}

type Result<T> = std::result::Result<T, String>;

/// A minimal blocking JSON-RPC client over HTTP/1.1 (one connection per request).
struct Rpc {
	addr: String,
}

impl Rpc {
	fn post(&self, body: &Value) -> Result<Value> {
		let body = body.to_string();
		let mut stream =
			TcpStream::connect(&self.addr).map_err(|e| format!("connect {}: {e}", self.addr))?;
		stream.set_read_timeout(Some(Duration::from_secs(120))).map_err(|e| e.to_string())?;
		write!(
			stream,
			"POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{}",
			self.addr,
			body.len(),
			body
		)
		.map_err(|e| e.to_string())?;
		let mut response = Vec::new();
		stream.read_to_end(&mut response).map_err(|e| e.to_string())?;
		let text = String::from_utf8_lossy(&response);
		let (head, body) = text.split_once("\r\n\r\n").ok_or("malformed HTTP response")?;
		if !head.starts_with("HTTP/1.1 200") {
			return Err(format!("HTTP error: {}", head.lines().next().unwrap_or_default()));
		}
		serde_json::from_str(body).map_err(|e| format!("bad JSON-RPC response: {e}"))
	}

	fn call(&self, method: &str, params: Value) -> Result<Value> {
		let reply = self.post(&json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params}))?;
		match reply.get("result") {
			Some(result) => Ok(result.clone()),
			None => Err(format!("{method}: {}", reply["error"])),
		}
	}

	/// Submit signed transactions `(signer, bytes)`, in JSON-RPC batches; returns how many the
	/// pool refused, with the first refusal. The server handles a batch's requests
	/// concurrently, so a batch holds at most one transaction per signer, and a signer's next
	/// one goes in a later batch: each arrives in nonce order and is ready, not future.
	fn submit(&self, txs: &[(AccountId, Vec<u8>)], batch: usize) -> Result<(usize, Option<String>)> {
		let mut rounds: Vec<Vec<&Vec<u8>>> = Vec::new();
		let mut count: HashMap<&AccountId, usize> = HashMap::new();
		for (who, tx) in txs {
			let round = count.entry(who).or_default();
			if rounds.len() <= *round {
				rounds.push(Vec::new());
			}
			rounds[*round].push(tx);
			*round += 1;
		}
		let mut refused = 0;
		let mut first = None;
		for chunk in rounds.iter().flat_map(|round| round.chunks(batch.max(1))) {
			let requests: Vec<Value> = chunk
				.iter()
				.enumerate()
				.map(|(i, tx)| {
					json!({"jsonrpc": "2.0", "id": i, "method": "author_submitExtrinsic",
						"params": [sp_core::bytes::to_hex(tx, false)]})
				})
				.collect();
			let replies = self.post(&Value::Array(requests))?;
			for reply in replies.as_array().ok_or("a batch reply is an array")? {
				if reply.get("error").is_some() {
					refused += 1;
					first.get_or_insert_with(|| reply["error"].to_string());
				}
			}
		}
		Ok((refused, first))
	}

	fn hash_of(&self, number: u32) -> Result<Hash> {
		parse_hash(&self.call("chain_getBlockHash", json!([number]))?)
	}

	fn best_number(&self) -> Result<u32> {
		header_number(&self.call("chain_getHeader", json!([]))?)
	}

	fn finalized_number(&self) -> Result<u32> {
		let hash = self.call("chain_getFinalizedHead", json!([]))?;
		header_number(&self.call("chain_getHeader", json!([hash]))?)
	}

	fn nonce(&self, who: &AccountId) -> Result<u32> {
		let ss58 = sp_core::crypto::Ss58Codec::to_ss58check(who);
		self.call("system_accountNextIndex", json!([ss58]))?
			.as_u64()
			.map(|n| n as u32)
			.ok_or_else(|| "system_accountNextIndex: not a number".into())
	}

	fn events(&self, at: Hash) -> Result<Vec<frame_system::EventRecord<RuntimeEvent, Hash>>> {
		// `System::Events`, a plain storage value.
		let key = [sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"Events")].concat();
		let value = self.call(
			"state_getStorage",
			json!([sp_core::bytes::to_hex(&key, false), format!("{at:?}")]),
		)?;
		let Some(hex) = value.as_str() else { return Ok(Vec::new()) };
		let bytes = sp_core::bytes::from_hex(hex).map_err(|e| e.to_string())?;
		Decode::decode(&mut &bytes[..]).map_err(|e| format!("events: {e}"))
	}

	/// The hashes of the extrinsics in block `at`.
	fn extrinsic_hashes(&self, at: Hash) -> Result<Vec<Hash>> {
		let block = self.call("chain_getBlock", json!([format!("{at:?}")]))?;
		let list = block["block"]["extrinsics"].as_array().ok_or("chain_getBlock: no extrinsics")?;
		list.iter()
			.map(|x| {
				let bytes = sp_core::bytes::from_hex(x.as_str().unwrap_or_default())
					.map_err(|e| e.to_string())?;
				Ok(Hash::from(sp_io::hashing::blake2_256(&bytes)))
			})
			.collect()
	}

	/// The weight the chain charges for `tx` (`TransactionPaymentApi::query_info`): the call's
	/// and its transaction extensions', without the base extrinsic weight.
	fn charged_weight(&self, tx: &[u8]) -> Result<frame_support::weights::Weight> {
		// The encoded extrinsic (already length-prefixed), then its length.
		let args = [tx, &(tx.len() as u32).encode()[..]].concat();
		let hex = self.call(
			"state_call",
			json!(["TransactionPaymentApi_query_info", sp_core::bytes::to_hex(&args, false)]),
		)?;
		let bytes =
			sp_core::bytes::from_hex(hex.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
		let info: pallet_transaction_payment::RuntimeDispatchInfo<dpoa_runtime::Balance> =
			Decode::decode(&mut &bytes[..]).map_err(|e| format!("query_info: {e}"))?;
		Ok(info.weight)
	}

	/// The weight block `at` used, all classes (`System::BlockWeight` after it), ref time in ps.
	fn block_weight(&self, at: Hash) -> Result<u64> {
		Ok(self.block_weights(at)?.total().ref_time())
	}

	/// The weight block `at` used, by dispatch class.
	fn block_weights(
		&self,
		at: Hash,
	) -> Result<frame_support::dispatch::PerDispatchClass<frame_support::weights::Weight>> {
		let key =
			[sp_io::hashing::twox_128(b"System"), sp_io::hashing::twox_128(b"BlockWeight")].concat();
		let value = self.call(
			"state_getStorage",
			json!([sp_core::bytes::to_hex(&key, false), format!("{at:?}")]),
		)?;
		let Some(hex) = value.as_str() else { return Ok(Default::default()) };
		let bytes = sp_core::bytes::from_hex(hex).map_err(|e| e.to_string())?;
		Decode::decode(&mut &bytes[..]).map_err(|e| format!("block weight: {e}"))
	}

	/// The weight blocks `from..=to` used beyond `idle` each (what an empty block uses).
	fn weight_beyond(&self, from: u32, to: u32, idle: u64) -> Result<u64> {
		let mut sum = 0u64;
		for number in from..=to {
			sum = sum.saturating_add(self.block_weight(self.hash_of(number)?)?.saturating_sub(idle));
		}
		Ok(sum)
	}

	/// What an empty block uses: the least any of the last three blocks used.
	fn idle_weight(&self) -> Result<Idle> {
		let best = self.best_number()?;
		let mut least = Idle { total: u64::MAX, normal: 0 };
		for number in best.saturating_sub(2).max(1)..=best {
			let used = self.block_weights(self.hash_of(number)?)?;
			let total = used.total().ref_time();
			if total < least.total {
				let normal = used.get(frame_support::dispatch::DispatchClass::Normal).ref_time();
				least = Idle { total, normal };
			}
		}
		Ok(least)
	}

	fn validators(&self) -> Result<Vec<(AccountId, u128)>> {
		let hex = self.call("state_call", json!(["VerificationApi_validators", "0x"]))?;
		let bytes =
			sp_core::bytes::from_hex(hex.as_str().unwrap_or_default()).map_err(|e| e.to_string())?;
		Decode::decode(&mut &bytes[..]).map_err(|e| format!("validators: {e}"))
	}
}

fn parse_hash(value: &Value) -> Result<Hash> {
	let bytes = sp_core::bytes::from_hex(value.as_str().ok_or("not a hash")?)
		.map_err(|e| e.to_string())?;
	Ok(Hash::from_slice(&bytes))
}

fn header_number(header: &Value) -> Result<u32> {
	let hex = header["number"].as_str().ok_or("header without number")?;
	u32::from_str_radix(hex.trim_start_matches("0x"), 16).map_err(|e| e.to_string())
}

/// Signs transactions for one chain and keeps each signer's next nonce.
struct Signer {
	genesis: Hash,
	nonces: HashMap<AccountId, u32>,
}

impl Signer {
	fn sign(
		&mut self,
		rpc: &Rpc,
		pair: &sr25519::Pair,
		call: RuntimeCall,
	) -> Result<(AccountId, Vec<u8>)> {
		let who = AccountId::from(pair.public());
		let nonce = self.next_nonce(rpc, &who)?;
		self.nonces.insert(who.clone(), nonce + 1);
		let tx = signed_extrinsic(pair, call, nonce, self.genesis, Era::Immortal, self.genesis);
		Ok((who, tx.encode()))
	}
}

impl Signer {
	/// The nonce `who`'s next transaction will carry.
	fn next_nonce(&mut self, rpc: &Rpc, who: &AccountId) -> Result<u32> {
		match self.nonces.get(who) {
			Some(n) => Ok(*n),
			None => {
				let n = rpc.nonce(who)?;
				self.nonces.insert(who.clone(), n);
				Ok(n)
			},
		}
	}
}

/// The dev key pair of `//{name}`.
fn dev_pair(name: &str) -> sr25519::Pair {
	sr25519::Pair::from_string(&format!("//{name}"), None).expect("a static path is valid; qed")
}

/// A trading node the tool signs for: (key, meter key, can supply, can consume).
pub(crate) type Node = (sr25519::Pair, sr25519::Pair, bool, bool);

/// The dev community in genesis order (runtime `genesis_config_presets::community`).
fn community() -> Vec<Node> {
	let names = [
		("Bob", true, false),
		("Charlie", true, false),
		("Bob//stash", true, false),
		("Charlie//stash", true, false),
		("1", true, false),
		("2", true, false),
		("3", true, false),
		("4", true, false),
		("Dave", false, true),
		("Eve", false, true),
		("Dave//stash", false, true),
		("Eve//stash", false, true),
		("5", false, true),
		("6", false, true),
		("7", false, true),
		("8", false, true),
		("Ferdie", true, true),
		("Ferdie//stash", true, true),
		("One", true, true),
		("Two", true, true),
	];
	names
		.iter()
		.enumerate()
		.map(|(i, (name, supply, consume))| {
			(dev_pair(name), dev_pair(&format!("meter{i}")), *supply, *consume)
		})
		.collect()
}

/// Every contract's quantity in the trade phase.
const QUANTITY_WH: u64 = 10_000;
/// Every contract's price in the trade phase (per kWh).
const PRICE: dpoa_runtime::Balance = dpoa_runtime::UNIT * 64 / 100;

/// What an extra node is funded with: the contract fees and the consumer's (the larger) holds
/// of `MaxOpenContracts` open contracts, and 50 units for transaction fees (the dev accounts
/// hold 1,000,000 units each, so Alice funds about 2,000 nodes).
pub(crate) fn extra_node_funds() -> dpoa_runtime::Balance {
	let max_open = <<Runtime as pallet_market::Config>::MaxOpenContracts as Get<u32>>::get();
	let fee = <<Runtime as pallet_market::Config>::ContractFee as Get<dpoa_runtime::Balance>>::get();
	// The grid price is a storage parameter: its default, which a fresh dev chain has.
	let (consumer_held, _) = sp_io::TestExternalities::default()
		.execute_with(|| pallet_market::Pallet::<Runtime>::holds_for(QUANTITY_WH, PRICE));
	consumer_held
		.saturating_add(fee)
		.saturating_mul(max_open.into())
		.saturating_add(50 * dpoa_runtime::UNIT)
}

/// The extra nodes: `//throughput/p{i}` producers and `//throughput/c{i}` consumers, each with
/// the meter `…/meter`.
pub(crate) fn extra_nodes(n: u32) -> Vec<Node> {
	extra_node_names(n)
		.map(|(name, supply)| (dev_pair(&name), dev_pair(&format!("{name}/meter")), supply, !supply))
		.collect()
}

/// The extra nodes' derivation paths (without the leading `//`), each with whether it supplies.
fn extra_node_names(n: u32) -> impl Iterator<Item = (String, bool)> {
	(0..n).flat_map(|i| [(format!("throughput/p{i}"), true), (format!("throughput/c{i}"), false)])
}

/// Adds the tool's first `n` extra producers and `n` consumers ([`extra_nodes`]) to a genesis
/// `patch` (of the dev chain spec's form): registered, at the default credit, and funded as the
/// tool funds them, their meters as well. `dpoa-node raw-spec --throughput-nodes` uses it, so that
/// the draw of the first session can pick its validators among nodes whose keys the tool holds
/// (`--extra-in-genesis`).
pub fn add_genesis_nodes(patch: &mut Value, n: u32) -> Result<()> {
	use sp_core::crypto::Ss58Codec;
	let funds = extra_node_funds();
	let (mut nodes, mut balances) = (Vec::new(), Vec::new());
	for (node, meter, supply, _) in extra_nodes(n) {
		let who = AccountId::from(node.public()).to_ss58check();
		let meter = AccountId::from(meter.public()).to_ss58check();
		let role = if supply { "producer" } else { "consumer" };
		nodes.push(json!([who, role, meter, CAPACITY_WH]));
		balances.push(json!([who, funds]));
		balances.push(json!([meter, METER_FUNDS]));
	}
	let mut list = |pointer: &str, items: Vec<Value>| {
		patch
			.pointer_mut(pointer)
			.and_then(Value::as_array_mut)
			.map(|list| list.extend(items))
			.ok_or_else(|| format!("the genesis patch has no list at {pointer}"))
	};
	list("/registry/nodes", nodes)?;
	list("/balances/balances", balances)
}

/// Puts the `dpoa` keys of the `n` extra producers and `n` consumers into the node's keystore
/// (`author_insertKey`, a method the node serves on its local RPC port), so that it attests
/// blocks for whichever of them the draw makes validators, as their own nodes would: one node
/// stands for the whole network here.
fn insert_attester_keys(rpc: &Rpc, n: u32) -> Result<()> {
	let key_type = dpoa_consensus_primitives::KEY_TYPE;
	let key_type = std::str::from_utf8(&key_type.0).map_err(|e| format!("key type: {e}"))?;
	for (name, _) in extra_node_names(n) {
		let public = sp_core::bytes::to_hex(dev_pair(&name).public().as_ref(), false);
		rpc.call("author_insertKey", json!([key_type, format!("//{name}"), public]))?;
	}
	eprintln!("throughput: the node holds the attestation keys of {} extra nodes", 2 * n);
	Ok(())
}

/// The validators that vote on each poll: the fewest, heaviest first, whose weights make the
/// 2/3 quorum of the session's `validators` (with their weights), by the runtime's own rule.
fn quorum_voters(validators: &[(AccountId, u128)]) -> Vec<AccountId> {
	pallet_verification::Pallet::<Runtime>::quorum_voters(validators)
}

/// What the trading center gives each extra node's meter for its readings' fees.
const METER_FUNDS: dpoa_runtime::Balance = 10 * dpoa_runtime::UNIT;
/// Every extra node's registered capacity.
const CAPACITY_WH: u64 = 100_000;

/// Wait until the transactions of `hashes` are in blocks after `seen` (or nothing is included
/// for `stall` blocks); returns, per block that included any, (number, how many).
fn wait_included(
	rpc: &Rpc,
	hashes: &mut HashSet<Hash>,
	mut seen: u32,
	stall: u32,
	observed: &mut Observed,
	what: &str,
) -> Result<Vec<(u32, usize)>> {
	let mut blocks = Vec::new();
	let mut stalled = 0;
	while !hashes.is_empty() && stalled < stall {
		let best = next_block(rpc, seen)?;
		observed.sample_lag(rpc, best)?;
		for number in seen + 1..=best {
			let before = hashes.len();
			for hash in rpc.extrinsic_hashes(rpc.hash_of(number)?)? {
				hashes.remove(&hash);
			}
			let included = before - hashes.len();
			if included > 0 {
				blocks.push((number, included));
				stalled = 0;
				eprintln!("throughput: block #{number}: {included} {what}");
			} else {
				stalled += 1;
			}
		}
		seen = best;
	}
	Ok(blocks)
}

/// What the chain did while the load ran.
#[derive(Default)]
struct Observed {
	max_lag: u32,
}

impl Observed {
	fn sample_lag(&mut self, rpc: &Rpc, best: u32) -> Result<()> {
		let finalized = rpc.finalized_number()?;
		self.max_lag = self.max_lag.max(best.saturating_sub(finalized));
		Ok(())
	}
}

/// Wait for the next best block after `after`; returns its number.
fn next_block(rpc: &Rpc, after: u32) -> Result<u32> {
	loop {
		let best = rpc.best_number()?;
		if best > after {
			return Ok(best);
		}
		std::thread::sleep(Duration::from_millis(200));
	}
}

/// The weight the market's hook charges for one plain settlement (no penalty, no credit change,
/// no grid trade), and the most plain settlements its budget fits in a block.
fn plain_settlement_weight() -> frame_support::weights::Weight {
	use pallet_market::WeightInfo as _;
	type W = <Runtime as pallet_market::Config>::WeightInfo;
	W::on_initialize_settle_plain(1).saturating_sub(W::on_initialize_settle_plain(0))
}

/// How many plain settlements the market's hook fits in a block: its budget is
/// `MaxSettlementsPerBlock` costliest settlements.
fn plain_settlements_per_block() -> f64 {
	use pallet_market::WeightInfo as _;
	type W = <Runtime as pallet_market::Config>::WeightInfo;
	let worst = W::on_initialize_settle(1).saturating_sub(W::on_initialize_settle(0));
	let max = <<Runtime as pallet_market::Config>::MaxSettlementsPerBlock as Get<u32>>::get();
	(worst.ref_time() as f64 * max as f64 / plain_settlement_weight().ref_time().max(1) as f64)
		.floor()
}

/// What an empty block uses (ref time): in all, and of the normal class (the attestations of
/// the session's validators, which share the transactions' budget).
#[derive(Clone, Copy, Debug)]
struct Idle {
	total: u64,
	normal: u64,
}

/// How many trade lifecycles fit in a block whose hook and transactions cost `idle` when it
/// is empty, each lifecycle's transactions costing `tx` and its settlement `settle` (ref
/// time): within what the normal class's budget leaves, the hook's budget of plain
/// settlements, and the whole block, which the hook's settlements and the transactions share.
fn lifecycles_fit(tx: f64, settle: f64, idle: Idle) -> f64 {
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let normal = weights
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_total
		.unwrap_or(weights.max_block)
		.ref_time() as f64 -
		idle.normal as f64;
	let block = weights.max_block.ref_time() as f64 - idle.total as f64;
	(normal / tx.max(1.0))
		.min(plain_settlements_per_block())
		.min(block / (tx + settle).max(1.0))
		.floor()
}

/// Print what a transfer and each step of a trade lifecycle weigh on this chain (charged weight
/// plus the base extrinsic weight; the hook's settlement from the runtime's weights), and the
/// weight-bound ceilings: how many fit in a block's normal-class budget. Returns the ceilings
/// (transfers per second, trade lifecycles per second).
fn weight_ceiling(rpc: &Rpc, genesis: Hash, cmd: &ThroughputCmd) -> Result<(f64, f64)> {
	use frame_support::weights::Weight;
	use pallet_verification::WeightInfo as _;
	let weights = <Runtime as frame_system::Config>::BlockWeights::get();
	let base = weights.get(frame_support::dispatch::DispatchClass::Normal).base_extrinsic;
	let budget = weights
		.get(frame_support::dispatch::DispatchClass::Normal)
		.max_total
		.unwrap_or(weights.max_block);
	let pair = dev_pair("Alice");
	let alice = AccountId::from(pair.public());
	let bob = AccountId::from(dev_pair("Bob").public());
	let weigh = |call: RuntimeCall| -> Result<Weight> {
		let tx = signed_extrinsic(&pair, call, 0, genesis, Era::Immortal, genesis).encode();
		Ok(rpc.charged_weight(&tx)?.saturating_add(base))
	};
	let transfer = weigh(RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
		dest: bob.clone().into(),
		value: EXISTENTIAL_DEPOSIT * 10,
	}))?;
	let propose = weigh(RuntimeCall::Market(pallet_market::Call::propose {
		counterparty: bob.clone(),
		side: Side::Producer,
		quantity_wh: 10_000,
		price: dpoa_runtime::UNIT,
		window_start: 10,
		window_end: 10,
	}))?;
	let accept = weigh(RuntimeCall::Market(pallet_market::Call::accept { id: 0 }))?;
	// The weights do not depend on the signatures' validity.
	let one: pallet_market::RelayedOf<Runtime> = pallet_market::Relayed {
		proposer: alice.clone(),
		proposer_signature: sp_core::sr25519::Signature::default().into(),
		counterparty: bob.clone(),
		side: Side::Producer,
		quantity_wh: 10_000,
		price: dpoa_runtime::UNIT,
		window_start: 10,
		window_end: 10,
		nonce: 0,
		signature: sp_core::sr25519::Signature::default().into(),
	};
	let propose_signed = weigh(RuntimeCall::Market(pallet_market::Call::propose_signed {
		counterparty: one.counterparty.clone(),
		side: one.side,
		quantity_wh: one.quantity_wh,
		price: one.price,
		window_start: one.window_start,
		window_end: one.window_end,
		nonce: one.nonce,
		signature: one.signature.clone(),
	}))?;
	// A batch's weight shared by its `k` items: what each pays in a full batch.
	let per_item = |call: RuntimeCall, k: usize| -> Result<Weight> {
		let w = weigh(call)?;
		Ok(Weight::from_parts(w.ref_time() / k as u64, w.proof_size() / k as u64))
	};
	let batch =
		|calls: Vec<RuntimeCall>| RuntimeCall::Utility(pallet_utility::Call::force_batch { calls });
	let k = cmd.proposals_per_tx.max(1);
	let contracts = vec![one; k]
		.try_into()
		.map_err(|_| "--proposals-per-tx is above the runtime's MaxRelaysPerCall".to_string())?;
	let relayed = per_item(RuntimeCall::Market(pallet_market::Call::relay_many { contracts }), k)?;
	let contract = match (cmd.two_step, cmd.proposals_by) {
		(true, _) => propose.saturating_add(accept),
		(false, ProposalsBy::Proposers) => propose_signed,
		(false, ProposalsBy::Center) => relayed,
	};
	let k = cmd.votes_per_tx.max(1);
	let vote_many = |kind, verdict| {
		let votes = (0..k as u64).map(|id| (id, verdict)).collect::<Vec<_>>();
		let votes = votes
			.try_into()
			.map_err(|_| "--votes-per-tx is above the runtime's MaxVotesPerCall".to_string())?;
		per_item(RuntimeCall::Verification(pallet_verification::Call::vote_many { kind, votes }), k)
	};
	let quantities = Verdict::Quantities { delivered_wh: 10_000, consumed_wh: 10_000 };
	// The votes a poll takes: the fewest validators by weight that make its 2/3 quorum (two of
	// the dev chain's three).
	let validators = rpc.validators()?;
	let votes = quorum_voters(&validators).len().max(1) as u64;
	// Those votes on a poll: `vote_many` items, or the votes' shares of a full batch (the one
	// that concludes it, charged in full, and the others refunded to an open vote's weight).
	let (vote, attest) = if cmd.batched_votes {
		let polls = <<Runtime as pallet_verification::Config>::MaxBatchPolls as Get<u32>>::get();
		let validators = validators.len().max(1) as u32;
		let open = <Runtime as pallet_verification::Config>::WeightInfo::vote_batch_open(
			polls,
			validators,
		)
		.saturating_add(base);
		let both = |verdict: Verdict, kind| -> Result<Weight> {
			let verdicts = vec![verdict; polls as usize]
				.try_into()
				.map_err(|_| "a batch holds MaxBatchPolls".to_string())?;
			let call = pallet_verification::Call::vote_batch { kind, batch: (0, 0), verdicts };
			let concluding = weigh(RuntimeCall::Verification(call))?;
			Ok(concluding
				.saturating_add(open.saturating_mul(votes - 1))
				.saturating_div(polls.into()))
		};
		(both(Verdict::Approve, PollKind::Approval)?, both(quantities, PollKind::Delivery)?)
	} else {
		let vote = vote_many(PollKind::Approval, Verdict::Approve)?;
		let attest = vote_many(PollKind::Delivery, quantities)?;
		(vote.saturating_mul(votes), attest.saturating_mul(votes))
	};
	let readings = match cmd.readings_by {
		ReadingsBy::Center => {
			let k = cmd.readings_per_tx.max(1);
			let call = RuntimeCall::Market(pallet_market::Call::report_readings {
				id: 0,
				delivered_wh: 10_000,
				consumed_wh: 10_000,
			});
			per_item(batch(vec![call; k]), k)?
		},
		ReadingsBy::Meters => weigh(RuntimeCall::Market(pallet_market::Call::report_reading {
			id: 0,
			side: Side::Producer,
			quantity_wh: 10_000,
		}))?
		.saturating_mul(2),
	};
	let settle = plain_settlement_weight();
	let lifecycle = contract
		.saturating_add(vote)
		.saturating_add(attest)
		.saturating_add(readings)
		.saturating_add(settle);
	let us = |w: Weight| w.ref_time() as f64 / 1e6;
	eprintln!(
		"throughput: weights before refunds (ref time, µs; base extrinsic {:.1} included; a batched item: its share of a full batch):",
		us(base)
	);
	let approval = format!("approval, {votes} votes");
	let delivery = format!("delivery, {votes} votes");
	for (name, w) in [
		("transfer_keep_alive", transfer),
		("market.propose", propose),
		("market.accept", accept),
		("market.propose_signed", propose_signed),
		("market.relay_many, per contract", relayed),
		(approval.as_str(), vote),
		(delivery.as_str(), attest),
		("both readings", readings),
		("plain settlement by the hook", settle),
		("trade lifecycle", lifecycle),
	] {
		eprintln!("throughput:   {name:<30} {:>12.1}", us(w));
	}
	let slot_secs = dpoa_runtime::SLOT_DURATION as f64 / 1000.0;
	let per_block = |w: Weight| budget.ref_time() / w.ref_time().max(1);
	let fit = lifecycles_fit(
		lifecycle.saturating_sub(settle).ref_time() as f64,
		settle.ref_time() as f64,
		Idle { total: weights.base_block.ref_time(), normal: 0 },
	);
	let ceiling = (per_block(transfer) as f64 / slot_secs, fit / slot_secs);
	eprintln!(
		"throughput: lifecycle / transfer = {:.1}; ceiling per block ({:.0} ms normal budget): {} transfers, {fit} trade lifecycles",
		lifecycle.ref_time() as f64 / transfer.ref_time() as f64,
		us(budget) / 1000.0,
		per_block(transfer),
	);
	Ok(ceiling)
}

impl ThroughputCmd {
	/// What the producer of contract `id` delivers: half the quantity for every
	/// `--short-every`-th contract, all of it otherwise.
	fn delivered_wh(&self, id: u64) -> u64 {
		if self.short_every > 0 && id % self.short_every == 0 {
			QUANTITY_WH / 2
		} else {
			QUANTITY_WH
		}
	}

	/// Run the measurement and print the result line.
	pub fn run(&self) -> Result<()> {
		let rpc = Rpc { addr: self.rpc.clone() };
		// Wait (up to a minute) for the node to answer and author its first block.
		let deadline = Instant::now() + Duration::from_secs(60);
		while rpc.best_number().map_or(true, |n| n == 0) {
			if Instant::now() > deadline {
				return Err(format!("no node producing blocks at {}", self.rpc));
			}
			std::thread::sleep(Duration::from_millis(500));
		}
		let genesis = rpc.hash_of(0)?;
		let mut signer = Signer { genesis, nonces: HashMap::new() };
		let slot_secs = dpoa_runtime::SLOT_DURATION as f64 / 1000.0;
		let mut observed = Observed::default();

		if self.batched_votes {
			// First, so that the weights below are what the calls that open polls are charged.
			self.switch_to_batches(&rpc, &mut signer, &mut observed)?;
		}
		let ceiling = weight_ceiling(&rpc, genesis, self)?;
		let extra = extra_nodes(self.extra_nodes);
		if self.extra_in_genesis {
			insert_attester_keys(&rpc, self.extra_nodes)?;
			// The empty blocks measured below carry the attestations of those keys: one
			// block for the first to be signed, one to include it, and the three measured.
			let mut seen = rpc.best_number()?;
			for _ in 0..5 {
				seen = next_block(&rpc, seen)?;
			}
		} else {
			self.register(&rpc, &mut signer, &mut observed, &extra)?;
		}
		let idle = rpc.idle_weight()?;
		let (transfers_per_s, transfer_cost) =
			self.transfers(&rpc, &mut signer, &mut observed, slot_secs, idle.total)?;
		let (trades_per_s, lifecycle_cost) =
			self.trades(&rpc, &mut signer, &mut observed, slot_secs, extra, idle.total)?;
		let ratio = if transfers_per_s > 0.0 { trades_per_s / transfers_per_s } else { 0.0 };
		eprintln!(
			"throughput: measured/ceiling by standalone weights: transfers {:.0} %, trades {:.0} %",
			100.0 * transfers_per_s / ceiling.0,
			100.0 * trades_per_s / ceiling.1
		);
		// What the blocks were actually charged (refunds and batches included), per item.
		let weights = <Runtime as frame_system::Config>::BlockWeights::get();
		let budget = weights
			.get(frame_support::dispatch::DispatchClass::Normal)
			.max_total
			.unwrap_or(weights.max_block)
			.ref_time() as f64;
		// What the normal class leaves beside an empty block's attestations.
		let budget = budget - idle.normal as f64;
		let per_block = |cost: f64| if cost > 0.0 { budget / cost } else { 0.0 };
		// A lifecycle's settlement is the hook's (mandatory, outside the normal budget, bounded
		// by its own budget); the rest is transactions in the normal budget.
		let settle = plain_settlement_weight().ref_time() as f64;
		let lifecycles_per_block = lifecycles_fit(lifecycle_cost - settle, settle, idle);
		eprintln!(
			"throughput: charged per item (block weight beyond an empty block's {:.1} µs, {:.1} of them the normal class's): transfer {:.1} µs, trade lifecycle {:.1} µs, lifecycle / transfer = {:.2}",
			idle.total as f64 / 1e6,
			idle.normal as f64 / 1e6,
			transfer_cost / 1e6,
			lifecycle_cost / 1e6,
			if transfer_cost > 0.0 { lifecycle_cost / transfer_cost } else { 0.0 },
		);
		eprintln!(
			"throughput: ceiling by charged weight: {:.0} transfers per block; {:.0} trade lifecycles per block (normal budget / {:.1} µs of transactions each: {:.0}; the hook's plain settlements: {:.0}; the whole block / {:.1} µs each: {:.0}); measured: {:.0} % and {:.0} %",
			per_block(transfer_cost).floor(),
			lifecycles_per_block,
			(lifecycle_cost - settle) / 1e6,
			per_block(lifecycle_cost - settle).floor(),
			plain_settlements_per_block(),
			lifecycle_cost / 1e6,
			((weights.max_block.ref_time() as f64 - idle.total as f64) / lifecycle_cost).floor(),
			100.0 * transfers_per_s * slot_secs / per_block(transfer_cost).floor().max(1.0),
			100.0 * trades_per_s * slot_secs / lifecycles_per_block.max(1.0),
		);
		println!(
			"transfers_per_s={transfers_per_s:.1} trades_per_s={trades_per_s:.2} trade_to_transfer_ratio={ratio:.4} finality_lag_blocks={}",
			observed.max_lag
		);
		Ok(())
	}

	fn transfers(
		&self,
		rpc: &Rpc,
		signer: &mut Signer,
		observed: &mut Observed,
		slot_secs: f64,
		idle: u64,
	) -> Result<(f64, f64)> {
		// Every funded dev account sends; the recipients are fresh accounts.
		let senders: Vec<sr25519::Pair> = Sr25519Keyring::iter()
			.map(|k| k.pair())
			.chain((1..=8).map(|i| dev_pair(&i.to_string())))
			.collect();
		let started = Instant::now();
		let mut txs = Vec::with_capacity(self.transfers as usize);
		for i in 0..self.transfers {
			let from = &senders[i as usize % senders.len()];
			let to = AccountId::from(dev_pair(&format!("throughput/{i}")).public());
			let call = RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
				dest: to.into(),
				value: EXISTENTIAL_DEPOSIT * 10,
			});
			txs.push(signer.sign(rpc, from, call)?);
		}
		eprintln!(
			"throughput: signed {} transfers in {:.1} s",
			txs.len(),
			started.elapsed().as_secs_f64()
		);
		let mut pending: HashSet<Hash> =
			txs.iter().map(|(_, tx)| Hash::from(sp_io::hashing::blake2_256(tx))).collect();
		let total = pending.len();
		let seen = rpc.best_number()?;
		let started = Instant::now();
		let (refused, first) = rpc.submit(&txs, self.batch)?;
		eprintln!(
			"throughput: submitted in {:.1} s, {refused} refused by the pool{}",
			started.elapsed().as_secs_f64(),
			first.map(|e| format!(" (first: {e})")).unwrap_or_default()
		);
		let blocks = wait_included(rpc, &mut pending, seen, self.stall_blocks, observed, "transfers")?;
		let (Some((first_block, in_first)), Some((last_block, in_last))) =
			(blocks.first().copied(), blocks.last().copied())
		else {
			return Err("no transfer was included".into());
		};
		let included = total - pending.len();
		let blocks = last_block - first_block + 1;
		eprintln!("throughput: {included} of {total} transfers in {blocks} blocks");
		let cost = rpc.weight_beyond(first_block, last_block, idle)? as f64 / included as f64;
		// The sustained rate: the last block only drains what is left, and the first is built
		// while the submission is still arriving, so both are left out when there are others.
		match blocks {
			1 => Ok((included as f64 / slot_secs, cost)),
			2 => Ok(((included - in_last) as f64 / slot_secs, cost)),
			_ => Ok((
				(included - in_first - in_last) as f64 / ((blocks - 2) as f64 * slot_secs),
				cost,
			)),
		}
	}

	/// Set-up, not measured: the trading center switches the chain to batched polls.
	fn switch_to_batches(
		&self,
		rpc: &Rpc,
		signer: &mut Signer,
		observed: &mut Observed,
	) -> Result<()> {
		let call =
			RuntimeCall::Verification(pallet_verification::Call::set_batched_polls { on: true });
		let txs = vec![signer.sign(rpc, &dev_pair("Alice"), call)?];
		self.set_up(rpc, observed, &txs, "the switch to batched polls")?;
		eprintln!("throughput: polls open in batches");
		Ok(())
	}

	/// Submit set-up transactions and wait until all are included and none failed.
	fn set_up(
		&self,
		rpc: &Rpc,
		observed: &mut Observed,
		txs: &[(AccountId, Vec<u8>)],
		what: &str,
	) -> Result<()> {
		let mut pending: HashSet<Hash> =
			txs.iter().map(|(_, tx)| Hash::from(sp_io::hashing::blake2_256(tx))).collect();
		let seen = rpc.best_number()?;
		rpc.submit(txs, self.batch)?;
		let blocks = wait_included(rpc, &mut pending, seen, self.stall_blocks, observed, what)?;
		if !pending.is_empty() {
			return Err(format!("{} of {what} were not included", pending.len()));
		}
		// Included is not done: a transaction that fails (a `batch_all` reverted) is included.
		for (number, _) in blocks {
			for record in rpc.events(rpc.hash_of(number)?)? {
				if let RuntimeEvent::System(frame_system::Event::ExtrinsicFailed {
					dispatch_error,
					..
				}) = record.event
				{
					return Err(format!(
						"{what} failed in block #{number}: {}",
						error_name(&dispatch_error)
					));
				}
			}
		}
		Ok(())
	}

	/// Set-up, not measured: the trading center registers the extra nodes and funds them and
	/// their meters.
	fn register(
		&self,
		rpc: &Rpc,
		signer: &mut Signer,
		observed: &mut Observed,
		extra: &[Node],
	) -> Result<()> {
		if extra.is_empty() {
			return Ok(());
		}
		let center = dev_pair("Alice");
		let funds = extra_node_funds();
		let calls: Vec<RuntimeCall> = extra
			.iter()
			.flat_map(|(node, meter, supply, _)| {
				let (who, meter) = (AccountId::from(node.public()), AccountId::from(meter.public()));
				let role = if *supply { Role::Producer } else { Role::Consumer };
				[
					RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
						dest: who.clone().into(),
						value: funds,
					}),
					RuntimeCall::Balances(pallet_balances::Call::transfer_keep_alive {
						dest: meter.clone().into(),
						value: METER_FUNDS,
					}),
					RuntimeCall::Registry(pallet_registry::Call::register {
						who,
						role,
						meter,
						capacity_wh: CAPACITY_WH,
					}),
				]
			})
			.collect();
		let mut txs = Vec::new();
		for chunk in calls.chunks(150) {
			let call = RuntimeCall::Utility(pallet_utility::Call::batch_all { calls: chunk.to_vec() });
			txs.push(signer.sign(rpc, &center, call)?);
		}
		self.set_up(rpc, observed, &txs, "set-up batches")?;
		eprintln!("throughput: registered {} extra nodes", extra.len());
		Ok(())
	}

	fn trades(
		&self,
		rpc: &Rpc,
		signer: &mut Signer,
		observed: &mut Observed,
		slot_secs: f64,
		extra: Vec<Node>,
		idle: u64,
	) -> Result<(f64, f64)> {
		let mut nodes = community();
		nodes.extend(extra);
		let producers: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].2).collect();
		let consumers: Vec<usize> = (0..nodes.len()).filter(|i| nodes[*i].3).collect();
		let index_of: HashMap<AccountId, usize> = nodes
			.iter()
			.enumerate()
			.map(|(i, n)| (AccountId::from(n.0.public()), i))
			.collect();
		let voters = quorum_voters(&rpc.validators()?)
			.into_iter()
			.map(|who| {
				index_of.get(&who).copied().ok_or_else(|| {
					format!("validator {who} is not a node whose key the tool holds")
				})
			})
			.collect::<Result<Vec<usize>>>()?;
		let max_open =
			<<Runtime as pallet_market::Config>::MaxOpenContracts as Get<u32>>::get() as usize;
		let price = PRICE;

		let mut open: Vec<usize> = vec![0; nodes.len()];
		let mut proposal_nonces: HashMap<usize, u32> = HashMap::new();
		let mut next_pair = 0usize;
		let mut proposed = 0u32;
		// Proposals recorded on chain (`ContractProposed`).
		let mut recorded = 0u32;
		let mut settled = 0u32;
		let mut failed = 0u32;
		// Batch items that failed (`utility.ItemFailed`), by error.
		let mut item_failures: BTreeMap<String, u32> = BTreeMap::new();
		let in_flight_limit = self.proposals_in_flight.unwrap_or(self.proposals_per_block);
		// Contracts by id: (producer, consumer, window end, readings seen).
		let mut contracts: BTreeMap<u64, (usize, usize, u32, u8)> = BTreeMap::new();
		let mut awaiting_readings: BTreeSet<u64> = BTreeSet::new();
		let (mut first_settled, mut last_settled) = (None::<u32>, 0u32);
		// Settlements per block.
		let mut settled_in: BTreeMap<u32, u32> = BTreeMap::new();
		// Contracts recorded and not yet settled or failed, after each block seen.
		let mut open_after: BTreeMap<u32, usize> = BTreeMap::new();
		let mut seen = rpc.best_number()?;
		let phase_start = seen + 1;
		// The last block after which new proposals were still offered.
		let mut last_offered = None::<u32>;
		let mut stalled = 0;
		let started = Instant::now();
		loop {
			let mut txs = Vec::new();
			let mut relayed = Vec::new();
			// New proposals within every node's open-contract limit; their window starts a few
			// blocks ahead, so that proposals a full block pushes to the next still fit.
			let window = seen + 5;
			let mut tries = 0;
			let mut this_block = 0;
			let items_failed: u32 = item_failures.values().sum();
			while proposed < self.trades &&
				this_block < self.proposals_per_block &&
				proposed.saturating_sub(recorded).saturating_sub(items_failed) < in_flight_limit &&
				tries < producers.len() * consumers.len()
			{
				let p = producers[next_pair % producers.len()];
				let c = consumers[(next_pair / producers.len() + next_pair) % consumers.len()];
				next_pair += 1;
				tries += 1;
				if p == c || open[p] >= max_open || open[c] >= max_open {
					continue;
				}
				open[p] += 1;
				open[c] += 1;
				proposed += 1;
				this_block += 1;
				let producer = AccountId::from(nodes[p].0.public());
				let counterparty = AccountId::from(nodes[c].0.public());
				let call = if self.two_step {
					RuntimeCall::Market(pallet_market::Call::propose {
						counterparty,
						side: Side::Producer,
						quantity_wh: QUANTITY_WH,
						price,
						window_start: window,
						window_end: window,
					})
				} else {
					// The proposal nonce: the producer's transaction nonce when it sends the
					// proposal itself, which rises with every transaction it sends, as the market
					// requires; else its own count of relayed proposals (from zero, on a fresh
					// chain).
					let nonce = match self.proposals_by {
						ProposalsBy::Proposers => signer.next_nonce(rpc, &producer)?,
						ProposalsBy::Center => {
							let next = proposal_nonces.entry(p).or_insert(0u32);
							*next += 1;
							*next - 1
						},
					};
					let acceptance = pallet_market::Acceptance {
						genesis_hash: signer.genesis,
						proposer: producer.clone(),
						nonce,
						counterparty: counterparty.clone(),
						side: Side::Producer,
						quantity_wh: QUANTITY_WH,
						price,
						window_start: window,
						window_end: window,
					};
					let signature = nodes[c].0.sign(&acceptance.message());
					if self.proposals_by == ProposalsBy::Center {
						let proposer_signature = nodes[p].0.sign(&acceptance.message());
						relayed.push(pallet_market::Relayed {
							proposer: producer,
							proposer_signature: proposer_signature.into(),
							counterparty,
							side: Side::Producer,
							quantity_wh: QUANTITY_WH,
							price,
							window_start: window,
							window_end: window,
							nonce,
							signature: signature.into(),
						});
						continue;
					}
					RuntimeCall::Market(pallet_market::Call::propose_signed {
						counterparty,
						side: Side::Producer,
						quantity_wh: QUANTITY_WH,
						price,
						window_start: window,
						window_end: window,
						nonce,
						signature: signature.into(),
					})
				};
				txs.push(signer.sign(rpc, &nodes[p].0, call)?);
			}
			for chunk in relayed.chunks(self.proposals_per_tx.max(1)) {
				let contracts = chunk
					.to_vec()
					.try_into()
					.map_err(|_| "--proposals-per-tx is above the runtime's MaxRelaysPerCall".to_string())?;
				let call = RuntimeCall::Market(pallet_market::Call::relay_many { contracts });
				txs.push(signer.sign(rpc, &dev_pair("Alice"), call)?);
			}
			if !txs.is_empty() {
				rpc.submit(&txs, self.batch)?;
				last_offered = Some(seen);
			}
			if settled + failed >= self.trades || stalled >= self.stall_blocks {
				break;
			}

			let best = next_block(rpc, seen)?;
			observed.sample_lag(rpc, best)?;
			let mut progress = false;
			let mut accepts = Vec::new();
			let mut approval_polls = Vec::new();
			let mut delivery_polls = Vec::new();
			// Batches opened in these blocks, with their polls in order.
			let mut batches: Vec<(PollKind, (u32, u32), Vec<u64>)> = Vec::new();
			for number in seen + 1..=best {
				for record in rpc.events(rpc.hash_of(number)?)? {
					let event = match record.event {
						RuntimeEvent::Verification(VerificationEvent::BatchOpened {
							kind,
							batch,
							..
						}) => {
							batches.push((kind, batch, Vec::new()));
							continue;
						},
						// A batch's polls follow it, in order.
						RuntimeEvent::Verification(VerificationEvent::PollOpened {
							subject,
							kind,
							..
						}) => {
							if let Some(batch) = batches.iter_mut().rev().find(|b| b.0 == kind) {
								batch.2.push(subject);
							}
							continue;
						},
						RuntimeEvent::Market(MarketEvent::RelaySkipped { error, .. }) |
						RuntimeEvent::Utility(pallet_utility::Event::ItemFailed { error }) => {
							*item_failures.entry(error_name(&error)).or_default() += 1;
							progress = true;
							continue;
						},
						RuntimeEvent::Market(event) => event,
						_ => continue,
					};
					progress = true;
					match event {
						MarketEvent::ContractProposed { id, producer, consumer, .. } => {
							recorded += 1;
							let (Some(p), Some(c)) = (index_of.get(&producer), index_of.get(&consumer))
							else {
								continue;
							};
							// Its window ends at most five blocks after its proposal's.
							contracts.insert(id, (*p, *c, number + 5, 0));
							if self.two_step {
								accepts.push((id, *c));
							}
						},
						MarketEvent::ContractAccepted { id } if !self.batched_votes =>
							approval_polls.push(id),
						MarketEvent::ContractApproved { id, .. } => {
							awaiting_readings.insert(id);
						},
						MarketEvent::ReadingReported { id, .. } => {
							if let Some(c) = contracts.get_mut(&id) {
								c.3 += 1;
								if c.3 == 2 && !self.batched_votes {
									delivery_polls.push(id);
								}
							}
						},
						MarketEvent::ContractSettled { id, .. } => {
							if let Some((p, c, ..)) = contracts.remove(&id) {
								open[p] -= 1;
								open[c] -= 1;
								settled += 1;
								first_settled.get_or_insert(number);
								*settled_in.entry(number).or_default() += 1;
								last_settled = number;
							}
						},
						MarketEvent::ContractVoided { id } |
						MarketEvent::ContractDisapproved { id } => {
							if let Some((p, c, ..)) = contracts.remove(&id) {
								open[p] -= 1;
								open[c] -= 1;
								failed += 1;
							}
						},
						_ => {},
					}
				}
			}
			seen = best;
			stalled = if progress { 0 } else { stalled + 1 };

			let mut txs = Vec::new();
			for (id, c) in accepts {
				let call = RuntimeCall::Market(pallet_market::Call::accept { id });
				txs.push(signer.sign(rpc, &nodes[c].0, call)?);
			}
			// Readings of approved contracts whose window is over (included after `best`).
			let due: Vec<u64> = awaiting_readings
				.iter()
				.copied()
				.filter(|id| contracts.get(id).map_or(true, |c| best >= c.2))
				.collect();
			let mut center_readings = Vec::new();
			for id in due {
				awaiting_readings.remove(&id);
				let Some(&(p, c, ..)) = contracts.get(&id) else { continue };
				if self.readings_by == ReadingsBy::Center {
					center_readings.push(RuntimeCall::Market(pallet_market::Call::report_readings {
						id,
						delivered_wh: self.delivered_wh(id),
						consumed_wh: QUANTITY_WH,
					}));
					continue;
				}
				for (side, who, quantity_wh) in
					[(Side::Producer, p, self.delivered_wh(id)), (Side::Consumer, c, QUANTITY_WH)]
				{
					let call = RuntimeCall::Market(pallet_market::Call::report_reading {
						id,
						side,
						quantity_wh,
					});
					txs.push(signer.sign(rpc, &nodes[who].1, call)?);
				}
			}
			for chunk in center_readings.chunks(self.readings_per_tx.max(1)) {
				let call =
					RuntimeCall::Utility(pallet_utility::Call::force_batch { calls: chunk.to_vec() });
				txs.push(signer.sign(rpc, &dev_pair("Alice"), call)?);
			}
			// Each voting validator's votes, `vote_many` calls of `--votes-per-tx`.
			// The delivery verdict is what the readings said.
			let delivered = |id: u64| Verdict::Quantities {
				delivered_wh: self.delivered_wh(id),
				consumed_wh: QUANTITY_WH,
			};
			let approved = |_: u64| Verdict::Approve;
			for (kind, polls, verdict) in [
				(PollKind::Approval, &approval_polls, &approved as &dyn Fn(u64) -> Verdict),
				(PollKind::Delivery, &delivery_polls, &delivered),
			] {
				for chunk in polls.chunks(self.votes_per_tx.max(1)) {
					let votes: Vec<(u64, Verdict)> =
						chunk.iter().map(|id| (*id, verdict(*id))).collect();
					for v in &voters {
						let call = RuntimeCall::Verification(pallet_verification::Call::vote_many {
							kind,
							votes: votes.clone().try_into().map_err(|_| {
								"--votes-per-tx is above the runtime's MaxVotesPerCall".to_string()
							})?,
						});
						txs.push(signer.sign(rpc, &nodes[*v].0, call)?);
					}
				}
			}
			// Each voting validator's vote on each batch.
			for (kind, batch, subjects) in batches {
				let verdict: &dyn Fn(u64) -> Verdict =
					if kind == PollKind::Approval { &approved } else { &delivered };
				let verdicts: Vec<Verdict> = subjects.iter().map(|id| verdict(*id)).collect();
				let verdicts: frame_support::BoundedVec<_, _> = verdicts
					.try_into()
					.map_err(|_| format!("batch {batch:?} has more polls than MaxBatchPolls"))?;
				for v in &voters {
					let call = RuntimeCall::Verification(pallet_verification::Call::vote_batch {
						kind,
						batch,
						verdicts: verdicts.clone(),
					});
					txs.push(signer.sign(rpc, &nodes[*v].0, call)?);
				}
			}
			if !txs.is_empty() {
				let (refused, first) = rpc.submit(&txs, self.batch)?;
				if refused > 0 {
					eprintln!("throughput: {refused} refused ({})", first.unwrap_or_default());
				}
			}
			open_after.insert(best, contracts.len());
			eprintln!(
				"throughput: #{best}: {proposed} proposed, {recorded} recorded, {} open, {settled} settled, {failed} failed, {} batch items failed ({:.0} s)",
				contracts.len(),
				item_failures.values().sum::<u32>(),
				started.elapsed().as_secs_f64()
			);
		}
		let Some(first) = first_settled else { return Err("no trade settled".into()) };
		eprintln!("throughput: {settled} of {} trades settled, #{first}..#{last_settled}", self.trades);
		for (error, n) in &item_failures {
			eprintln!("throughput: WARNING: {n} batch items failed with {error}");
		}
		// Every block of the phase: its weight is all the lifecycles' steps.
		let cost = rpc.weight_beyond(phase_start, last_settled, idle)? as f64 / settled as f64;
		// Steady state: the blocks that settled while new proposals were still offered, so that
		// settling competed with the rest of the pipeline for the block. A load too short to
		// have such blocks is measured while the pipeline drains, which overstates the rate.
		let offered_until = last_offered.unwrap_or(first).saturating_add(1);
		let draining = offered_until < first + 2;
		let (from, to) = if !draining {
			(first, offered_until.min(last_settled))
		} else {
			eprintln!(
				"throughput: WARNING: no block settled while proposals were still offered; the \
				 trade rate is measured while the pipeline drains (raise --trades)"
			);
			(first, last_settled)
		};
		let blocks = to - from;
		if blocks == 0 {
			return Ok((settled as f64 / slot_secs, cost));
		}
		let steady: u32 = settled_in.range(from..to).map(|(_, n)| n).sum();
		// Settling faster than contracts come in draws on the backlog the pipeline built
		// before its first settlement, a rate the chain cannot keep up; coming in faster than
		// they settle, the settlements are the rate. The rate is the lesser of the two, except
		// while the pipeline drains (nothing comes in then): the settlements, as warned above.
		let open_at =
			|block: u32| open_after.range(..=block).next_back().map_or(0, |(_, n)| *n as i64);
		let backlog = open_at(to - 1) - open_at(from.saturating_sub(1));
		let entered = i64::from(steady) + backlog;
		eprintln!(
			"throughput: steady state #{from}..#{}: {steady} settled in {blocks} blocks \
			 ({:.1} a block); the contracts open went from {} to {}, so {entered} entered \
			 ({:.1} a block)",
			to - 1,
			f64::from(steady) / f64::from(blocks),
			open_at(from.saturating_sub(1)),
			open_at(to - 1),
			entered as f64 / f64::from(blocks),
		);
		let rate =
			if draining { i64::from(steady) } else { i64::from(steady).min(entered).max(0) } as f64;
		Ok((rate / (blocks as f64 * slot_secs), cost))
	}
}

/// A dispatch error by name: the market's errors decoded with its type, others as the runtime
/// reports them.
fn error_name(error: &sp_runtime::DispatchError) -> String {
	use frame_support::traits::PalletInfo;
	if let sp_runtime::DispatchError::Module(module) = error {
		let market = <Runtime as frame_system::Config>::PalletInfo::index::<dpoa_runtime::Market>();
		if market == Some(usize::from(module.index)) {
			if let Ok(e) = pallet_market::Error::<Runtime>::decode(&mut &module.error[..]) {
				return format!("market.{e:?}");
			}
		}
	}
	format!("{error:?}")
}
