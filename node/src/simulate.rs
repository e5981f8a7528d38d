//! `dpoa-node simulate`: replay a trading scenario through the runtime's real extrinsics,
//! in-process, and report credit, penalties and shares.
//!
//! The scenario (JSON, see `tests/scenarios/README.md`) names nodes with their role, starting
//! credit and verification streak, and periods of verifications and trades. The runner:
//!
//! 1. builds a genesis of the native runtime: the scenario's credit parameters and the nodes'
//!    starting records (their history before the scenario), funds for every node, its meter key
//!    and the grid account, and Alice as the trading center;
//! 2. sets the grid and feed-in prices with `system.set_storage` (root) and registers every node
//!    with `registry.register`, signed by the trading center;
//! 3. runs each period's trades one after the other, block by block with the pallets' hooks:
//!    `market.propose` (the producer), `market.accept` (the consumer), the approval poll,
//!    `market.report_reading` by both meter keys after the window, the delivery poll, and
//!    `market.settle`;
//! 4. after each period checks that total issuance did not change and that no funds are left on
//!    hold, and records every node's credit record and penalty shares received.
//!
//! **Who verifies.** The scenario, not the runtime's random draw, says which nodes verify in a
//! period and whether they do it correctly; the runner therefore installs the validator set of
//! each poll itself (the one step that is not an extrinsic). A period's verifiers form the
//! validator set of the period's first poll (the first trade's approval): a correct verifier
//! votes for the approval with `verification.vote`; an incorrect one votes against it, or does
//! not vote where its vote could make the wrong verdict win (both reset its streak, MODEL §5).
//! Should the correct votes not reach 2/3 of the weight, the trading center decides after the
//! deadline. Every other poll has no validators: the trading center decides it after the
//! deadline with `verification.decide`, which judges nobody. So a correct verification extends
//! its validator's streak by exactly one and an incorrect one resets it, as the scenario format
//! specifies.

use codec::Encode;
use dpoa_runtime::{
	configs::{FeedInPrice, GridAccount, GridPrice, MaxCapacity},
	AccountId, AllPalletsWithSystem, Balance, Balances, BalancesConfig, Credit, CreditConfig,
	Penalty, RegistryConfig, Runtime, RuntimeCall, RuntimeEvent, RuntimeGenesisConfig,
	RuntimeOrigin, System, UNIT,
};
use energy_primitives::{
	credit::CreditParams, CreditScore, PendingVerifications, PollKind, Role, Verdict,
};
use frame_support::traits::{
	fungible::InspectHold,
	OnInitialize, UnfilteredDispatchable,
};
use pallet_market::{Event as MarketEvent, Side};
use serde::Deserialize;
use sp_core::{sr25519, Pair};
use sp_runtime::{BuildStorage, FixedPointNumber, FixedU128, Perbill};
use std::{collections::BTreeMap, fmt::Write as _, path::PathBuf};

/// Arguments of `dpoa-node simulate`.
#[derive(Debug, Clone, clap::Parser)]
pub struct SimulateCmd {
	/// The scenario file (JSON).
	#[arg(long)]
	pub scenario: PathBuf,
	/// How to print the result.
	#[arg(long, value_enum, default_value_t = Format::Table)]
	pub format: Format,
}

/// Output formats of `simulate`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
	/// Machine-readable, in the shape the scenario format specifies.
	Json,
	/// Readable tables, with the paper's figures beside ours where the scenario gives them.
	Table,
}

impl SimulateCmd {
	/// Run the scenario and print the result.
	pub fn run(&self) -> Result<(), String> {
		let text = std::fs::read_to_string(&self.scenario)
			.map_err(|e| format!("cannot read {}: {e}", self.scenario.display()))?;
		let scenario: Scenario = serde_json::from_str(&text)
			.map_err(|e| format!("{}: not a valid scenario: {e}", self.scenario.display()))?;
		let report = simulate(&scenario)?;
		match self.format {
			Format::Json => println!("{}", report.json()),
			Format::Table => print!("{}", report.table(&scenario)),
		}
		Ok(())
	}
}

/// The model's parameters a scenario may set; absent ones take the paper's values.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Params {
	initial_credit: Option<u32>,
	restore_after: Option<u32>,
	k1: Option<f64>,
	k2: Option<f64>,
	g: Option<f64>,
	mu: Option<f64>,
	grid_price: Option<f64>,
	feed_in_price: Option<f64>,
}

/// A node of the scenario.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Node {
	id: String,
	role: RoleName,
	/// Starting performance credit; `initial_credit` if absent.
	credit: Option<u32>,
	/// Starting count of consecutive correct verifications.
	#[serde(default)]
	verification_streak: u32,
}

/// A role as scenarios spell it.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum RoleName {
	Producer,
	Consumer,
	Prosumer,
}

/// One trading period.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Period {
	#[serde(default)]
	verifications: Vec<Verification>,
	#[serde(default)]
	trades: Vec<Trade>,
	/// The paper's printed figures per node after the period, shown beside ours in tables.
	#[serde(default)]
	paper: BTreeMap<String, PaperNode>,
}

/// A verification by a node in a period.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Verification {
	validator: String,
	correct: bool,
}

/// A bilateral contract and what the meters measured.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trade {
	producer: String,
	consumer: String,
	quantity_kwh: f64,
	price: f64,
	delivered_kwh: f64,
	consumed_kwh: f64,
	/// The paper's printed penalty figures for this trade, shown beside ours in tables.
	paper: Option<PaperTrade>,
}

/// The paper's figures for a trade.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperTrade {
	producer_penalty_price: Option<f64>,
	producer_penalty: Option<f64>,
	consumer_penalty_price: Option<f64>,
	consumer_penalty: Option<f64>,
}

/// The paper's figures for a node.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PaperNode {
	credit: Option<u32>,
	verification_streak: Option<u32>,
	penalty_received: Option<f64>,
}

/// A scenario file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
	#[serde(default)]
	params: Params,
	nodes: Vec<Node>,
	periods: Vec<Period>,
	/// What the scenario reproduces, for the table's title.
	description: Option<String>,
}

/// A settled trade as the report shows it.
pub struct TradeResult {
	producer: String,
	consumer: String,
	producer_default: bool,
	consumer_default: bool,
	producer_penalty_price: Balance,
	producer_penalty: Balance,
	consumer_penalty_price: Balance,
	consumer_penalty: Balance,
}

/// A node's state after a period.
pub struct NodeResult {
	credit: u32,
	verification_streak: u32,
	verification_credit: FixedU128,
	fulfilled_streak: u32,
	defaults_since_reset: u32,
	penalty_received: Balance,
}

/// What one period produced.
pub struct PeriodResult {
	trades: Vec<TradeResult>,
	nodes: Vec<(String, NodeResult)>,
}

/// What the whole scenario produced.
pub struct Report {
	periods: Vec<PeriodResult>,
}

/// `x` currency units (or kWh, with `scale` 1000) as an integer amount, exactly when `x` has
/// at most as many decimals as the scale.
fn scaled(x: f64, scale: u128, what: &str) -> Result<u128, String> {
	if !x.is_finite() || x < 0.0 {
		return Err(format!("{what} must be a finite, non-negative number, not {x}"));
	}
	let v = (x * scale as f64).round();
	if v > u128::MAX as f64 / 2.0 {
		return Err(format!("{what} {x} is too large"));
	}
	Ok(v as u128)
}

/// An amount of `decimals` decimals as an exact decimal string, without trailing zeros.
fn decimal(value: u128, decimals: u32) -> String {
	let scale = 10u128.pow(decimals);
	let mut s = format!("{}.{:0width$}", value / scale, value % scale, width = decimals as usize);
	while s.ends_with('0') && !s.ends_with(".0") {
		s.pop();
	}
	s
}

/// A balance in currency units (12 decimals).
fn units(value: Balance) -> String {
	decimal(value, 12)
}

/// A dev-style account: the sr25519 key of the derivation path `uri`.
fn account(uri: &str) -> AccountId {
	sr25519::Pair::from_string(uri, None).expect("a derivation path is a valid uri; qed").public().into()
}

/// The accounts a scenario node gets: `//sim/<id>` and its meter `//sim/<id>/meter`.
fn node_accounts(id: &str) -> (AccountId, AccountId) {
	(account(&format!("//sim/{id}")), account(&format!("//sim/{id}/meter")))
}

/// What every scenario node, its meter and the grid start with.
const ENDOWMENT: Balance = 1_000_000_000 * UNIT;

fn credit_params(p: &Params) -> Result<CreditParams, String> {
	let mut params = CreditParams::default();
	if let Some(v) = p.initial_credit {
		params.initial_credit = v;
	}
	if let Some(v) = p.restore_after {
		params.restore_after = v;
	}
	let fixed = |x: f64, what: &str| -> Result<FixedU128, String> {
		Ok(FixedU128::from_inner(scaled(x, FixedU128::DIV, what)?))
	};
	if let Some(v) = p.k1 {
		params.k1 = fixed(v, "k1")?;
	}
	if let Some(v) = p.k2 {
		params.k2 = fixed(v, "k2")?;
	}
	if let Some(v) = p.g {
		params.g = fixed(v, "g")?;
	}
	if let Some(v) = p.mu {
		if !(0.0..1.0).contains(&v) {
			return Err(format!("mu must be in [0, 1), not {v}"));
		}
		params.mu = Perbill::from_parts(scaled(v, 1_000_000_000, "mu")? as u32);
	}
	params.validate().map_err(|e| format!("invalid parameters: {e:?}"))?;
	Ok(params)
}

/// Check the scenario's references and build its genesis.
fn genesis(scenario: &Scenario, params: &CreditParams) -> Result<sp_io::TestExternalities, String> {
	let mut seen = BTreeMap::new();
	for node in &scenario.nodes {
		if seen.insert(node.id.as_str(), ()).is_some() {
			return Err(format!("node {} is listed twice", node.id));
		}
		if node.credit.is_some_and(|c| c > params.initial_credit) {
			return Err(format!("node {}: credit above initial_credit", node.id));
		}
	}
	let known = |id: &str, what: &str, period: usize| -> Result<(), String> {
		seen.contains_key(id)
			.then_some(())
			.ok_or(format!("period {}: {what} {id} is not a scenario node", period + 1))
	};
	for (i, period) in scenario.periods.iter().enumerate() {
		for v in &period.verifications {
			known(&v.validator, "validator", i)?;
		}
		if !period.verifications.is_empty() && period.trades.is_empty() {
			return Err(format!(
				"period {}: verifications need a trade to verify in the same period",
				i + 1
			));
		}
		for t in &period.trades {
			known(&t.producer, "producer", i)?;
			known(&t.consumer, "consumer", i)?;
		}
		for id in period.paper.keys() {
			known(id, "paper figure for", i)?;
		}
	}
	let center = sp_keyring::Sr25519Keyring::Alice.to_account_id();
	let mut balances = vec![(center.clone(), ENDOWMENT), (GridAccount::get(), ENDOWMENT)];
	let mut records = Vec::new();
	for node in &scenario.nodes {
		let (who, meter) = node_accounts(&node.id);
		balances.push((who.clone(), ENDOWMENT));
		balances.push((meter, ENDOWMENT));
		records.push((
			who,
			node.credit.unwrap_or(params.initial_credit),
			node.verification_streak,
		));
	}
	let storage = RuntimeGenesisConfig {
		balances: BalancesConfig { balances, ..Default::default() },
		credit: CreditConfig { params: *params, records },
		registry: RegistryConfig { trading_center: Some(center), nodes: vec![] },
		..Default::default()
	}
	.build_storage()?;
	Ok(sp_io::TestExternalities::new(storage))
}

/// Dispatch `call` from `origin` as an extrinsic would be, without the call filter.
fn dispatch(origin: RuntimeOrigin, call: RuntimeCall, what: &str) -> Result<(), String> {
	let text = format!("{call:?}");
	call.dispatch_bypass_filter(origin).map(|_| ()).map_err(|e| {
		// Natively built, a module error carries its name.
		format!("{what} failed: {:?} ({})", e.error, text.chars().take(200).collect::<String>())
	})
}

/// Close the block and open the next, running the hooks.
fn next_block() {
	let now = System::block_number();
	let parent = sp_core::H256(sp_io::hashing::blake2_256(&now.encode()));
	System::reset_events();
	System::initialize(&(now + 1), &parent, &Default::default());
	<AllPalletsWithSystem as OnInitialize<u32>>::on_initialize(now + 1);
}

/// Install `validators` (with their current draw weights) as the session's validator set.
/// The judgements tallied for the set it replaces are written to the credit records first, as
/// the draws write them when a set rotates out.
fn install_validators(validators: &[AccountId]) {
	let serving = pallet_verification::Validators::<Runtime>::get();
	let previous = pallet_verification::PreviousValidators::<Runtime>::get();
	for (who, _) in serving.iter().chain(previous.iter()) {
		let judgements = <pallet_verification::Pallet<Runtime> as PendingVerifications<
			AccountId,
		>>::take(who);
		<Credit as CreditScore<AccountId>>::apply_verifications(who, judgements);
	}
	pallet_verification::Judgements::<Runtime>::kill();
	pallet_verification::PreviousJudgements::<Runtime>::kill();
	let with_weights: Vec<(AccountId, u128)> = validators
		.iter()
		.map(|v| (v.clone(), pallet_verification::Pallet::<Runtime>::weight_of(v)))
		.collect();
	let total = with_weights.iter().map(|(_, w)| *w).sum::<u128>();
	pallet_verification::Validators::<Runtime>::put(
		frame_support::BoundedVec::truncate_from(with_weights),
	);
	pallet_verification::ValidatorsTotal::<Runtime>::put(total);
	pallet_verification::PreviousValidators::<Runtime>::kill();
}

/// Bring the poll `(id, kind)` to `verdict`: `correct` validators vote it, `incorrect` ones
/// vote against it where that cannot make it lose; without a quorum the trading center
/// decides after the deadline.
fn conclude(
	id: u64,
	kind: PollKind,
	verdict: Verdict,
	correct: &[AccountId],
	incorrect: &[AccountId],
	center: &AccountId,
) -> Result<(), String> {
	let open = || pallet_verification::Polls::<Runtime>::contains_key(id, kind);
	let vote = |who: &AccountId, verdict: Verdict| {
		dispatch(
			RuntimeOrigin::signed(who.clone()),
			RuntimeCall::Verification(pallet_verification::Call::vote { subject: id, kind, verdict }),
			"verification.vote",
		)
	};
	for who in correct {
		if open() {
			vote(who, verdict)?;
		}
	}
	let wrong = match verdict {
		Verdict::Approve => Verdict::Reject,
		Verdict::Reject => Verdict::Approve,
		Verdict::Quantities { delivered_wh, consumed_wh } =>
			Verdict::Quantities { delivered_wh: delivered_wh.saturating_add(1), consumed_wh },
	};
	let total = pallet_verification::ValidatorsTotal::<Runtime>::get();
	let mut against = 0u128;
	for who in incorrect {
		let weight = pallet_verification::Pallet::<Runtime>::weight_of(who);
		if open() && (against + weight) * 3 < total * 2 {
			vote(who, wrong)?;
			against += weight;
		}
	}
	if open() {
		let deadline = pallet_verification::Polls::<Runtime>::get(id, kind)
			.map(|p| p.deadline)
			.unwrap_or_default();
		while System::block_number() <= deadline {
			next_block();
		}
		dispatch(
			RuntimeOrigin::signed(center.clone()),
			RuntimeCall::Verification(pallet_verification::Call::decide { subject: id, kind, verdict }),
			"verification.decide",
		)?;
	}
	Ok(())
}

/// Run one trade from proposal to settlement. `verifiers` (correct, incorrect), if any, serve on
/// its approval poll; its delivery poll has no validators.
fn run_trade(
	trade: &Trade,
	accounts: &BTreeMap<&str, (AccountId, AccountId)>,
	verifiers: Option<(&[AccountId], &[AccountId])>,
	center: &AccountId,
	at: &dyn Fn(&str) -> String,
) -> Result<TradeResult, String> {
	let (producer, producer_meter) = accounts[trade.producer.as_str()].clone();
	let (consumer, consumer_meter) = accounts[trade.consumer.as_str()].clone();
	let quantity_wh = scaled(trade.quantity_kwh, 1000, "quantity_kwh")? as u64;
	let delivered_wh = scaled(trade.delivered_kwh, 1000, "delivered_kwh")? as u64;
	let consumed_wh = scaled(trade.consumed_kwh, 1000, "consumed_kwh")? as u64;
	let price = scaled(trade.price, UNIT, "price")?;
	let now = System::block_number();
	let id = pallet_market::NextContractId::<Runtime>::get();
	dispatch(
		RuntimeOrigin::signed(producer.clone()),
		RuntimeCall::Market(pallet_market::Call::propose {
			counterparty: consumer.clone(),
			side: Side::Producer,
			quantity_wh,
			price,
			window_start: now + 1,
			window_end: now + 1,
		}),
		&at("market.propose"),
	)?;
	let (correct, incorrect) = verifiers.unwrap_or((&[], &[]));
	let serving: Vec<AccountId> = correct.iter().chain(incorrect).cloned().collect();
	install_validators(&serving);
	dispatch(
		RuntimeOrigin::signed(consumer.clone()),
		RuntimeCall::Market(pallet_market::Call::accept { id }),
		&at("market.accept"),
	)?;
	conclude(id, PollKind::Approval, Verdict::Approve, correct, incorrect, center)
		.map_err(|e| at(&e))?;
	let status = pallet_market::Contracts::<Runtime>::get(id).map(|c| c.status);
	if status != Some(pallet_market::ContractStatus::Active) {
		return Err(at("the contract was not activated (void: funds?)"));
	}
	while System::block_number() <= now + 1 {
		next_block();
	}
	install_validators(&[]);
	for (meter, side, quantity_wh) in [
		(&producer_meter, Side::Producer, delivered_wh),
		(&consumer_meter, Side::Consumer, consumed_wh),
	] {
		dispatch(
			RuntimeOrigin::signed(meter.clone()),
			RuntimeCall::Market(pallet_market::Call::report_reading { id, side, quantity_wh }),
			&at("market.report_reading"),
		)?;
	}
	let attested = Verdict::Quantities { delivered_wh, consumed_wh };
	conclude(id, PollKind::Delivery, attested, &[], &[], center).map_err(|e| at(&e))?;
	dispatch(
		RuntimeOrigin::signed(consumer),
		RuntimeCall::Market(pallet_market::Call::settle { id }),
		&at("market.settle"),
	)?;
	System::events()
		.into_iter()
		.rev()
		.find_map(|r| match r.event {
			RuntimeEvent::Market(MarketEvent::ContractSettled {
				id: settled,
				producer_default,
				consumer_default,
				producer_penalty_price,
				producer_penalty,
				consumer_penalty_price,
				consumer_penalty,
				..
			}) if settled == id => Some(TradeResult {
				producer: trade.producer.clone(),
				consumer: trade.consumer.clone(),
				producer_default,
				consumer_default,
				producer_penalty_price,
				producer_penalty,
				consumer_penalty_price,
				consumer_penalty,
			}),
			_ => None,
		})
		.ok_or_else(|| at("no settlement event"))
}

/// Run `scenario` through the runtime.
pub fn simulate(scenario: &Scenario) -> Result<Report, String> {
	let params = credit_params(&scenario.params)?;
	let grid_price = scenario.params.grid_price.map(|p| scaled(p, UNIT, "grid_price")).transpose()?;
	let feed_in_price =
		scenario.params.feed_in_price.map(|p| scaled(p, UNIT, "feed_in_price")).transpose()?;
	let mut ext = genesis(scenario, &params)?;
	ext.execute_with(|| {
		next_block();
		let center = sp_keyring::Sr25519Keyring::Alice.to_account_id();
		// The grid prices are governance parameters in storage.
		let mut items = Vec::new();
		if let Some(p) = grid_price {
			items.push((GridPrice::key().to_vec(), p.encode()));
		}
		if let Some(p) = feed_in_price {
			items.push((FeedInPrice::key().to_vec(), p.encode()));
		}
		if !items.is_empty() {
			dispatch(
				RuntimeOrigin::root(),
				RuntimeCall::System(frame_system::Call::set_storage { items }),
				"system.set_storage",
			)?;
		}
		let accounts: BTreeMap<&str, (AccountId, AccountId)> =
			scenario.nodes.iter().map(|n| (n.id.as_str(), node_accounts(&n.id))).collect();
		for node in &scenario.nodes {
			let (who, meter) = accounts[node.id.as_str()].clone();
			let role = match node.role {
				RoleName::Producer => Role::Producer,
				RoleName::Consumer => Role::Consumer,
				RoleName::Prosumer => Role::Prosumer,
			};
			dispatch(
				RuntimeOrigin::signed(center.clone()),
				RuntimeCall::Registry(pallet_registry::Call::register {
					who,
					role,
					meter,
					capacity_wh: MaxCapacity::get(),
				}),
				&format!("registry.register {}", node.id),
			)?;
		}
		let issuance = Balances::total_issuance();
		let mut periods = Vec::new();
		for (p, period) in scenario.periods.iter().enumerate() {
			let at = |what: &str| format!("period {}: {what}", p + 1);
			let correct: Vec<AccountId> = period
				.verifications
				.iter()
				.filter(|v| v.correct)
				.map(|v| accounts[v.validator.as_str()].0.clone())
				.collect();
			let incorrect: Vec<AccountId> = period
				.verifications
				.iter()
				.filter(|v| !v.correct)
				.map(|v| accounts[v.validator.as_str()].0.clone())
				.collect();
			let mut trades = Vec::new();
			for (t, trade) in period.trades.iter().enumerate() {
				let at = |what: &str| {
					at(&format!("trade {} ({} -> {}): {what}", t + 1, trade.producer, trade.consumer))
				};
				let serving = (t == 0).then_some((&correct[..], &incorrect[..]));
				trades.push(run_trade(trade, &accounts, serving, &center, &at)?);
				next_block();
			}
			// Trading neither creates nor destroys money, and every hold is released.
			if Balances::total_issuance() != issuance {
				return Err(at("total issuance changed"));
			}
			for (id, (who, _)) in &accounts {
				let held = Balances::balance_on_hold(
					&pallet_market::HoldReason::Settlement.into(),
					who,
				);
				if held != 0 {
					return Err(at(&format!("{id} still has {held} on hold")));
				}
			}
			let nodes = scenario
				.nodes
				.iter()
				.map(|n| {
					let who = &accounts[n.id.as_str()].0;
					let info = Credit::credit_info(who).expect("registered nodes have records; qed");
					(
						n.id.clone(),
						NodeResult {
							credit: info.credit,
							verification_streak: info.verification_streak,
							verification_credit: info.verification_credit,
							fulfilled_streak: info.fulfilled_streak,
							defaults_since_reset: info.defaults_since_reset,
							penalty_received: Penalty::received(who),
						},
					)
				})
				.collect();
			periods.push(PeriodResult { trades, nodes });
		}
		Ok(Report { periods })
	})
}

/// A JSON string literal.
fn json_string(s: &str) -> String {
	serde_json::to_string(s).expect("a string serialises; qed")
}

impl Report {
	/// The result in the scenario format's JSON shape, nodes in scenario order.
	pub fn json(&self) -> String {
		let mut out = String::from("{\"periods\": [\n");
		for (p, period) in self.periods.iter().enumerate() {
			out.push_str("  {\"trades\": [");
			for (t, r) in period.trades.iter().enumerate() {
				let _ = write!(
					out,
					"{}\n    {{\"producer\": {}, \"consumer\": {}, \"producer_default\": {}, \
					 \"consumer_default\": {}, \"producer_penalty_price\": {}, \
					 \"producer_penalty\": {}, \"consumer_penalty_price\": {}, \
					 \"consumer_penalty\": {}}}",
					if t == 0 { "" } else { "," },
					json_string(&r.producer),
					json_string(&r.consumer),
					r.producer_default,
					r.consumer_default,
					units(r.producer_penalty_price),
					units(r.producer_penalty),
					units(r.consumer_penalty_price),
					units(r.consumer_penalty),
				);
			}
			out.push_str("],\n   \"nodes\": {");
			for (n, (id, r)) in period.nodes.iter().enumerate() {
				let _ = write!(
					out,
					"{}\n    {}: {{\"credit\": {}, \"verification_streak\": {}, \
					 \"verification_credit\": {}, \"fulfilled_streak\": {}, \
					 \"defaults_since_reset\": {}, \"penalty_received\": {}}}",
					if n == 0 { "" } else { "," },
					json_string(id),
					r.credit,
					r.verification_streak,
					decimal(r.verification_credit.into_inner(), 18),
					r.fulfilled_streak,
					r.defaults_since_reset,
					units(r.penalty_received),
				);
			}
			out.push_str("}}");
			out.push_str(if p + 1 == self.periods.len() { "\n" } else { ",\n" });
		}
		out.push_str("]}");
		out
	}

	/// The result as readable tables; the paper's figures, where the scenario gives them, in
	/// brackets beside ours.
	pub fn table(&self, scenario: &Scenario) -> String {
		let paper = |x: Option<f64>| x.map(|v| format!(" [{v}]")).unwrap_or_default();
		let paper_u = |x: Option<u32>| x.map(|v| format!(" [{v}]")).unwrap_or_default();
		let mut out = String::new();
		if let Some(d) = &scenario.description {
			let _ = writeln!(out, "{d}");
		}
		let _ = writeln!(out, "Amounts in currency units; the paper's figures in [brackets].");
		for (p, (period, input)) in self.periods.iter().zip(&scenario.periods).enumerate() {
			let _ = writeln!(out, "\nPeriod {}", p + 1);
			if !period.trades.is_empty() {
				let _ = writeln!(
					out,
					"  {:<10} {:<10} {:>8} {:>8} {:>20} {:>20} {:>20} {:>20}",
					"producer", "consumer", "p.def", "c.def", "p.penalty price", "p.penalty",
					"c.penalty price", "c.penalty"
				);
				for (r, t) in period.trades.iter().zip(&input.trades) {
					let none = PaperTrade::default();
					let pt = t.paper.as_ref().unwrap_or(&none);
					let _ = writeln!(
						out,
						"  {:<10} {:<10} {:>8} {:>8} {:>20} {:>20} {:>20} {:>20}",
						r.producer,
						r.consumer,
						r.producer_default,
						r.consumer_default,
						format!("{:.6}{}", to_f64(r.producer_penalty_price), paper(pt.producer_penalty_price)),
						format!("{:.6}{}", to_f64(r.producer_penalty), paper(pt.producer_penalty)),
						format!("{:.6}{}", to_f64(r.consumer_penalty_price), paper(pt.consumer_penalty_price)),
						format!("{:.6}{}", to_f64(r.consumer_penalty), paper(pt.consumer_penalty)),
					);
				}
			}
			let _ = writeln!(
				out,
				"  {:<10} {:>10} {:>8} {:>10} {:>5} {:>5} {:>22}",
				"node", "credit", "n", "C_verif", "D", "i", "penalty received"
			);
			for (id, r) in &period.nodes {
				let pn = input.paper.get(id);
				let _ = writeln!(
					out,
					"  {:<10} {:>10} {:>8} {:>10.4} {:>5} {:>5} {:>22}",
					id,
					format!("{}{}", r.credit, paper_u(pn.and_then(|x| x.credit))),
					format!("{}{}", r.verification_streak, paper_u(pn.and_then(|x| x.verification_streak))),
					r.verification_credit.to_float(),
					r.fulfilled_streak,
					r.defaults_since_reset,
					format!("{:.6}{}", to_f64(r.penalty_received), paper(pn.and_then(|x| x.penalty_received))),
				);
			}
		}
		out
	}
}

/// A balance in currency units, for display only.
fn to_f64(value: Balance) -> f64 {
	value as f64 / UNIT as f64
}

#[cfg(test)]
mod tests {
	use super::*;

	#[test]
	fn decimals_are_exact_and_trimmed() {
		assert_eq!(decimal(530_388_000_000, 12), "0.530388");
		assert_eq!(decimal(0, 12), "0.0");
		assert_eq!(decimal(5 * UNIT, 12), "5.0");
		assert_eq!(decimal(1, 12), "0.000000000001");
		assert_eq!(scaled(0.64, UNIT, "price"), Ok(640_000_000_000));
		assert_eq!(scaled(75.5, 1000, "q"), Ok(75_500));
		assert!(scaled(-1.0, 1000, "q").is_err());
		assert!(scaled(f64::NAN, 1000, "q").is_err());
	}
}
