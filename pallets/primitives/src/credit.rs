//! The credit model's arithmetic (MODEL §4-§7), deterministic fixed point, no floats.
//!
//! Every function here is pure: the credit, penalty and market pallets, the runtime APIs and the
//! scenario runner all compute with these, so a quote and a settlement can never disagree.

use crate::{Balance, Credit, WattHours, WH_PER_KWH};
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_arithmetic::{
	traits::{CheckedDiv, One, Saturating, Zero},
	FixedPointNumber, FixedU128, Perbill, Rounding,
};
use sp_runtime::helpers_128bit::multiply_by_rational_with_rounding;

/// `e^(-1/2)` in `FixedU128` (18 decimals), rounded to nearest:
/// 0.606530659712633423603799534991180453...
pub const EXP_MINUS_HALF: FixedU128 = FixedU128::from_inner(606_530_659_712_633_424);

/// The parameters of the credit model (MODEL §10), the paper's values by default.
///
/// Invariants (checked by [`CreditParams::validate`]): `initial_credit > 0`,
/// `restore_after > 0`, `0.01 * k2 * (k1 + g) < 1` (the verification credit never restores
/// all lost credit in the penalty price), `mu < 1`.
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct CreditParams {
	/// `C_initial`: the initial and maximum performance credit (paper: 100).
	pub initial_credit: Credit,
	/// `c`: consecutive fulfilled trades that restore one credit point (paper: 10).
	pub restore_after: u32,
	/// `k1`: the verification-credit scale (paper: 5).
	pub k1: FixedU128,
	/// `k2`: the credit-restoration coefficient in the penalty price (paper: 5).
	pub k2: FixedU128,
	/// `g`: the credit supplement constant (paper: 3).
	pub g: FixedU128,
	/// `mu`: the share of a penalty paid to the harmed counterparty (paper: 0.8), below 1.
	pub mu: Perbill,
	/// The largest `|Q_deal - Q_treaty|`, in Wh, that still counts as fulfilled (MODEL R2,
	/// default 0).
	pub tolerance_wh: WattHours,
}

impl Default for CreditParams {
	fn default() -> Self {
		Self {
			initial_credit: 100,
			restore_after: 10,
			k1: FixedU128::from_u32(5),
			k2: FixedU128::from_u32(5),
			g: FixedU128::from_u32(3),
			mu: Perbill::from_percent(80),
			tolerance_wh: 0,
		}
	}
}

/// Why a [`CreditParams`] is not acceptable.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum InvalidCreditParams {
	/// `initial_credit` is zero.
	ZeroInitialCredit,
	/// `restore_after` is zero.
	ZeroRestoreAfter,
	/// `0.01 * k2 * (k1 + g) >= 1`: the verification credit would restore all lost credit.
	RestorationTooStrong,
	/// `mu >= 1`: the harmed party would take the whole penalty.
	MuNotBelowOne,
}

impl CreditParams {
	/// Check the invariants documented on the type.
	pub fn validate(&self) -> Result<(), InvalidCreditParams> {
		if self.initial_credit == 0 {
			return Err(InvalidCreditParams::ZeroInitialCredit);
		}
		if self.restore_after == 0 {
			return Err(InvalidCreditParams::ZeroRestoreAfter);
		}
		if self.restoration_factor(self.k1) >= FixedU128::one() {
			return Err(InvalidCreditParams::RestorationTooStrong);
		}
		if self.mu == Perbill::one() {
			return Err(InvalidCreditParams::MuNotBelowOne);
		}
		Ok(())
	}

	/// `0.01 * k2 * beta` with `beta = verification_credit + g` (MODEL §6).
	fn restoration_factor(&self, verification_credit: FixedU128) -> FixedU128 {
		FixedU128::saturating_from_rational(1u32, 100u32)
			.saturating_mul(self.k2)
			.saturating_mul(verification_credit.saturating_add(self.g))
	}

	/// The verification-reward credit after `n` consecutive correct verifications (MODEL §5):
	/// `k1 * (1 / (1 + e^(-n/2)))^2`, from `k1 / 4` at `n = 0` rising towards `k1`.
	pub fn verification_credit(&self, n: u32) -> FixedU128 {
		// e^(-n/2) = (e^(-1/2))^n; for n beyond ~85 it is below 10^-18 and rounds to zero.
		let decay = EXP_MINUS_HALF.saturating_pow(n.min(200) as usize);
		let denominator = FixedU128::one().saturating_add(decay);
		let sigmoid = FixedU128::one().checked_div(&denominator).unwrap_or_else(FixedU128::one);
		self.k1.saturating_mul(sigmoid).saturating_mul(sigmoid)
	}

	/// `1 - (C_eff / C_initial)^2`, clamped to `[0, 1]`: the penalty price as a fraction of the
	/// contract price, for a party whose credit after this trade's deduction is `credit` and
	/// whose verification credit is `verification_credit` (MODEL §6).
	pub fn penalty_price_factor(&self, credit: Credit, verification_credit: FixedU128) -> FixedU128 {
		let initial = self.initial_credit.max(1);
		let credit = credit.min(initial);
		let lost = FixedU128::from_u32(initial.saturating_sub(credit));
		let effective = FixedU128::from_u32(credit)
			.saturating_add(self.restoration_factor(verification_credit).saturating_mul(lost));
		let ratio = effective
			.checked_div(&FixedU128::from_u32(initial))
			.unwrap_or_else(FixedU128::one)
			.min(FixedU128::one());
		FixedU128::one().saturating_sub(ratio.saturating_mul(ratio))
	}

	/// The penalty price `P` per kWh for a contract price `price` per kWh (MODEL §6 eq. 8).
	pub fn penalty_price(
		&self,
		credit: Credit,
		verification_credit: FixedU128,
		price: Balance,
	) -> Balance {
		// The factor is at most one, so the price never exceeds the contract price.
		self.penalty_price_factor(credit, verification_credit).saturating_mul_int(price).min(price)
	}

	/// Whether a party whose metered quantity is `dealt_wh` against `agreed_wh` defaults
	/// (MODEL R2).
	pub fn is_default(&self, agreed_wh: WattHours, dealt_wh: WattHours) -> bool {
		agreed_wh.abs_diff(dealt_wh) > self.tolerance_wh
	}
}

/// `T = P * |Q_treaty - Q_deal|` (MODEL §6 eq. 9): `price_per_kwh` times the deviation in Wh,
/// divided by 1000, rounded down.
pub fn penalty_amount(price_per_kwh: Balance, agreed_wh: WattHours, dealt_wh: WattHours) -> Balance {
	energy_cost(price_per_kwh, agreed_wh.abs_diff(dealt_wh))
}

/// The cost of `wh` Wh at `price_per_kwh`, rounded down; saturates at `Balance::MAX`.
pub fn energy_cost(price_per_kwh: Balance, wh: WattHours) -> Balance {
	multiply_by_rational_with_rounding(price_per_kwh, wh as u128, WH_PER_KWH, Rounding::Down)
		.unwrap_or(Balance::MAX)
}

/// The Fibonacci deduction `U_i` for the `i`-th default since the last reset (MODEL R3):
/// `U_1 = U_2 = 1`, `U_i = U_{i-1} + U_{i-2}`; `U_0 = 0`. Saturates at `u32::MAX`.
pub fn fibonacci(i: u32) -> u32 {
	let (mut previous, mut current) = (0u32, 1u32);
	if i == 0 {
		return 0;
	}
	for _ in 1..i {
		let next = previous.saturating_add(current);
		previous = current;
		current = next;
		if current == u32::MAX {
			break;
		}
	}
	current
}

/// A party's performance-credit state (MODEL §2, §4).
#[derive(
	Clone,
	Copy,
	PartialEq,
	Eq,
	Debug,
	Default,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
	serde::Serialize,
	serde::Deserialize,
)]
pub struct CreditState {
	/// `C^z`: performance credit after the last settled trade, `0..=initial_credit`.
	pub credit: Credit,
	/// `D`: consecutive fulfilled trades.
	pub fulfilled_streak: u32,
	/// `i`: defaults since the last reset.
	pub defaults_since_reset: u32,
}

/// What a settled trade did to a party's credit.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct CreditChange {
	/// Credit before the trade.
	pub before: Credit,
	/// Credit after the trade.
	pub after: Credit,
	/// The party defaulted in this trade.
	pub defaulted: bool,
	/// The party is liable for a penalty: it defaulted and its credit before the default was
	/// below `initial_credit` (MODEL R6, the first-offence rule).
	pub liable: bool,
	/// The trade completed `restore_after` fulfilments and restored one point (MODEL R4).
	pub restored: bool,
}

impl CreditState {
	/// A new account's state: `initial_credit`, no streaks.
	pub fn new(params: &CreditParams) -> Self {
		Self { credit: params.initial_credit, fulfilled_streak: 0, defaults_since_reset: 0 }
	}

	/// Apply one settled trade (MODEL R3-R6).
	pub fn apply_trade(&mut self, params: &CreditParams, defaulted: bool) -> CreditChange {
		let before = self.credit;
		let mut restored = false;
		if defaulted {
			// R3, R5.
			self.defaults_since_reset = self.defaults_since_reset.saturating_add(1);
			self.credit = self.credit.saturating_sub(fibonacci(self.defaults_since_reset));
			self.fulfilled_streak = 0;
		} else {
			// R4: the trade that completes the c-th fulfilment restores a point and resets both
			// counters, but only below the initial credit.
			self.fulfilled_streak = self.fulfilled_streak.saturating_add(1);
			if self.fulfilled_streak >= params.restore_after && self.credit < params.initial_credit
			{
				self.credit = self.credit.saturating_add(1).min(params.initial_credit);
				self.fulfilled_streak = 0;
				self.defaults_since_reset = 0;
				restored = true;
			}
		}
		CreditChange {
			before,
			after: self.credit,
			defaulted,
			liable: defaulted && before < params.initial_credit,
			restored,
		}
	}
}

/// How a penalty `T` is split (MODEL §7).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Default)]
pub struct PenaltySplit {
	/// Paid to the harmed counterparty: `mu * T`, or nothing when both parties default.
	pub counterparty: Balance,
	/// Shared among every other registered node by credit: the rest of `T`.
	pub community: Balance,
}

/// Split a penalty `amount`: `mu * amount` to the counterparty unless it also defaulted
/// (then `mu = 0`), the rest to the community. The parts always sum to `amount`.
pub fn split_penalty(params: &CreditParams, amount: Balance, counterparty_defaulted: bool) -> PenaltySplit {
	let counterparty =
		if counterparty_defaulted { Zero::zero() } else { params.mu.mul_floor(amount) };
	PenaltySplit { counterparty, community: amount.saturating_sub(counterparty) }
}

#[cfg(test)]
mod tests {
	use super::*;

	const UNIT: Balance = 1_000_000_000_000;

	fn to_f64(x: FixedU128) -> f64 {
		x.into_inner() as f64 / 1e18
	}

	#[test]
	fn exp_minus_half_is_accurate() {
		assert!((to_f64(EXP_MINUS_HALF) - (-0.5f64).exp()).abs() < 1e-15);
	}

	#[test]
	fn fibonacci_sequence() {
		let first: Vec<u32> = (0..12).map(fibonacci).collect();
		assert_eq!(first, vec![0, 1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 89]);
		assert_eq!(fibonacci(47), 2_971_215_073);
		assert_eq!(fibonacci(48), u32::MAX);
		assert_eq!(fibonacci(u32::MAX), u32::MAX);
	}

	#[test]
	fn verification_credit_matches_the_formula() {
		let p = CreditParams::default();
		assert_eq!(p.verification_credit(0), FixedU128::from_rational(5, 4));
		for n in 0..60u32 {
			let exact = 5.0 * (1.0 / (1.0 + (-(n as f64) / 2.0).exp())).powi(2);
			let ours = to_f64(p.verification_credit(n));
			assert!((ours - exact).abs() < 1e-12, "n = {n}: {ours} vs {exact}");
		}
		// Rises monotonically towards k1 and reaches it once e^(-n/2) underflows.
		for n in 0..100 {
			assert!(p.verification_credit(n) <= p.verification_credit(n + 1));
		}
		assert_eq!(p.verification_credit(u32::MAX), p.k1);
		// The issue's example: one correct verification gives 1.9373.
		assert!((to_f64(p.verification_credit(1)) - 1.9373).abs() < 5e-5);
	}

	#[test]
	fn penalty_price_matches_the_issue_example() {
		// Consumer at 90 defaults (first default since reset): credit 89, n = 0.
		let p = CreditParams::default();
		let price = 64 * UNIT / 100;
		let quote = p.penalty_price(89, p.verification_credit(0), price);
		let exact = (1.0 - ((89.0 + 0.05 * 4.25 * 11.0) / 100.0f64).powi(2)) * 0.64;
		assert!(((quote as f64 / UNIT as f64) - exact).abs() < 1e-9);
		assert_eq!(format!("{:.4}", quote as f64 / UNIT as f64), "0.1061");
		// T = P * 5 kWh = 0.530388 (the issue's example shows 0.5305, which is 5 times the
		// price rounded to 0.1061; the chain does not round the price).
		let penalty = penalty_amount(quote, 80_000, 75_000);
		assert_eq!(format!("{:.6}", penalty as f64 / UNIT as f64), "0.530388");
	}

	#[test]
	fn penalty_price_is_monotone_and_bounded() {
		let p = CreditParams::default();
		let price = UNIT;
		for n in [0u32, 1, 5, 50] {
			let v = p.verification_credit(n);
			let mut last = Balance::MAX;
			for credit in 0..=100 {
				let quote = p.penalty_price(credit, v, price);
				assert!(quote <= price);
				assert!(quote <= last, "higher credit, lower price");
				last = quote;
			}
			assert_eq!(p.penalty_price(100, v, price), 0);
			// Credits above the initial count as the initial credit.
			assert_eq!(p.penalty_price(150, v, price), 0);
		}
		// More verification credit, lower price.
		assert!(p.penalty_price(80, p.verification_credit(10), price) <
			p.penalty_price(80, p.verification_credit(0), price));
		// Larger k2 or g, lower price.
		let bigger_k2 = CreditParams { k2: FixedU128::from_u32(10), ..p };
		let bigger_g = CreditParams { g: FixedU128::from_u32(6), ..p };
		let v = p.verification_credit(0);
		assert!(bigger_k2.penalty_price(80, v, price) < p.penalty_price(80, v, price));
		assert!(bigger_g.penalty_price(80, v, price) < p.penalty_price(80, v, price));
	}

	#[test]
	fn params_are_validated() {
		assert_eq!(CreditParams::default().validate(), Ok(()));
		let p = CreditParams::default();
		// 0.01 * 12.5 * (5 + 3) = 1.
		let k2 = FixedU128::from_rational(25, 2);
		assert_eq!(
			CreditParams { k2, ..p }.validate(),
			Err(InvalidCreditParams::RestorationTooStrong)
		);
		let k2 = FixedU128::from_rational(124, 10);
		assert_eq!(CreditParams { k2, ..p }.validate(), Ok(()));
		assert_eq!(
			CreditParams { mu: Perbill::one(), ..p }.validate(),
			Err(InvalidCreditParams::MuNotBelowOne)
		);
		assert_eq!(
			CreditParams { initial_credit: 0, ..p }.validate(),
			Err(InvalidCreditParams::ZeroInitialCredit)
		);
		assert_eq!(
			CreditParams { restore_after: 0, ..p }.validate(),
			Err(InvalidCreditParams::ZeroRestoreAfter)
		);
	}

	/// MODEL §4's worked example (the paper's Table A2), exactly.
	#[test]
	fn table_a2_credit_trajectory() {
		let p = CreditParams::default();
		let trajectory = |start: Credit, defaults: &[u32]| -> Vec<Credit> {
			let mut state = CreditState { credit: start, ..Default::default() };
			(1..=15)
				.map(|period| {
					state.apply_trade(&p, defaults.contains(&period));
					state.credit
				})
				.collect()
		};
		assert_eq!(
			trajectory(100, &[2, 13, 15]),
			vec![100, 99, 99, 99, 99, 99, 99, 99, 99, 99, 99, 100, 99, 99, 98]
		);
		assert_eq!(
			trajectory(90, &[1, 3, 4, 15]),
			vec![89, 89, 88, 86, 86, 86, 86, 86, 86, 86, 86, 86, 86, 87, 86]
		);
	}

	#[test]
	fn first_offence_is_not_liable() {
		let p = CreditParams::default();
		let mut state = CreditState::new(&p);
		let first = state.apply_trade(&p, true);
		assert_eq!((first.before, first.after, first.liable), (100, 99, false));
		let second = state.apply_trade(&p, true);
		assert_eq!((second.before, second.after, second.liable), (99, 98, true));
		let third = state.apply_trade(&p, true);
		assert_eq!(third.after, 96);
	}

	#[test]
	fn credit_saturates_at_zero_and_never_exceeds_initial() {
		let p = CreditParams::default();
		let mut state = CreditState { credit: 3, ..Default::default() };
		for _ in 0..60 {
			state.apply_trade(&p, true);
		}
		assert_eq!(state.credit, 0);
		let mut full = CreditState::new(&p);
		for _ in 0..25 {
			let change = full.apply_trade(&p, false);
			assert!(!change.restored);
		}
		assert_eq!(full.credit, 100);
		assert_eq!(full.fulfilled_streak, 25);
	}

	#[test]
	fn penalty_split_sums_to_the_penalty() {
		let p = CreditParams::default();
		assert_eq!(
			split_penalty(&p, 677 * UNIT / 100, false),
			PenaltySplit { counterparty: 5416 * UNIT / 1000, community: 1354 * UNIT / 1000 }
		);
		assert_eq!(
			split_penalty(&p, 1000, true),
			PenaltySplit { counterparty: 0, community: 1000 }
		);
		assert_eq!(split_penalty(&p, 7, false).counterparty + split_penalty(&p, 7, false).community, 7);
	}

	#[test]
	fn tolerance_decides_default() {
		let p = CreditParams { tolerance_wh: 500, ..Default::default() };
		assert!(!p.is_default(80_000, 80_500));
		assert!(p.is_default(80_000, 79_499));
		assert!(CreditParams::default().is_default(80_000, 80_001));
	}
}
