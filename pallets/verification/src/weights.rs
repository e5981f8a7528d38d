//! Weights of `pallet_verification`.
//!
//! BOOTSTRAP FILE: replaced by the output of `scripts/benchmark.sh` (the node's
//! `benchmark pallet` command) as soon as the node builds; do not edit by hand.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_verification`.
pub trait WeightInfo {
	fn set_params() -> Weight;
	fn on_initialize_idle() -> Weight;
	fn on_initialize_draw(s: u32, ) -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn set_params() -> Weight { Weight::zero() }
	fn on_initialize_idle() -> Weight { Weight::zero() }
	fn on_initialize_draw(_s: u32, ) -> Weight { Weight::zero() }
}

impl WeightInfo for () {
	fn set_params() -> Weight { Weight::zero() }
	fn on_initialize_idle() -> Weight { Weight::zero() }
	fn on_initialize_draw(_s: u32, ) -> Weight { Weight::zero() }
}
