// SPDX-License-Identifier: Apache-2.0

//! THIS FILE WAS AUTO-GENERATED USING THE SUBSTRATE BENCHMARK CLI VERSION 64.0.0
//! DATE: 2026-12-04 (Y/M/D)
//! HOSTNAME: `vm`, CPU: `AMD EPYC`
//!
//! DATABASE: `ParityDb`, RUNTIME: `DPoA Energy Development (100000 extra nodes)`
//! BLOCK-NUM: `Number(0)`
//! SKIP-WRITE: `false`, SKIP-READ: `false`, WARMUPS: `1`
//! STATE-VERSION: `V1`, STATE-CACHE-SIZE: ``
//! WEIGHT-PATH: `runtime/src/weights`
//! METRIC: `Average`, WEIGHT-MUL: `1.1`, WEIGHT-ADD: `0`

// Executed Command:
//   /root/.cache/dpoa-target/release/dpoa-node
//   benchmark
//   storage
//   --chain
//   /tmp/dpoa-bench-storage.G7iKcv/spec.json
//   --base-path
//   /tmp/dpoa-bench-storage.G7iKcv/db
//   --database
//   paritydb
//   --state-version
//   1
//   --batch-size
//   1000
//   --mul
//   1.1
//   --weight-path
//   runtime/src/weights
//   --template-path
//   scripts/storage-weight-template.hbs
//   --header
//   scripts/license-header.txt

/// Storage DB weights for the `DPoA Energy Development (100000 extra nodes)` runtime and `ParityDb`.
pub mod constants {
	use frame_support::weights::constants;
	use sp_core::parameter_types;
	use sp_weights::RuntimeDbWeight;

	parameter_types! {
		/// The node's database, `ParityDB`, measured over a state of 100,000 registered nodes
		/// (`scripts/bench-storage.sh`).
		pub const ParityDbWeight: RuntimeDbWeight = RuntimeDbWeight {
			// Time to read one storage item.
			// Calculated by multiplying the *Average* of all values with `1.1` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 992, 2_114_311
			//   Average:  8_285
			//   Median:   7_201
			//   Std-Dev:  9808.8
			//
			// Percentiles nanoseconds:
			//   99th: 33_780
			//   95th: 10_956
			//   75th: 8_263
			read: 9_114 * constants::WEIGHT_REF_TIME_PER_NANOS,

			// Time to write one storage item.
			// Calculated by multiplying the *Average* of all values with `1.1` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 14_821, 136_624
			//   Average:  27_926
			//   Median:   26_843
			//   Std-Dev:  7448.33
			//
			// Percentiles nanoseconds:
			//   99th: 53_267
			//   95th: 35_710
			//   75th: 29_086
			write: 30_719 * constants::WEIGHT_REF_TIME_PER_NANOS,
		};
	}

	#[cfg(test)]
	mod test_db_weights {
		use super::constants::ParityDbWeight as W;
		use sp_weights::constants;

		/// Checks that all weights exist and have sane values.
		// NOTE: If this test fails but you are sure that the generated values are fine,
		// you can delete it.
		#[test]
		fn bound() {
			// At least 1 µs.
			assert!(
				W::get().reads(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Read weight should be at least 1 µs."
			);
			assert!(
				W::get().writes(1).ref_time() >= constants::WEIGHT_REF_TIME_PER_MICROS,
				"Write weight should be at least 1 µs."
			);
			// At most 1 ms.
			assert!(
				W::get().reads(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Read weight should be at most 1 ms."
			);
			assert!(
				W::get().writes(1).ref_time() <= constants::WEIGHT_REF_TIME_PER_MILLIS,
				"Write weight should be at most 1 ms."
			);
		}
	}
}
