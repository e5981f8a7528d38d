//! The runtime API through which clients read the session's validators
//! (polkadot.js: `api.call.verificationApi.validators()`).

use alloc::vec::Vec;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// The validator draw's state.
	pub trait VerificationApi<AccountId: Codec> {
		/// The current session's index.
		fn session() -> u32;
		/// The current session's validators with their draw weights (18 decimals).
		fn validators() -> Vec<(AccountId, u128)>;
		/// `who`'s draw weight now (zero: not eligible).
		fn draw_weight(who: AccountId) -> u128;
	}
}
