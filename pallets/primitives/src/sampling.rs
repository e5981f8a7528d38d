//! A Fenwick (binary indexed) tree over `u128` weights, for credit-weighted draws without
//! replacement at `O(log n)` reads and writes per draw and per weight change, whatever the
//! number of nodes (MODEL §8).
//!
//! The tree is generic over where it keeps its cells ([`FenwickStore`]): a pallet keeps them
//! in a storage map, tests in a vector.

/// Where a Fenwick tree keeps its cells, indexed `1..=capacity`.
pub trait FenwickStore {
	/// The number of cells; a power of two.
	fn capacity(&self) -> u32;
	/// Cell `i` (zero if never written).
	fn get(&self, i: u32) -> u128;
	/// Overwrite cell `i`.
	fn set(&mut self, i: u32, value: u128);
}

/// Add `delta` (which may be negative, as `(amount, subtract)`) to the weight at `position`
/// (`1..=capacity`). Saturates instead of wrapping.
pub fn update<S: FenwickStore>(store: &mut S, position: u32, amount: u128, subtract: bool) {
	let capacity = store.capacity();
	let mut i = position;
	while i != 0 && i <= capacity {
		let cell = store.get(i);
		let next = if subtract { cell.saturating_sub(amount) } else { cell.saturating_add(amount) };
		store.set(i, next);
		// Next cell covering `i`: add the lowest set bit.
		i = match i.checked_add(i & i.wrapping_neg()) {
			Some(next) => next,
			None => break,
		};
	}
}

/// The sum of the weights at positions `1..=position`.
pub fn prefix_sum<S: FenwickStore>(store: &S, position: u32) -> u128 {
	let mut sum = 0u128;
	let mut i = position.min(store.capacity());
	while i != 0 {
		sum = sum.saturating_add(store.get(i));
		i &= i - 1;
	}
	sum
}

/// The position `p` such that `prefix_sum(p - 1) <= target < prefix_sum(p)`: the item a
/// uniform `target` in `0..total` falls on, each with probability proportional to its weight.
/// `None` if `target` is not below the total.
pub fn find<S: FenwickStore>(store: &S, target: u128) -> Option<u32> {
	let capacity = store.capacity();
	let mut position = 0u32;
	let mut remaining = target;
	let mut step = capacity;
	while step != 0 {
		let next = position.saturating_add(step);
		if next <= capacity {
			let cell = store.get(next);
			if cell <= remaining {
				position = next;
				remaining -= cell;
			}
		}
		step >>= 1;
	}
	// `position` holds the largest prefix whose sum is <= target; the item is the next one.
	let found = position.checked_add(1)?;
	(found <= capacity).then_some(found)
}

#[cfg(test)]
mod tests {
	use super::*;

	struct Vector(Vec<u128>);
	impl FenwickStore for Vector {
		fn capacity(&self) -> u32 {
			self.0.len() as u32 - 1
		}
		fn get(&self, i: u32) -> u128 {
			self.0[i as usize]
		}
		fn set(&mut self, i: u32, value: u128) {
			self.0[i as usize] = value;
		}
	}

	fn tree(weights: &[u128], capacity: u32) -> Vector {
		let mut t = Vector(vec![0; capacity as usize + 1]);
		for (i, w) in weights.iter().enumerate() {
			update(&mut t, i as u32 + 1, *w, false);
		}
		t
	}

	#[test]
	fn prefix_sums_and_find() {
		let weights = [5u128, 0, 3, 10, 1];
		let t = tree(&weights, 8);
		for p in 0..=5u32 {
			assert_eq!(prefix_sum(&t, p), weights[..p as usize].iter().sum::<u128>());
		}
		// Targets 0..5 land on 1, 5..8 on 3 (2 has no weight), 8..18 on 4, 18 on 5.
		let expected: Vec<u32> = (0..19)
			.map(|t| match t {
				0..=4 => 1,
				5..=7 => 3,
				8..=17 => 4,
				_ => 5,
			})
			.collect();
		let found: Vec<u32> = (0..19).map(|target| find(&t, target).unwrap()).collect();
		assert_eq!(found, expected);
		assert_eq!(find(&t, 19), None);
	}

	#[test]
	fn removal_and_restoration() {
		let mut t = tree(&[5, 3, 10], 4);
		update(&mut t, 3, 10, true);
		assert_eq!(prefix_sum(&t, 4), 8);
		assert_eq!(find(&t, 7), Some(2));
		assert_eq!(find(&t, 8), None);
		update(&mut t, 3, 10, false);
		assert_eq!(find(&t, 8), Some(3));
	}

	proptest::proptest! {
		#[test]
		fn find_agrees_with_a_linear_scan(
			weights in proptest::collection::vec(0u128..1_000, 1..64),
			target in 0u128..64_000,
		) {
			let t = tree(&weights, 64);
			let total: u128 = weights.iter().sum();
			let mut acc = 0u128;
			let mut expected = None;
			for (i, w) in weights.iter().enumerate() {
				if target >= acc && target < acc + w {
					expected = Some(i as u32 + 1);
					break;
				}
				acc += w;
			}
			proptest::prop_assert_eq!(find(&t, target), expected);
			proptest::prop_assert_eq!(prefix_sum(&t, 64), total);
		}
	}
}
