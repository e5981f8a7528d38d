//! The runtime API through which clients read the session's validators and the batches' polls
//! (polkadot.js: `api.call.verificationApi.validators()`).

use alloc::vec::Vec;
use codec::Codec;
use energy_primitives::PollKind;

sp_api::decl_runtime_apis! {
	/// The validator draw's state, and the polls of each batch.
	#[api_version(2)]
	pub trait VerificationApi<AccountId: Codec, BlockNumber: Codec> {
		/// The current session's index.
		fn session() -> u32;
		/// The current session's validators with their draw weights (18 decimals).
		fn validators() -> Vec<(AccountId, u128)>;
		/// `who`'s draw weight now (zero: not eligible).
		fn draw_weight(who: AccountId) -> u128;
		/// The contracts of the polls of `kind` in `batch` (the block it opened in, its page
		/// there), in order: a batch vote gives a verdict for each. Empty if no such batch is
		/// open.
		#[api_version(2)]
		fn batch_polls(kind: PollKind, batch: (BlockNumber, u32)) -> Vec<u64>;
	}
}
