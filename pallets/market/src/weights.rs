//! Weights of `pallet_market`.
//!
//! BOOTSTRAP FILE: the market is not part of the runtime yet (settlement is still to come), so
//! the node cannot benchmark it. When it joins the runtime, `scripts/benchmark.sh` replaces this
//! file with measured weights; until then no chain uses these.

#![cfg_attr(rustfmt, rustfmt_skip)]
#![allow(unused_parens)]
#![allow(unused_imports)]
#![allow(missing_docs)]

use frame_support::weights::Weight;

/// Weight functions needed for `pallet_market`.
pub trait WeightInfo {
	fn propose() -> Weight;
	fn accept() -> Weight;
	fn reject() -> Weight;
	fn cancel() -> Weight;
	fn report_reading() -> Weight;
	fn settle() -> Weight;
	fn on_initialize_settle(n: u32, ) -> Weight;
}

impl WeightInfo for () {
	fn propose() -> Weight { Weight::zero() }
	fn accept() -> Weight { Weight::zero() }
	fn reject() -> Weight { Weight::zero() }
	fn cancel() -> Weight { Weight::zero() }
	fn report_reading() -> Weight { Weight::zero() }
	fn settle() -> Weight { Weight::zero() }
	fn on_initialize_settle(_n: u32, ) -> Weight { Weight::zero() }
}
