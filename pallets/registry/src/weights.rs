//! Weights of `pallet_registry`.
//!
//! BOOTSTRAP FILE: replaced by the output of `scripts/benchmark.sh` (the node's
//! `benchmark pallet` command) as soon as the node builds; do not edit by hand.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::{traits::Get, weights::{Weight, constants::ParityDbWeight}};
use core::marker::PhantomData;

/// Weight functions needed for `pallet_registry`.
pub trait WeightInfo {
	fn apply() -> Weight;
	fn withdraw_application() -> Weight;
	fn approve() -> Weight;
	fn reject() -> Weight;
	fn register() -> Weight;
	fn suspend() -> Weight;
	fn reinstate() -> Weight;
	fn set_trading_center() -> Weight;
}

pub struct SubstrateWeight<T>(PhantomData<T>);
impl<T: frame_system::Config> WeightInfo for SubstrateWeight<T> {
	fn apply() -> Weight { Weight::zero() }
	fn withdraw_application() -> Weight { Weight::zero() }
	fn approve() -> Weight { Weight::zero() }
	fn reject() -> Weight { Weight::zero() }
	fn register() -> Weight { Weight::zero() }
	fn suspend() -> Weight { Weight::zero() }
	fn reinstate() -> Weight { Weight::zero() }
	fn set_trading_center() -> Weight { Weight::zero() }
}

impl WeightInfo for () {
	fn apply() -> Weight { Weight::zero() }
	fn withdraw_application() -> Weight { Weight::zero() }
	fn approve() -> Weight { Weight::zero() }
	fn reject() -> Weight { Weight::zero() }
	fn register() -> Weight { Weight::zero() }
	fn suspend() -> Weight { Weight::zero() }
	fn reinstate() -> Weight { Weight::zero() }
	fn set_trading_center() -> Weight { Weight::zero() }
}
