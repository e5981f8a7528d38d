//! The load generator of issue #6, `dpoa-node throughput`, against a fresh dev node as
//! `scripts/bench-throughput.sh` runs it, at a light load: every transfer and trade goes
//! through, the pipeline reaches a steady state, the rate it reports is the load offered, and
//! its last line is the one the issue asks for.

mod common;

use common::*;
use std::{
	process::{Command, Stdio},
	time::{Duration, Instant},
};

/// Trades offered a block: far below the ceiling, so the chain keeps up with them.
const PROPOSALS: u32 = 40;
/// Enough trades for proposals to be still offered while the first settle (a contract takes
/// about 8 blocks from its proposal to its settlement on the dev chain).
const TRADES: u32 = 480;
const TRANSFERS: u32 = 1_000;

/// The figures of the tool's last line.
#[derive(Debug)]
struct Line {
	transfers_per_s: f64,
	trades_per_s: f64,
	ratio: f64,
	lag: u32,
}

/// `transfers_per_s=<x> trades_per_s=<y> trade_to_transfer_ratio=<y/x> finality_lag_blocks=<z>`,
/// exactly: those four fields in that order, the rates with 1, 2 and 4 decimals.
fn parse(line: &str) -> Option<Line> {
	let fields: Vec<&str> = line.split(' ').collect();
	let [transfers, trades, ratio, lag] = fields.as_slice() else { return None };
	let value = |field: &str, name: &str, decimals: usize| -> Option<f64> {
		let number = field.strip_prefix(name)?.strip_prefix('=')?;
		let (_, fraction) = number.split_once('.')?;
		(fraction.len() == decimals).then_some(())?;
		number.parse().ok()
	};
	Some(Line {
		transfers_per_s: value(transfers, "transfers_per_s", 1)?,
		trades_per_s: value(trades, "trades_per_s", 2)?,
		ratio: value(ratio, "trade_to_transfer_ratio", 4)?,
		lag: lag.strip_prefix("finality_lag_blocks=")?.parse().ok()?,
	})
}

/// Run the tool with `extra` arguments against a fresh dev node started as the script starts
/// it; its last line and its report (standard error).
fn run(name: &str, extra: &[&str]) -> (Line, String) {
	let dir = scratch();
	let node = Node::start(
		&[
			"--dev",
			"--tmp",
			"--pool-type",
			"single-state",
			"--pool-limit",
			"65536",
			"--pool-kbytes",
			"262144",
			"--rpc-max-request-size",
			"64",
			"--rpc-max-response-size",
			"64",
		],
		&dir.path().join(format!("{name}.log")),
	);
	let report = dir.path().join(format!("{name}.tool.log"));
	let mut tool = Command::new(node_bin())
		.args(["throughput", "--rpc", &format!("127.0.0.1:{}", node.rpc_port)])
		.args(["--transfers", &TRANSFERS.to_string(), "--trades", &TRADES.to_string()])
		.args(["--proposals-per-block", &PROPOSALS.to_string(), "--extra-nodes", "40"])
		.args(extra)
		.stdout(Stdio::piped())
		.stderr(std::fs::File::create(&report).unwrap())
		.spawn()
		.expect("dpoa-node throughput starts");
	// About 25 blocks; the tool gives up by itself after 20 blocks without progress.
	let start = Instant::now();
	while tool.try_wait().unwrap().is_none() {
		if start.elapsed() > Duration::from_secs(600) {
			let _ = tool.kill();
			panic!("the tool ran for 10 minutes:\n{}", std::fs::read_to_string(&report).unwrap());
		}
		std::thread::sleep(Duration::from_millis(500));
	}
	let output = tool.wait_with_output().unwrap();
	let report = std::fs::read_to_string(&report).unwrap();
	assert!(output.status.success(), "the tool failed:\n{report}\nnode:\n{}", node.log_tail());
	let stdout = String::from_utf8(output.stdout).unwrap();
	let last = stdout.lines().last().unwrap_or_default();
	let line = parse(last).unwrap_or_else(|| panic!("not the issue's line: {last:?}\n{report}"));
	(line, report)
}

/// What both ways of voting must show.
fn check(line: &Line, report: &str) {
	let slot = dpoa_runtime::SLOT_DURATION as f64 / 1000.0;
	assert!(report.contains(&format!("{TRANSFERS} of {TRANSFERS} transfers in")), "{report}");
	assert!(report.contains(&format!("{TRADES} of {TRADES} trades settled")), "{report}");
	assert!(!report.contains("WARNING"), "a steady state, nothing refused or failed:\n{report}");
	// The transfers fit in one block or two.
	let transfers = f64::from(TRANSFERS) / slot;
	assert!(
		line.transfers_per_s > transfers / 2.0 - 0.1 && line.transfers_per_s < transfers + 0.1,
		"{line:?}"
	);
	// The chain keeps up, so the steady state's rate is what was offered.
	let offered = f64::from(PROPOSALS) / slot;
	assert!((line.trades_per_s - offered).abs() < offered * 0.1, "{line:?}, {offered:.2} offered");
	let ratio = line.trades_per_s / line.transfers_per_s;
	assert!((line.ratio - ratio).abs() < ratio * 0.01, "the ratio is y / x: {line:?}");
	assert!(line.lag <= 3, "finality lag {} (the issue's bound is 3)", line.lag);
}

#[test]
fn the_load_generator_reports_a_light_load_one_vote_per_poll() {
	let (line, report) = run("single", &[]);
	check(&line, &report);
	assert!(report.contains("approval, 2 votes"), "the dev chain's 3 validators: {report}");
	assert!(!report.contains("polls open in batches"), "{report}");
}

#[test]
fn the_load_generator_reports_a_light_load_with_batched_votes() {
	let (line, report) = run("batched", &["--batched-votes"]);
	check(&line, &report);
	assert!(report.contains("throughput: polls open in batches"), "{report}");
}

#[test]
fn only_the_issues_line_parses() {
	let line = "transfers_per_s=598.0 trades_per_s=175.00 trade_to_transfer_ratio=0.2926 \
	            finality_lag_blocks=2";
	let parsed = parse(line).expect("the line of the run of 2026-12-04");
	assert_eq!(
		(parsed.transfers_per_s, parsed.trades_per_s, parsed.ratio, parsed.lag),
		(598.0, 175.0, 0.2926, 2)
	);
	for wrong in [
		"transfers_per_s=598.0 trades_per_s=175.00 trade_to_transfer_ratio=0.2926",
		"trades_per_s=175.00 transfers_per_s=598.0 trade_to_transfer_ratio=0.2926 \
		 finality_lag_blocks=2",
		"transfers_per_s=598 trades_per_s=175.00 trade_to_transfer_ratio=0.2926 \
		 finality_lag_blocks=2",
		"transfers_per_s=598.0 trades_per_s=175.00 trade_to_transfer_ratio=0.2926 \
		 finality_lag_blocks=2 ",
		"transfers_per_s=598.0  trades_per_s=175.00 trade_to_transfer_ratio=0.2926 \
		 finality_lag_blocks=2",
	] {
		assert!(parse(wrong).is_none(), "{wrong:?} parsed");
	}
}
