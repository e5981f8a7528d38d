//! # DPoA energy-trading runtime
//!
//! The runtime of the community peer-to-peer electricity trading chain. The trading center is
//! the DPoA block author ([`pallet_dpoa`]); the trading and credit pallets of the model
//! (`shared/spec/MODEL.md`) are added beside it.
//!
//! - [`configs`]: the configuration of every pallet.
//! - [`apis`]: the runtime APIs the node and clients (polkadot.js `api.call.*`) use.
//! - [`genesis_config_presets`]: the `development` and `local_testnet` genesis presets from
//!   which the chain specs are generated.

#![cfg_attr(not(feature = "std"), no_std)]
// `construct_runtime!` / `impl_runtime_apis!` need a large recursion limit.
#![recursion_limit = "256"]

#[cfg(feature = "std")]
include!(concat!(env!("OUT_DIR"), "/wasm_binary.rs"));

extern crate alloc;

use alloc::vec::Vec;

// `define_benchmarks!` defines `list_benchmarks!` / `add_benchmarks!` for `apis`: declare first.
#[cfg(feature = "runtime-benchmarks")]
#[macro_use]
mod benchmarks;
pub mod apis;
pub mod configs;
pub mod genesis_config_presets;
pub mod weights;

use sp_runtime::{
	generic, impl_opaque_keys,
	traits::{BlakeTwo256, IdentifyAccount, Verify},
	MultiAddress, MultiSignature,
};
use sp_version::{runtime_version, RuntimeVersion};

pub use frame_system::Call as SystemCall;
pub use pallet_balances::Call as BalancesCall;
pub use pallet_dpoa;
pub use opaque::SessionKeys;
pub use pallet_timestamp::Call as TimestampCall;
#[cfg(any(feature = "std", test))]
pub use sp_runtime::BuildStorage;

/// Opaque types: what the node needs to know of blocks without knowing the runtime's
/// extrinsic format.
pub mod opaque {
	use super::*;
	pub use sp_runtime::OpaqueExtrinsic as UncheckedExtrinsic;

	/// Opaque block header type.
	pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
	/// Opaque block type.
	pub type Block = generic::Block<Header, UncheckedExtrinsic>;
	/// Opaque block identifier type.
	pub type BlockId = generic::BlockId<Block>;

	impl_opaque_keys! {
		/// The keys a node holds for this runtime: the DPoA block-authoring key.
		pub struct SessionKeys {
			/// The trading center's DPoA authority key.
			pub dpoa: Dpoa,
		}
	}
}

/// The runtime version.
#[runtime_version]
pub const VERSION: RuntimeVersion = RuntimeVersion {
	spec_name: alloc::borrow::Cow::Borrowed("dpoa-energy"),
	impl_name: alloc::borrow::Cow::Borrowed("dpoa-energy"),
	authoring_version: 1,
	spec_version: 104,
	impl_version: 1,
	apis: apis::RUNTIME_API_VERSIONS,
	transaction_version: 1,
	system_version: 1,
};

/// The target block time: one block per slot.
pub const MILLISECS_PER_BLOCK: u64 = 6000;
/// The DPoA slot duration. It cannot change once the chain runs.
pub const SLOT_DURATION: u64 = MILLISECS_PER_BLOCK;

/// Blocks per minute.
pub const MINUTES: BlockNumber = 60_000 / (MILLISECS_PER_BLOCK as BlockNumber);
/// Blocks per hour.
pub const HOURS: BlockNumber = MINUTES * 60;
/// Blocks per day.
pub const DAYS: BlockNumber = HOURS * 24;

/// The smallest unit of the currency is a plank; one unit is 10^12 planks.
pub const UNIT: Balance = 1_000_000_000_000;
/// One thousandth of a unit.
pub const MILLI_UNIT: Balance = 1_000_000_000;
/// One millionth of a unit.
pub const MICRO_UNIT: Balance = 1_000_000;
/// The existential deposit.
pub const EXISTENTIAL_DEPOSIT: Balance = MILLI_UNIT;

/// A block number.
pub type BlockNumber = u32;
/// A transaction signature.
pub type Signature = MultiSignature;
/// An account identifier: the public key of the transaction-signing scheme.
pub type AccountId = <<Signature as Verify>::Signer as IdentifyAccount>::AccountId;
/// A balance.
pub type Balance = u128;
/// A transaction index.
pub type Nonce = u32;
/// A hash.
pub type Hash = sp_core::H256;
/// The address format of an extrinsic's sender.
pub type Address = MultiAddress<AccountId, ()>;
/// The block header type.
pub type Header = generic::Header<BlockNumber, BlakeTwo256>;
/// The block type.
pub type Block = generic::Block<Header, UncheckedExtrinsic>;

/// The transaction extensions that check and pay for a transaction.
pub type TxExtension = (
	frame_system::AuthorizeCall<Runtime>,
	frame_system::CheckNonZeroSender<Runtime>,
	frame_system::CheckSpecVersion<Runtime>,
	frame_system::CheckTxVersion<Runtime>,
	frame_system::CheckGenesis<Runtime>,
	frame_system::CheckEra<Runtime>,
	frame_system::CheckNonce<Runtime>,
	frame_system::CheckWeight<Runtime>,
	pallet_transaction_payment::ChargeTransactionPayment<Runtime>,
	frame_system::WeightReclaim<Runtime>,
);

/// The transaction extensions of a general (unsigned, authorized) transaction: immortal, no
/// nonce, no tip; `AuthorizeCall` validates it through the call's `#[pallet::authorize]`.
pub fn general_tx_extension() -> TxExtension {
	(
		frame_system::AuthorizeCall::<Runtime>::new(),
		frame_system::CheckNonZeroSender::<Runtime>::new(),
		frame_system::CheckSpecVersion::<Runtime>::new(),
		frame_system::CheckTxVersion::<Runtime>::new(),
		frame_system::CheckGenesis::<Runtime>::new(),
		frame_system::CheckEra::<Runtime>::from(generic::Era::Immortal),
		frame_system::CheckNonce::<Runtime>::from(0),
		frame_system::CheckWeight::<Runtime>::new(),
		pallet_transaction_payment::ChargeTransactionPayment::<Runtime>::from(0),
		frame_system::WeightReclaim::<Runtime>::new(),
	)
}

/// A general transaction of `call`, e.g. a validator's `finality.attest`.
pub fn general_transaction(call: RuntimeCall) -> UncheckedExtrinsic {
	UncheckedExtrinsic::new_transaction(call, general_tx_extension())
}

/// The extrinsic type.
pub type UncheckedExtrinsic =
	generic::UncheckedExtrinsic<Address, RuntimeCall, Signature, TxExtension>;
/// The payload a transaction's signer signs.
pub type SignedPayload = generic::SignedPayload<RuntimeCall, TxExtension>;

/// Migrations to run on a runtime upgrade, beside the pallets' own.
type Migrations = (
	pallet_verification::migrations::v1::MigrateV0ToV1<Runtime>,
	pallet_verification::migrations::v2::MigrateV1ToV2<Runtime>,
	pallet_verification::migrations::v3::MigrateV2ToV3<Runtime>,
	pallet_verification::migrations::v4::MigrateV3ToV4<Runtime>,
);

/// Dispatches extrinsics and runs the pallets' hooks.
pub type Executive = frame_executive::Executive<
	Runtime,
	Block,
	frame_system::ChainContext<Runtime>,
	Runtime,
	AllPalletsWithSystem,
	Migrations,
>;

#[frame_support::runtime]
mod runtime {
	/// The runtime.
	#[runtime::runtime]
	#[runtime::derive(
		RuntimeCall,
		RuntimeEvent,
		RuntimeError,
		RuntimeOrigin,
		RuntimeFreezeReason,
		RuntimeHoldReason,
		RuntimeSlashReason,
		RuntimeLockId,
		RuntimeTask,
		RuntimeViewFunction
	)]
	pub struct Runtime;

	#[runtime::pallet_index(0)]
	pub type System = frame_system;

	#[runtime::pallet_index(1)]
	pub type Timestamp = pallet_timestamp;

	#[runtime::pallet_index(2)]
	pub type Dpoa = pallet_dpoa;

	#[runtime::pallet_index(3)]
	pub type Balances = pallet_balances;

	#[runtime::pallet_index(4)]
	pub type TransactionPayment = pallet_transaction_payment;

	#[runtime::pallet_index(5)]
	pub type Sudo = pallet_sudo;

	#[runtime::pallet_index(6)]
	pub type Utility = pallet_utility;

	// The energy community. Genesis builds in this order: credit records exist before the
	// registry admits the genesis nodes, and the validator draw runs after both.
	#[runtime::pallet_index(10)]
	pub type Credit = pallet_credit;

	#[runtime::pallet_index(11)]
	pub type Registry = pallet_registry;

	#[runtime::pallet_index(12)]
	pub type Penalty = pallet_penalty;

	#[runtime::pallet_index(13)]
	pub type Verification = pallet_verification;

	#[runtime::pallet_index(14)]
	pub type Market = pallet_market;

	#[runtime::pallet_index(15)]
	pub type Finality = pallet_finality;
}

#[cfg(test)]
mod tests {
	use super::*;
	use frame_support::traits::{GetStorageVersion, NoStorageVersionSet, StorageVersion};

	/// A pallet's storage version in its code, if it declares one.
	trait Declared {
		fn declared(self) -> Option<StorageVersion>;
	}

	impl Declared for StorageVersion {
		fn declared(self) -> Option<StorageVersion> {
			Some(self)
		}
	}

	impl Declared for NoStorageVersionSet {
		fn declared(self) -> Option<StorageVersion> {
			None
		}
	}

	/// Each pallet's name and storage version in its code (`None` where it declares none), in
	/// the order of [`RELEASES`].
	fn storage_versions() -> [(&'static str, Option<StorageVersion>); 13] {
		macro_rules! versions {
			($($pallet:ident),*) => {
				[$((stringify!($pallet), $pallet::in_code_storage_version().declared())),*]
			};
		}
		versions!(
			System, Timestamp, Dpoa, Balances, TransactionPayment, Sudo, Utility, Credit, Registry,
			Penalty, Verification, Market, Finality
		)
	}

	/// The runtime's releases, oldest first: each `spec_version` with the storage versions of
	/// the pallets (in the order of [`storage_versions`]) it shipped with.
	///
	/// A running chain takes new code (`System::set_code`) only with a higher `spec_version`,
	/// and `Executive` runs the upgrade's migrations ([`Migrations`] and the pallets' own) only
	/// when the `spec_version` rose. A change of any pallet's storage therefore needs a new row
	/// here with a higher `spec_version`, and [`VERSION`] raised to it. Spec 103 changed the
	/// verification pallet's storage four times (versions 1 to 4) without a new version, so
	/// no chain running it could have been upgraded to a later layout.
	#[rustfmt::skip]
	const RELEASES: &[(u32, [Option<u16>; 13])] = &[
		(104, [
			None, None, Some(0), Some(1), None, None, None,
			Some(0), Some(0), Some(0), Some(4), Some(0), Some(0),
		]),
	];

	#[test]
	fn every_storage_change_comes_with_a_new_spec_version() {
		assert!(
			RELEASES.windows(2).all(|pair| pair[0].0 < pair[1].0),
			"every release has a higher spec_version than the one before"
		);
		let (spec, versions) = RELEASES.last().expect("a release");
		assert_eq!(VERSION.spec_version, *spec, "the last release is the runtime's VERSION");
		for ((pallet, now), then) in storage_versions().into_iter().zip(versions) {
			assert!(
				now == then.map(StorageVersion::new),
				"{pallet}'s storage version is {now:?}, not {then:?} as in spec {spec}: add a \
				 release to RELEASES with a higher spec_version, and raise VERSION to it"
			);
		}
	}
}
