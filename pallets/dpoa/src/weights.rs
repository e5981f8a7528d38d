//! Weights of `pallet_dpoa`.
//!
//! BOOTSTRAP FILE: replaced by the output of `scripts/benchmark.sh` (the node's
//! `benchmark pallet` command) as soon as the node builds; do not edit by hand.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::RocksDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_dpoa`.
pub trait WeightInfo {
	fn set_authorities(n: u32, ) -> Weight;
	fn add_authority(n: u32, ) -> Weight;
	fn remove_authority(n: u32, ) -> Weight;
	fn on_initialize() -> Weight;
}

/// Weights for `pallet_dpoa` using the Substrate node and recommended hardware.
pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_authorities(_n: u32, ) -> Weight { Weight::zero() }
	fn add_authority(_n: u32, ) -> Weight { Weight::zero() }
	fn remove_authority(_n: u32, ) -> Weight { Weight::zero() }
	fn on_initialize() -> Weight { Weight::zero() }
}

impl WeightInfo for () {
	fn set_authorities(_n: u32, ) -> Weight { Weight::zero() }
	fn add_authority(_n: u32, ) -> Weight { Weight::zero() }
	fn remove_authority(_n: u32, ) -> Weight { Weight::zero() }
	fn on_initialize() -> Weight { Weight::zero() }
}
