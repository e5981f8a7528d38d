//! The runtime API through which clients read what nodes are owed
//! (polkadot.js: `api.call.penaltyApi.claimable(who)`).

use crate::Balance;
use codec::Codec;

sp_api::decl_runtime_apis! {
	/// Penalty shares owed and received.
	pub trait PenaltyApi<AccountId: Codec> {
		/// What `who` can claim now.
		fn claimable(who: AccountId) -> Balance;
		/// Everything `who` has received from penalties: claimed plus claimable.
		fn received(who: AccountId) -> Balance;
	}
}
