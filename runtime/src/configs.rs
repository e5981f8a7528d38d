//! The configuration of every pallet in the runtime.

// `RuntimeOrigin`, `RuntimeTask` and `PalletInfo` are injected into `frame_system::Config` by
// `derive_impl`, which needs them in scope.
use crate::{
	AccountId, Balance, Balances, Block, BlockNumber, Credit, Hash, Market, Nonce, PalletInfo, Penalty,
	Registry, Runtime, RuntimeCall, RuntimeEvent, RuntimeFreezeReason, RuntimeHoldReason,
	RuntimeOrigin, RuntimeTask, System, Verification, EXISTENTIAL_DEPOSIT, SLOT_DURATION, UNIT,
	VERSION,
};
use frame_support::{
	derive_impl, parameter_types,
	traits::{ConstU128, ConstU32, ConstU64, ConstU8, EitherOfDiverse, EnsureOrigin, VariantCountOf},
	weights::{
		constants::WEIGHT_REF_TIME_PER_SECOND,
		IdentityFee, Weight,
	},
};
use frame_system::{limits::BlockWeights as SystemBlockWeights, EnsureRoot};
use pallet_transaction_payment::{ConstFeeMultiplier, FungibleAdapter, Multiplier};
use frame_support::{dispatch::DispatchClass, PalletId};
use sp_runtime::{
	traits::{AccountIdConversion, One},
	Perbill,
};
use sp_version::RuntimeVersion;

/// Three quarters of a block are for normal transactions, the rest for operational ones.
const NORMAL_DISPATCH_RATIO: Perbill = Perbill::from_percent(75);
/// Two seconds of compute per block; no proof-size limit (a solochain ships no proofs).
const MAXIMUM_BLOCK_WEIGHT: Weight = Weight::from_parts(2u64 * WEIGHT_REF_TIME_PER_SECOND, u64::MAX);
/// The maximum block length in bytes.
const MAX_BLOCK_LENGTH: u32 = 5 * 1024 * 1024;

parameter_types! {
	/// The number of recent block hashes kept.
	pub const BlockHashCount: BlockNumber = 2400;
	/// The runtime version.
	pub const Version: RuntimeVersion = VERSION;
	/// Two seconds of compute per six-second block, three quarters of it for normal
	/// transactions; the base costs of a block and of an extrinsic are this chain's own,
	/// measured by `benchmark overhead` ([`crate::weights`]).
	pub RuntimeBlockWeights: SystemBlockWeights = SystemBlockWeights::builder()
		.base_block(crate::weights::BlockExecutionWeight::get())
		.for_class(DispatchClass::all(), |weights| {
			weights.base_extrinsic = crate::weights::ExtrinsicBaseWeight::get();
		})
		.for_class(DispatchClass::Normal, |weights| {
			weights.max_total = Some(NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.for_class(DispatchClass::Operational, |weights| {
			weights.max_total = Some(MAXIMUM_BLOCK_WEIGHT);
			// Operational transactions may use what normal ones leave over, and this on top.
			weights.reserved =
				Some(MAXIMUM_BLOCK_WEIGHT - NORMAL_DISPATCH_RATIO * MAXIMUM_BLOCK_WEIGHT);
		})
		.avg_block_initialization(Perbill::from_percent(10))
		.build_or_panic();
	/// At most 5 MiB per block, three quarters of it for normal transactions.
	pub RuntimeBlockLength: frame_system::limits::BlockLength =
		frame_system::limits::BlockLength::builder()
			.max_length(MAX_BLOCK_LENGTH)
			.modify_max_length_for_class(frame_support::dispatch::DispatchClass::Normal, |max| {
				*max = NORMAL_DISPATCH_RATIO * MAX_BLOCK_LENGTH
			})
			.build();
	/// The generic Substrate SS58 prefix.
	pub const SS58Prefix: u8 = 42;
}

#[derive_impl(frame_system::config_preludes::SolochainDefaultConfig)]
impl frame_system::Config for Runtime {
	type Block = Block;
	type BlockWeights = RuntimeBlockWeights;
	type BlockLength = RuntimeBlockLength;
	type AccountId = AccountId;
	type Nonce = Nonce;
	type Hash = Hash;
	type BlockHashCount = BlockHashCount;
	/// The node stores its state in ParityDB (it is built without RocksDB): the read and write
	/// costs measured on it (`scripts/bench-storage.sh`).
	type DbWeight = crate::weights::ParityDbWeight;
	type Version = Version;
	type AccountData = pallet_balances::AccountData<Balance>;
	type SS58Prefix = SS58Prefix;
	type MaxConsumers = ConstU32<16>;
	/// The transaction extensions' weights, measured on this chain (`scripts/benchmark.sh`).
	type ExtensionsWeightInfo = crate::weights::frame_system_extensions::WeightInfo<Runtime>;
}

impl pallet_timestamp::Config for Runtime {
	/// Milliseconds since the Unix epoch.
	type Moment = u64;
	/// Checks that every block's timestamp lies in the slot its DPoA pre-digest claims.
	type OnTimestampSet = crate::Dpoa;
	type MinimumPeriod = ConstU64<{ SLOT_DURATION / 2 }>;
	type WeightInfo = pallet_timestamp::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The DPoA slot duration: the target block time.
	pub const DpoaSlotDuration: u64 = SLOT_DURATION;
}

impl pallet_dpoa::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	/// The trading center's governance; root (sudo) on the dev and local chains.
	type AdminOrigin = EnsureRoot<AccountId>;
	type MaxAuthorities = ConstU32<32>;
	type SlotDuration = DpoaSlotDuration;
	type WeightInfo = pallet_dpoa::weights::SubstrateWeight<Runtime>;
}

impl pallet_balances::Config for Runtime {
	type MaxLocks = ConstU32<50>;
	type MaxReserves = ();
	type ReserveIdentifier = [u8; 8];
	type Balance = Balance;
	type RuntimeEvent = RuntimeEvent;
	type DustRemoval = ();
	type ExistentialDeposit = ConstU128<EXISTENTIAL_DEPOSIT>;
	type AccountStore = System;
	type WeightInfo = crate::weights::pallet_balances::WeightInfo<Runtime>;
	type FreezeIdentifier = RuntimeFreezeReason;
	type MaxFreezes = VariantCountOf<RuntimeFreezeReason>;
	type RuntimeHoldReason = RuntimeHoldReason;
	type RuntimeFreezeReason = RuntimeFreezeReason;
	type DoneSlashHandler = ();
}

parameter_types! {
	/// Fees do not scale with congestion on this chain.
	pub FeeMultiplier: Multiplier = Multiplier::one();
}

impl pallet_transaction_payment::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type OnChargeTransaction = FungibleAdapter<Balances, ()>;
	type OperationalFeeMultiplier = ConstU8<5>;
	type WeightToFee = IdentityFee<Balance>;
	type LengthToFee = IdentityFee<Balance>;
	type FeeMultiplierUpdate = ConstFeeMultiplier<FeeMultiplier>;
	/// The fee extension's weight, measured on this chain (`scripts/benchmark.sh`).
	type WeightInfo = crate::weights::pallet_transaction_payment::WeightInfo<Runtime>;
}

impl pallet_sudo::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type WeightInfo = pallet_sudo::weights::SubstrateWeight<Runtime>;
}

impl pallet_utility::Config for Runtime {
	type RuntimeEvent = RuntimeEvent;
	type RuntimeCall = RuntimeCall;
	type PalletsOrigin = crate::OriginCaller;
	type WeightInfo = pallet_utility::weights::SubstrateWeight<Runtime>;
}

/// The origin of the energy pallets' administrative calls: root (sudo on the dev and local
/// chains) or a signed call by the trading center's account (`Registry::trading_center`).
pub type TradingCenterOrigin =
	EitherOfDiverse<EnsureRoot<AccountId>, EnsureTradingCenter>;

/// Passes for a signed origin of the trading center's account and yields it.
pub struct EnsureTradingCenter;

impl EnsureOrigin<RuntimeOrigin> for EnsureTradingCenter {
	type Success = AccountId;

	fn try_origin(o: RuntimeOrigin) -> Result<AccountId, RuntimeOrigin> {
		let center = <Registry as energy_primitives::Registry<AccountId>>::trading_center();
		match (o.clone().into(), center) {
			(Ok(frame_system::RawOrigin::Signed(who)), Some(center)) if who == center => Ok(who),
			_ => Err(o),
		}
	}

	#[cfg(feature = "runtime-benchmarks")]
	fn try_successful_origin() -> Result<RuntimeOrigin, ()> {
		let center = <Registry as energy_primitives::Registry<AccountId>>::trading_center()
			.ok_or(())?;
		Ok(frame_system::RawOrigin::Signed(center).into())
	}
}

impl pallet_credit::Config for Runtime {
	type AdminOrigin = TradingCenterOrigin;
	/// Penalty shares and draw weights follow credit.
	type OnCreditChange = (Penalty, Verification);
	/// The verification pallet tallies judgements per session; credit reads include them.
	type PendingVerifications = Verification;
	type WeightInfo = pallet_credit::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// Held from an applicant until the trading center decides.
	pub const ApplicationDeposit: Balance = 10 * UNIT;
	/// The most a node may commit to in one contract: 10 MWh.
	pub const MaxCapacity: u64 = 10_000_000;
}

impl pallet_registry::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type AdminOrigin = TradingCenterOrigin;
	/// Credit opens a record first; the penalty pool and the draw then read it.
	type OnMembershipChange = (Credit, Penalty, Verification);
	type ApplicationDeposit = ApplicationDeposit;
	type MaxCapacity = MaxCapacity;
	type WeightInfo = pallet_registry::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The penalty pot's account is derived from this id.
	pub const PenaltyPalletId: PalletId = PalletId(*b"dpoa/pen");
}

impl pallet_penalty::Config for Runtime {
	type Currency = Balances;
	type Credits = Credit;
	type Registry = Registry;
	type PalletId = PenaltyPalletId;
	type WeightInfo = pallet_penalty::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// A session lasts 100 blocks (10 minutes at 6 s).
	pub const SessionLength: BlockNumber = 100;
}

impl pallet_verification::Config for Runtime {
	type Credits = Credit;
	/// The authority's VRF outputs, verified and accumulated by the DPoA pallet: the trading
	/// center cannot choose who validates (MODEL §8).
	type Randomness = crate::Dpoa;
	type AdminOrigin = TradingCenterOrigin;
	type SessionLength = SessionLength;
	/// MODEL §8 asks for 10 %-20 % of the nodes; a session has at most 256 validators.
	type MaxValidators = MaxSessionValidators;
	/// A block's share of a draw: 64 steps (re-weighings, trials or nodes put back), each a
	/// constant number of storage accesses whatever the community's size.
	type MaxDrawStepsPerBlock = ConstU32<64>;
	/// The market opens the polls and applies their verdicts.
	type OnVerdict = Market;
	/// Validators have 20 blocks (2 minutes) to vote on a poll.
	type VotingPeriod = ConstU32<20>;
	/// A validator votes on up to 64 polls a transaction.
	type MaxVotesPerCall = ConstU32<64>;
	/// A batch holds the polls of one kind opened in a block, up to 512 (a full block opens
	/// about 1,000).
	type MaxBatchPolls = ConstU32<512>;
	type WeightInfo = pallet_verification::weights::SubstrateWeight<Runtime>;
}

parameter_types! {
	/// The grid operator's account: it sells consumers' shortfalls and buys producers' surpluses.
	pub GridAccount: AccountId = GRID_PALLET_ID.into_account_truncating();
	/// The lowest contract price: 0.01 ENR per kWh.
	pub const MinPrice: Balance = UNIT / 100;
	/// The highest contract price: 10 ENR per kWh.
	pub const MaxPrice: Balance = 10 * UNIT;
	/// The contract fee each party pays the trading center: 0.01 ENR.
	pub const ContractFee: Balance = UNIT / 100;
	/// The grid (wheeling) fee: 0.02 ENR per kWh transferred.
	pub const GridFee: Balance = UNIT / 50;
}

parameter_types! {
	/// The grid price (MODEL §10): 0.75 ENR per kWh by default. A governance-settable
	/// parameter: root changes it with `system.set_storage` at the key
	/// `twox_128(":GridPrice:")`.
	pub storage GridPrice: Balance = 75 * UNIT / 100;
	/// The feed-in price (MODEL §10): 0.5 ENR per kWh by default; settable like
	/// [`GridPrice`], at `twox_128(":FeedInPrice:")`.
	pub storage FeedInPrice: Balance = UNIT / 2;
}

/// The grid account is derived from this id.
pub const GRID_PALLET_ID: PalletId = PalletId(*b"dpoa/grd");

impl pallet_market::Config for Runtime {
	type Currency = Balances;
	type RuntimeHoldReason = RuntimeHoldReason;
	type Registry = Registry;
	type Verifier = Verification;
	type MinPrice = MinPrice;
	type MaxPrice = MaxPrice;
	type ContractFee = ContractFee;
	type GridFee = GridFee;
	type MaxOpenContracts = ConstU32<32>;
	/// 128 relayed contracts weigh about 55 ms and take about 30 kB; the transaction's own
	/// overhead (about 280 µs) is then about 2 µs a contract.
	type MaxRelaysPerCall = ConstU32<128>;
	type Credits = Credit;
	type Penalties = Penalty;
	/// Root or the trading center may report any reading; meters report their own node's.
	type MeterOrigin = TradingCenterOrigin;
	type GridAccount = GridAccount;
	type GridPrice = GridPrice;
	type FeedInPrice = FeedInPrice;
	/// Meters have 10 blocks (one minute) after a window to report.
	type ReadingPeriod = ConstU32<10>;
	/// The hook settles attested contracts within the weight of 640 settlements with penalties
	/// (640 x 1.02 ms = 0.65 s of the 2 s block on the weights of 2026-12-05, the time 512 of
	/// them took before re-weighing a node stopped walking a tree; normal transactions, up to
	/// 1.5 s, get what it leaves); a plain settlement weighs 0.58 ms, so up to 1,115 of those
	/// fit (at 512 the hook limited throughput to 892 a block; docs/PERFORMANCE.md). More wait
	/// for the next block or `settle`.
	type MaxSettlementsPerBlock = ConstU32<640>;
	type MaxOpenOffers = ConstU32<16>;
	type MaxOffersPerBlock = ConstU32<64>;
	/// Acceptances are signed like transactions: sr25519, ed25519 or ECDSA account keys.
	type Signature = crate::Signature;
	type Signer = <crate::Signature as sp_runtime::traits::Verify>::Signer;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = MarketBenchmarkHelper;
	type WeightInfo = pallet_market::weights::SubstrateWeight<Runtime>;
}

/// Registers and funds the market benchmarks' nodes through the registry.
#[cfg(feature = "runtime-benchmarks")]
pub struct MarketBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_market::BenchmarkHelper<AccountId, sp_runtime::MultiSigner, crate::Signature>
	for MarketBenchmarkHelper
{
	fn register(who: &AccountId, role: energy_primitives::Role, meter: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::set_balance(who, 1_000_000 * UNIT);
		let _ = Balances::set_balance(meter, 1_000 * UNIT);
		let _ = Balances::set_balance(&GridAccount::get(), 1_000_000 * UNIT);
		Registry::register(RuntimeOrigin::root(), who.clone(), role, meter.clone(), MaxCapacity::get())
			.expect("a fresh node registers");
	}

	/// An sr25519 key of the benchmark CLI's keystore: a transaction's usual signature.
	fn signer() -> sp_runtime::MultiSigner {
		use sp_runtime::{app_crypto::sr25519::AppPublic, RuntimeAppPublic};
		sp_core::sr25519::Public::from(AppPublic::generate_pair(None)).into()
	}

	fn sign(signer: &sp_runtime::MultiSigner, message: &[u8]) -> crate::Signature {
		use sp_runtime::{app_crypto::sr25519::AppPublic, RuntimeAppPublic};
		let sp_runtime::MultiSigner::Sr25519(public) = signer else {
			panic!("the benchmark signer is sr25519");
		};
		let signature = AppPublic::from(*public)
			.sign(&message)
			.expect("the keystore holds the key it generated");
		sp_core::sr25519::Signature::from(signature).into()
	}
}

parameter_types! {
	/// The most validators a session has (MODEL §8's draw is capped at 256).
	pub const MaxSessionValidators: u32 = 256;
}

impl pallet_finality::Config for Runtime {
	type Validators = Verification;
	type Credits = Credit;
	type MaxValidators = MaxSessionValidators;
	/// Every block is attested.
	type CheckpointInterval = ConstU32<1>;
	/// Blocks of the last 64 (6.4 minutes) may be attested.
	type AttestationWindow = ConstU32<64>;
	#[cfg(feature = "runtime-benchmarks")]
	type BenchmarkHelper = FinalityBenchmarkHelper;
	type WeightInfo = pallet_finality::weights::SubstrateWeight<Runtime>;
}

/// Registers and seats the finality benchmarks' validators.
#[cfg(feature = "runtime-benchmarks")]
pub struct FinalityBenchmarkHelper;

#[cfg(feature = "runtime-benchmarks")]
impl pallet_finality::BenchmarkHelper for FinalityBenchmarkHelper {
	fn make_validator(who: &AccountId) {
		use frame_support::traits::fungible::Mutate;
		let _ = Balances::set_balance(who, 1_000 * UNIT);
		let meter =
			AccountId::new(<sp_runtime::traits::BlakeTwo256 as sp_runtime::traits::Hash>::hash_of(&(b"meter", who)).0);
		let _ = Registry::register(RuntimeOrigin::root(), who.clone(), energy_primitives::Role::Prosumer, meter, 1);
		let weight = pallet_verification::Pallet::<Runtime>::weight_of(who).max(1);
		pallet_verification::Validators::<Runtime>::mutate(|set| {
			let _ = set.try_push((who.clone(), weight));
		});
		pallet_verification::ValidatorsTotal::<Runtime>::mutate(|t| *t = t.saturating_add(weight));
	}
}
