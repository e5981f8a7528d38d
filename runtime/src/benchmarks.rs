//! The pallets whose benchmarks the node's `benchmark pallet` command runs.

frame_benchmarking::define_benchmarks!(
	[frame_benchmarking, BaselineBench::<Runtime>]
	[frame_system, SystemBench::<Runtime>]
	[frame_system_extensions, SystemExtensionsBench::<Runtime>]
	[pallet_transaction_payment, TransactionPayment]
	[pallet_balances, Balances]
	[pallet_sudo, Sudo]
	[pallet_utility, Utility]
	[pallet_dpoa, Dpoa]
	[pallet_credit, Credit]
	[pallet_registry, Registry]
	[pallet_penalty, Penalty]
	[pallet_verification, Verification]
	[pallet_market, Market]
	[pallet_finality, Finality]
);
