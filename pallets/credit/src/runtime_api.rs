//! The runtime API through which clients read credit records and penalty quotes
//! (polkadot.js: `api.call.creditApi.creditRecord(who)` and friends).

use crate::{Balance, CreditInfo, CreditParams, PenaltyQuote};
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Credit records, penalty-price quotes and the model's parameters.
	pub trait CreditApi<AccountId: Codec> {
		/// `who`'s credit record with its verification credit; `None` if it has none.
		fn credit_record(who: AccountId) -> Option<CreditInfo>;
		/// What a default in `who`'s next trade at contract price `price` (per kWh) would cost.
		fn penalty_quote(who: AccountId, price: Balance) -> Option<PenaltyQuote>;
		/// The credit model's parameters in force.
		fn params() -> CreditParams;
	}
}
