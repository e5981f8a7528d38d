//! The README's two commands share one build: `scripts/run-dev.sh` (`cargo build`) and
//! `scripts/test.sh` (`cargo test`) compile the runtime and the node once between them.
//!
//! `cargo test` also resolves the workspace's dev-dependencies, and cargo unifies their features
//! with the normal dependencies'. If a dev-dependency turns on a feature of a crate the node
//! uses (even `default`, where the normal build names `std` alone), that crate and everything
//! above it, the runtime and the node among them, compile a second time with the other feature
//! set: minutes on a warm machine, after every switch between the two commands. This test
//! compares the feature sets `cargo tree` resolves with and without the dev-dependencies.

use std::{
	collections::{BTreeMap, BTreeSet},
	process::Command,
};

/// Every package `cargo tree` resolves for the workspace over `edges`, with its features.
fn resolved(edges: &str) -> BTreeMap<String, BTreeSet<String>> {
	let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
	let workspace = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
	let output = Command::new(cargo)
		.current_dir(&workspace)
		.args(["tree", "--workspace", "--frozen", "--prefix", "none", "-f", "{p}|{f}", "-e"])
		.arg(edges)
		.output()
		.unwrap();
	let stderr = String::from_utf8_lossy(&output.stderr);
	assert!(output.status.success(), "cargo tree -e {edges} fails: {stderr}");
	let mut packages = BTreeMap::<String, BTreeSet<String>>::new();
	// One tree a workspace member, a blank line between them.
	for line in String::from_utf8(output.stdout).unwrap().lines().filter(|l| !l.is_empty()) {
		// `name vX.Y.Z (path)|feature,feature (*)`; the `(*)` marks a package listed before.
		let (package, features) = line.split_once('|').expect("cargo tree's format");
		let features = features.trim_end_matches("(*)").trim();
		packages
			.entry(package.trim().to_string())
			.or_default()
			.extend(features.split(',').filter(|f| !f.is_empty()).map(String::from));
	}
	packages
}

#[test]
fn dev_dependencies_change_no_feature_of_the_build() {
	let build = resolved("normal,build");
	let tests = resolved("normal,build,dev");
	assert!(build.keys().any(|p| p.starts_with("dpoa-node ")), "the node is in the build");
	assert!(build.keys().any(|p| p.starts_with("pallet-balances ")), "so is pallet-balances");
	let changed: Vec<String> = build
		.iter()
		.filter_map(|(package, features)| {
			let with_tests = &tests[package];
			(with_tests != features).then(|| {
				let added: Vec<_> = with_tests.difference(features).collect();
				format!("{package}: the tests add {added:?}")
			})
		})
		.collect();
	assert!(
		changed.is_empty(),
		"the tests' dev-dependencies change features of the build, so `cargo build` and \
		 `cargo test` would each compile these and everything above them:\n{}",
		changed.join("\n")
	);
}
