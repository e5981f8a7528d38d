// SPDX-License-Identifier: Apache-2.0

//! The runtime's own weights, generated on this chain by `scripts/benchmark.sh`:
//!
//! - `block_weights`, `extrinsic_weights`: `dpoa-node benchmark overhead`, the cost of executing
//!   an empty block and a no-op extrinsic, used instead of the SDK's reference constants in
//!   [`crate::configs::RuntimeBlockWeights`];
//! - `pallet_balances`: `dpoa-node benchmark pallet`, so that a transfer is weighed on the same
//!   machine and database as the trading calls it is compared with (docs/PERFORMANCE.md);
//! - `frame_system_extensions`, `pallet_transaction_payment`: `dpoa-node benchmark pallet`, the
//!   transaction extensions every signed transaction pays for (genesis, mortality, nonce,
//!   weight checks and the fee), in place of the SDK's reference weights, which charge their
//!   storage accesses at RocksDB's figures on a node that runs ParityDB;
//! - `paritydb_weights`: `dpoa-node benchmark storage` (`scripts/bench-storage.sh`), the cost of
//!   a storage read and write in the node's ParityDB over a state of 100,000 registered nodes,
//!   the runtime's `DbWeight` in place of the SDK's reference figures.
//!
//! The project's pallets keep their weights in their own crates (`pallets/*/src/weights.rs`).

pub mod block_weights;
pub mod extrinsic_weights;
pub mod frame_system_extensions;
pub mod pallet_balances;
pub mod paritydb_weights;
pub mod pallet_transaction_payment;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
pub use paritydb_weights::constants::ParityDbWeight;
