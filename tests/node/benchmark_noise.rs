//! `scripts/bench-noise.sh`, the check `scripts/benchmark.sh` makes of every pallet's run before it
//! keeps its weights: it reads the output of the node's `benchmark pallet` command as the pinned
//! CLI prints it, and it rejects a run in which a benchmark has too many points whose repeats
//! spread too far.

mod common;

use common::*;
use std::{
	path::{Path, PathBuf},
	process::{Command, Output},
};

/// The repository's root.
fn root() -> PathBuf {
	Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// Run `scripts/bench-noise.sh` on `log` with the environment `env`.
fn check(log: &str, env: &[(&str, &str)]) -> Output {
	let dir = scratch();
	let path = dir.path().join("benchmark.log");
	std::fs::write(&path, log).unwrap();
	let mut command = Command::new("bash");
	command.arg(root().join("scripts/bench-noise.sh")).arg(&path);
	for key in ["NOISE_MAX_PCT", "NOISE_MIN_US", "NOISE_MAX_SHARE"] {
		command.env_remove(key);
	}
	for (key, value) in env {
		command.env(key, value);
	}
	command.output().unwrap()
}

fn stdout(output: &Output) -> String {
	String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A benchmark's section of the CLI's output, as `frame-benchmarking` 50.0.0 prints it, with the
/// points `rows` (component values, mean, sigma, percentage as the CLI formats them).
fn section(extrinsic: &str, names: &[&str], rows: &[&str]) -> String {
	let header: String = names.iter().map(|name| format!("{name:>5} ")).collect();
	format!(
		"Pallet: \"pallet_verification\", Extrinsic: \"{extrinsic}\", Lowest values: [], \
		 Highest values: [], Steps: 10, Repeat: 5\n\
		 Raw Storage Info\n========\n\n\
		 Median Slopes Analysis\n========\n-- Extrinsic Time --\n\n\
		 Model:\nTime ~=      437.3\n              + p      236.4\n              µs\n\n\
		 Reads = 10 + (1 * p)\nWrites = 4 + (2 * p)\nRecorded proof Size = 500 + (200 * p)\n\n\
		 Min Squares Analysis\n========\n-- Extrinsic Time --\n\n\
		 Data points distribution:\n{header}  mean µs  sigma µs       %\n{}\n\n\
		 Quality and confidence:\nparam     error\np         0.5\n\n\
		 Model:\nTime ~=      437.3\n              µs\n\n",
		rows.join("\n")
	)
}

#[test]
fn a_quiet_run_is_accepted() {
	let log = section("vote_batch", &["p", "v"], &["    1     3     645.2     5.1    0.7%"])
		+ &section(
			"vote",
			&["v"],
			&["    3     609.1     12.0    1.9%", "  256     700.0     30.0    4.2%"],
		);
	let output = check(&log, &[]);
	assert!(output.status.success(), "{}", stdout(&output));
	let out = stdout(&output);
	assert!(out.contains("vote_batch"), "{out}");
	let worst = "worst   4.2 % (30.0 us of 700.0 us) at v=256";
	assert!(out.lines().any(|line| line.starts_with("vote ") && line.ends_with(worst)), "{out}");
	let summary = "2 benchmarks, at most 10 % of the points of each spread over 10 % and 5 us";
	assert!(out.contains(summary), "{out}");
}

#[test]
fn a_point_spread_over_the_limit_is_rejected() {
	// The 2026-12-04 noisy run's kind of point: 512 polls from 124 to 184 ms.
	let log = section("vote", &["v"], &["    3     609.1     12.0    1.9%"])
		+ &section(
			"vote_batch",
			&["p", "v"],
			&["    1     3     645.2     5.1    0.7%", "  512   256    140000    19600   14.0%"],
		);
	let output = check(&log, &[]);
	assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
	let out = stdout(&output);
	let noisy: Vec<&str> = out.lines().filter(|line| line.ends_with("NOISY")).collect();
	assert_eq!(noisy.len(), 1, "{out}");
	assert!(noisy[0].starts_with("vote_batch"), "{out}");
	assert!(noisy[0].ends_with("(19600 us of 140000 us) at p=512 v=256  NOISY"), "{out}");
	assert!(noisy[0].contains(" 2 points,   1 over,"), "{out}");
	let summary = "1 of 2 benchmarks have more than 10 % of their points spread over 10 % and 5 us";
	assert!(out.contains(summary), "{out}");
	// The limit is the environment's.
	let output = check(&log, &[("NOISE_MAX_PCT", "15")]);
	assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn a_stray_point_among_many_is_tolerated_a_slow_stretch_is_not() {
	// 20 points of a 200 us call, `spread` of them at 15 %.
	let log = |spread: usize| {
		let rows: Vec<String> = (0..20)
			.map(|i| {
				let (sigma, pct) = if i < spread { ("30.0", "15.0%") } else { ("2.0", "1.0%") };
				format!("{:>5}     200.0  {sigma:>8}  {pct:>6}", i * 10)
			})
			.collect();
		section("attest", &["n"], &rows.iter().map(String::as_str).collect::<Vec<_>>())
	};
	// 2 of 20 is 10 %: not more than the share.
	let output = check(&log(2), &[]);
	assert!(output.status.success(), "{}", stdout(&output));
	assert!(stdout(&output).contains(" 20 points,   2 over, worst  15.0 %"), "{}", stdout(&output));
	let output = check(&log(3), &[]);
	assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
	// The share is the environment's.
	let output = check(&log(3), &[("NOISE_MAX_SHARE", "20")]);
	assert!(output.status.success(), "{}", stdout(&output));
}

#[test]
fn jitter_of_a_few_microseconds_is_not_noise() {
	// 40 % of a 12 us call, under the 5 us floor; a zero mean ("?.?%") is not judged.
	let log = section(
		"add_authority",
		&["n"],
		&["    1     12.1     4.8   39.6%", "   32        0        0    ?.?%"],
	);
	let output = check(&log, &[]);
	assert!(output.status.success(), "{}", stdout(&output));
	let output = check(&log, &[("NOISE_MIN_US", "1")]);
	assert_eq!(output.status.code(), Some(1), "{}", stdout(&output));
}

#[test]
fn benchmarks_without_components_are_not_checked_but_no_benchmark_is_an_error() {
	// The CLI takes the median of a benchmark without components and prints no distribution.
	let log = "Pallet: \"frame_system_extensions\", Extrinsic: \"check_nonce\", Lowest values: \
	           [], Highest values: [], Steps: 50, Repeat: 20\n";
	let output = check(log, &[]);
	assert!(output.status.success(), "{}", stdout(&output));
	assert!(stdout(&output).contains("1 benchmarks, none with a component"), "{}", stdout(&output));
	let output = check("Error: the runtime has no benchmarks\n", &[]);
	assert_eq!(output.status.code(), Some(2), "{}", stdout(&output));
}

/// The CLI's output of real runs on this project's build machine (tests/node/fixtures): the
/// thresholds keep the quiet one and refuse the noisy ones.
fn fixture(name: &str) -> String {
	std::fs::read_to_string(root().join("tests/node/fixtures").join(name)).unwrap()
}

#[test]
fn the_quiet_run_of_2026_12_04_is_kept() {
	// `pallet_finality` at 50 x 20, 17:29: the run whose weights are committed.
	let output = check(&fixture("bench-finality-quiet.txt"), &[]);
	let out = stdout(&output);
	assert!(output.status.success(), "{out}");
	let quiet = out.lines().filter(|line| line.contains(" 50 points,   0 over,")).count();
	assert_eq!(quiet, 5, "{out}");
}

#[test]
fn the_noisy_runs_of_2026_12_04_are_refused() {
	// `pallet_finality` at 50 x 20, 16:22: 12 to 24 of 50 points over in every benchmark.
	let output = check(&fixture("bench-finality-noisy.txt"), &[]);
	let out = stdout(&output);
	assert_eq!(output.status.code(), Some(1), "{out}");
	assert_eq!(out.lines().filter(|line| line.ends_with("NOISY")).count(), 5, "{out}");
	// `pallet_verification` at 10 x 5, 16:35: the run whose `vote_batch` fit had a 29.9 ms
	// intercept.
	let output = check(&fixture("bench-verification-noisy.txt"), &[]);
	let out = stdout(&output);
	assert_eq!(output.status.code(), Some(1), "{out}");
	let vote_batch = out.lines().find(|line| line.starts_with("vote_batch ")).unwrap();
	assert!(vote_batch.contains(" 19 points,   4 over,") && vote_batch.ends_with("NOISY"), "{out}");
	assert!(out.contains("5 of 15 benchmarks"), "{out}");
}

/// The node's own `benchmark pallet` run on `pallet_dpoa` (about 3 s): the check finds every
/// benchmark with a component in the CLI's real output, so a change of the CLI's format fails
/// here rather than let every run through.
#[test]
fn the_real_cli_output_is_read() {
	let wasm = node_bin()
		.parent()
		.unwrap()
		.join("wbuild/dpoa-runtime/dpoa_runtime.compact.compressed.wasm");
	let output = Command::new(node_bin())
		.args(["benchmark", "pallet", "--runtime"])
		.arg(&wasm)
		.args(["--genesis-builder", "runtime", "--pallet", "pallet_dpoa", "--extrinsic", "*"])
		.args(["--steps", "10", "--repeat", "5", "--min-duration", "0"])
		.output()
		.unwrap();
	assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
	let log = stdout(&output);
	let checked = check(&log, &[]);
	let out = stdout(&checked);
	// Accepted or noisy (this machine's load is not the test's), but read.
	assert!(matches!(checked.status.code(), Some(0 | 1)), "{out}");
	for benchmark in ["set_authorities", "add_authority", "remove_authority"] {
		let line = out
			.lines()
			.find(|line| line.starts_with(&format!("{benchmark} ")))
			.unwrap_or_else(|| panic!("{benchmark} not reported:\n{out}"));
		let points: u32 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
		assert!(points >= 5, "{line}");
		let (_, at) = line.split_once(" at n=").unwrap_or_else(|| panic!("{line}"));
		assert!(at.trim_end_matches("  NOISY").parse::<u32>().is_ok(), "{line}");
	}
	// on_initialize has no component: the CLI prints no distribution for it.
	assert!(!out.contains("on_initialize"), "{out}");
	assert!(out.contains("3 benchmarks"), "{out}");
}
