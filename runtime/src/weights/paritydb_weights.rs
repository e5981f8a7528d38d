// SPDX-License-Identifier: Apache-2.0

//! THIS FILE WAS AUTO-GENERATED USING THE SUBSTRATE BENCHMARK CLI VERSION 64.0.0
//! DATE: 2026-12-02 (Y/M/D)
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
//   /tmp/dpoa-bench-storage.BZmNwM/spec.json
//   --base-path
//   /tmp/dpoa-bench-storage.BZmNwM/db
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
			//   Min, Max: 861, 1_229_823
			//   Average:  6_169
			//   Median:   5_698
			//   Std-Dev:  4709.79
			//
			// Percentiles nanoseconds:
			//   99th: 13_110
			//   95th: 7_942
			//   75th: 6_399
			read: 6_786 * constants::WEIGHT_REF_TIME_PER_NANOS,

			// Time to write one storage item.
			// Calculated by multiplying the *Average* of all values with `1.1` and adding `0`.
			//
			// Stats nanoseconds:
			//   Min, Max: 12_880, 72_495
			//   Average:  21_791
			//   Median:   20_688
			//   Std-Dev:  5311.25
			//
			// Percentiles nanoseconds:
			//   99th: 48_118
			//   95th: 29_761
			//   75th: 23_011
			write: 23_971 * constants::WEIGHT_REF_TIME_PER_NANOS,
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
