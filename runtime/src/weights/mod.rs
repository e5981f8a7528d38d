// SPDX-License-Identifier: Apache-2.0

//! The runtime's own weights, generated on this chain by `scripts/benchmark.sh`:
//!
//! - `block_weights`, `extrinsic_weights`: `dpoa-node benchmark overhead`, the cost of executing
//!   an empty block and a no-op extrinsic, used instead of the SDK's reference constants in
//!   [`crate::configs::RuntimeBlockWeights`];
//! - `pallet_balances`: `dpoa-node benchmark pallet`, so that a transfer is weighed on the same
//!   machine and database as the trading calls it is compared with (docs/PERFORMANCE.md).
//!
//! The project's pallets keep their weights in their own crates (`pallets/*/src/weights.rs`).

pub mod block_weights;
pub mod extrinsic_weights;
pub mod pallet_balances;

pub use block_weights::BlockExecutionWeight;
pub use extrinsic_weights::ExtrinsicBaseWeight;
