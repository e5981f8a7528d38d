//! `dpoa-node`: the node of the community peer-to-peer electricity trading chain.

#![warn(missing_docs)]

mod benchmarking;
mod chain_spec;
mod cli;
mod command;
mod raw_spec;
mod rpc;
mod service;
mod simulate;
mod throughput;

fn main() -> sc_cli::Result<()> {
	command::run()
}
