//! # DPoA consensus engine
//!
//! The block-authoring and import-verification half of the chain's Delegated Proof of Authority
//! (MODEL §9): the trading center authors one block per slot with its `dpoa` sr25519 key, and
//! every node verifies that each imported block was sealed by the authority whose turn it was.
//!
//! ## Blocks
//!
//! A DPoA block's header carries, in order:
//! 1. a pre-runtime digest ([`PreDigest`]) with the slot and the author's index in the
//!    authority set;
//! 2. the digests the runtime deposits;
//! 3. last, a seal: the author's signature over the hash of the header without the seal.
//!
//! The authority set and the slot duration come from the runtime
//! ([`dpoa_consensus_primitives::DpoaApi`]) at the parent block, so a runtime call changes
//! who authors from the next block on.
//!
//! ## Authoring ([`start_dpoa`])
//!
//! A slot worker (`sc-consensus-slots`) wakes at every slot; if the keystore holds the key of
//! the slot's author (`authorities[slot % len]`), it builds a block on the best chain, adds the
//! pre-digest, seals it and imports it.
//!
//! ## Import ([`import_queue`])
//!
//! The verifier rejects a block that is unsealed or badly sealed, that has no (or more than one)
//! DPoA pre-digest, that claims a slot later than the wall clock allows (one slot of drift), that
//! is sealed by anyone but the slot's author, or that equivocates: a second, different block by
//! the same author in the same slot. An equivocation is logged, sent to telemetry and counted in
//! the `dpoa_equivocations_total` Prometheus metric. Blocks that pass are checked against their
//! inherents (the timestamp) and imported; the runtime then checks that the slot advances and
//! that the timestamp lies in the claimed slot.
//!
//! ## Finality ([`finality`])
//!
//! The session's validators attest blocks on chain; the node finalises a block once the
//! runtime records a 2/3-weight quorum, with the signatures as its DPoA justification, and
//! verifies the justifications of blocks it syncs from peers.

#![warn(missing_docs)]

mod authorship;
pub mod finality;
mod import_queue;
pub mod verification;

pub use authorship::{start_dpoa, StartDpoaParams};
pub use dpoa_consensus_primitives::{
	AuthorityId, AuthorityPair, DpoaApi, PreDigest, Slot, SlotDuration, DPOA_ENGINE_ID, KEY_TYPE,
};
pub use import_queue::{import_queue, DpoaVerifier, ImportQueueParams};
pub use sc_consensus_slots::SlotProportion;

use sp_api::ProvideRuntimeApi;
use sp_runtime::traits::Block as BlockT;

/// The log target of the engine.
pub const LOG_TARGET: &str = "dpoa";

/// Why the engine refused a block or could not author one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
	/// The header's last digest item is not a seal.
	#[error("header is unsealed")]
	Unsealed,
	/// The header's seal is not a DPoA signature.
	#[error("header has a bad seal")]
	BadSeal,
	/// The seal is not the slot author's signature over the header.
	#[error("bad signature: the seal is not the slot author's")]
	BadSignature,
	/// The pre-digest's VRF signature is not the author's over the slot.
	#[error("bad VRF: not the author's signature over the slot")]
	BadVrf,
	/// The header has no DPoA pre-runtime digest.
	#[error("no DPoA pre-runtime digest")]
	NoPreDigest,
	/// The header has more than one DPoA pre-runtime digest.
	#[error("more than one DPoA pre-runtime digest")]
	MultiplePreDigests,
	/// The header claims a slot later than the wall clock allows.
	#[error("slot {slot} is in the future (now {now})")]
	FutureSlot {
		/// The slot the header claims.
		slot: Slot,
		/// The latest slot accepted now.
		now: Slot,
	},
	/// The pre-digest names another author index than the slot's author.
	#[error("pre-digest names author index {claimed}, the slot's author is {expected}")]
	WrongAuthorIndex {
		/// The index in the pre-digest.
		claimed: u32,
		/// The index of the slot's author.
		expected: u32,
	},
	/// The authority set at the parent is empty.
	#[error("the authority set is empty")]
	NoAuthorities,
	/// The slot's author sealed two different blocks in the slot.
	#[error("equivocation in slot {slot}: blocks {first} and {second}")]
	Equivocation {
		/// The slot.
		slot: Slot,
		/// The block seen first.
		first: String,
		/// The block seen second.
		second: String,
	},
	/// The keystore could not sign.
	#[error("cannot sign: {0}")]
	CannotSign(String),
	/// A client or runtime API call failed.
	#[error("client error: {0}")]
	Client(String),
}

/// The authorities at block `at`, from the runtime.
pub fn authorities<B, C>(client: &C, at: B::Hash) -> Result<Vec<AuthorityId>, Error>
where
	B: BlockT,
	C: ProvideRuntimeApi<B>,
	C::Api: DpoaApi<B>,
{
	client.runtime_api().authorities(at).map_err(|e| Error::Client(e.to_string()))
}

/// The slot duration, from the runtime at the best block.
pub fn slot_duration<B, C>(client: &C) -> Result<SlotDuration, sp_blockchain::Error>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + sp_blockchain::HeaderBackend<B>,
	C::Api: DpoaApi<B>,
{
	let best = client.info().best_hash;
	client.runtime_api().slot_duration(best).map_err(|e| sp_blockchain::Error::Application(Box::new(e)))
}

/// Carries the current slot among the inherent data providers, where the slot worker looks for
/// it. It adds no inherent data: the runtime reads the slot from the pre-runtime digest.
#[derive(Debug, Clone, Copy)]
pub struct SlotInherentProvider(Slot);

impl SlotInherentProvider {
	/// The slot containing `timestamp`.
	pub fn from_timestamp(timestamp: sp_timestamp::Timestamp, duration: SlotDuration) -> Self {
		Self(Slot::from_timestamp(timestamp, duration))
	}
}

impl std::ops::Deref for SlotInherentProvider {
	type Target = Slot;
	fn deref(&self) -> &Slot {
		&self.0
	}
}

#[async_trait::async_trait]
impl sp_inherents::InherentDataProvider for SlotInherentProvider {
	async fn provide_inherent_data(
		&self,
		_: &mut sp_inherents::InherentData,
	) -> Result<(), sp_inherents::Error> {
		Ok(())
	}

	async fn try_handle_error(
		&self,
		_: &sp_inherents::InherentIdentifier,
		_: &[u8],
	) -> Option<Result<(), sp_inherents::Error>> {
		None
	}
}
