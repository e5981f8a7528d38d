//! `scripts/bench-throughput.sh`, issue #6's throughput tool (a fresh dev node and the load
//! generator `dpoa-node throughput`), at a light load: every transfer and trade goes through,
//! the pipeline reaches a steady state, the rate it reports is the load offered, and its last
//! line is the one the issue asks for.

mod common;

use common::*;
use std::{
	fs::File,
	os::unix::process::CommandExt,
	path::Path,
	process::Command,
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

/// Run `scripts/bench-throughput.sh` with `extra` arguments for the tool, at this light load,
/// on the node cargo built for these tests; the tool's last line and the script's standard
/// error (the tool's report and where the node's log is).
fn run(name: &str, extra: &[&str]) -> (Line, String) {
	let dir = scratch();
	let report = dir.path().join(format!("{name}.report.log"));
	let stdout = dir.path().join(format!("{name}.out"));
	let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/bench-throughput.sh");
	let mut script = Command::new("bash")
		.arg(script)
		.args(extra)
		.env("NODE_BIN", node_bin())
		.env("RPC_PORT", free_port().to_string())
		.env("TRANSFERS", TRANSFERS.to_string())
		.env("TRADES", TRADES.to_string())
		.env("PROPOSALS", PROPOSALS.to_string())
		.env("EXTRA_NODES", "40")
		// The script's work directory (the node's database and log) goes in the scratch one.
		.env("TMPDIR", dir.path())
		// Its own process group, so that a timeout stops the node with the script.
		.process_group(0)
		.stdout(File::create(&stdout).unwrap())
		.stderr(File::create(&report).unwrap())
		.spawn()
		.expect("scripts/bench-throughput.sh starts");
	// About 25 blocks; the tool gives up by itself after 20 blocks without progress.
	let start = Instant::now();
	while script.try_wait().unwrap().is_none() {
		if start.elapsed() > Duration::from_secs(600) {
			// The script, the tool and the node.
			let _ = Command::new("kill").args(["-TERM", &format!("-{}", script.id())]).status();
			let _ = script.wait();
			let report = std::fs::read_to_string(&report).unwrap();
			panic!("the run took 10 minutes:\n{report}\nnode:\n{}", node_log_tail(&report));
		}
		std::thread::sleep(Duration::from_millis(500));
	}
	let status = script.wait().unwrap();
	let report = std::fs::read_to_string(&report).unwrap();
	assert!(
		status.success(),
		"the script failed:\n{report}\nnode:\n{}",
		node_log_tail(&report)
	);
	let stdout = std::fs::read_to_string(&stdout).unwrap();
	let last = stdout.lines().last().unwrap_or_default();
	let line = parse(last).unwrap_or_else(|| panic!("not the issue's line: {last:?}\n{report}"));
	(line, report)
}

/// The last lines of the node's log, whose path the script's `report` names.
fn node_log_tail(report: &str) -> String {
	match report.lines().find_map(|line| line.strip_prefix("node log: ")) {
		Some(log) => log_tail(Path::new(log)),
		None => "(the script named no log)".into(),
	}
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
