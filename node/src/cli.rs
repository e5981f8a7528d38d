//! Command-line interface of `dpoa-node`.

use sc_cli::RunCmd;

/// Subcommands beside running the node.
#[derive(Debug, clap::Subcommand)]
#[allow(clippy::large_enum_variant)]
pub enum Subcommand {
	/// Key management CLI utilities.
	#[command(subcommand)]
	Key(sc_cli::KeySubcommand),

	/// Build a chain specification (deprecated in favour of `export-chain-spec`; kept because
	/// scripts and users expect it).
	BuildSpec(sc_cli::BuildSpecCmd),

	/// Export the chain specification.
	ExportChainSpec(sc_cli::ExportChainSpecCmd),

	/// Validate blocks.
	CheckBlock(sc_cli::CheckBlockCmd),

	/// Export blocks.
	ExportBlocks(sc_cli::ExportBlocksCmd),

	/// Export the state of a given block into a chain spec.
	ExportState(sc_cli::ExportStateCmd),

	/// Import blocks.
	ImportBlocks(sc_cli::ImportBlocksCmd),

	/// Remove the whole chain.
	PurgeChain(sc_cli::PurgeChainCmd),

	/// Revert the chain to a previous state.
	Revert(sc_cli::RevertCmd),

	/// Runtime and node benchmarks: `pallet`, `overhead`, `block`, `extrinsic`, `machine`,
	/// `storage`.
	#[command(subcommand)]
	Benchmark(frame_benchmarking_cli::BenchmarkCmd),

	/// Database metadata of the chain.
	ChainInfo(sc_cli::ChainInfoCmd),

	/// Replay a trading scenario (JSON) through the runtime's extrinsics in-process and print
	/// credit, penalties and shares: `simulate --scenario FILE [--format json|table]`.
	Simulate(crate::simulate::SimulateCmd),

	/// Measure transfers and trade lifecycles per second and the finality lag against a running
	/// dev node (`scripts/bench-throughput.sh` starts one): `throughput --rpc HOST:PORT`.
	Throughput(crate::throughput::ThroughputCmd),

	/// Convert a chain spec with a genesis patch into a raw one, building the genesis with the
	/// native runtime (no 32 MiB limit on the configuration, so 100,000 registered nodes fit):
	/// `raw-spec --chain SPEC --out RAW`.
	RawSpec(crate::raw_spec::RawSpecCmd),
}

/// The `dpoa-node` command line.
#[derive(Debug, clap::Parser)]
pub struct Cli {
	/// A subcommand; without one the node runs.
	#[command(subcommand)]
	pub subcommand: Option<Subcommand>,

	/// Options of the running node.
	#[clap(flatten)]
	pub run: RunCmd,
}
