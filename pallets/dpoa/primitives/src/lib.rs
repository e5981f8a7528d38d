//! # DPoA consensus primitives
//!
//! Types shared by the DPoA consensus engine in the node (`dpoa-consensus`) and the `dpoa`
//! pallet in the runtime:
//!
//! - [`AuthorityId`] / [`AuthoritySignature`]: the trading center's sr25519 block-authoring key,
//!   stored in the node's keystore under the key type [`KEY_TYPE`] (`"dpoa"`).
//! - [`PreDigest`]: the pre-runtime digest every block carries, naming its slot and the index
//!   of its author in the authority set.
//! - [`CompatibleDigestItem`]: building and reading the DPoA pre-runtime digest and seal.
//! - [`DpoaApi`]: the runtime API through which the engine reads the authority set and the slot
//!   duration, so that the set can change by a runtime call.
//!
//! ## Terminology
//!
//! - **Slot**: a fixed-length window of time (`slot_duration` milliseconds); at most one block is
//!   authored per slot. Slot `s` covers `[s * duration, (s + 1) * duration)` ms of Unix time.
//! - **Slot author**: the authority entitled to author in a slot: `authorities[slot % len]`.
//! - **Seal**: the authority's signature over the hash of the header without the seal, appended
//!   as the last digest item.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

use alloc::vec::Vec;
use codec::{Decode, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_runtime::{generic::DigestItem, ConsensusEngineId};

pub use sp_consensus_slots::{Slot, SlotDuration};

/// The engine id of DPoA in pre-runtime digests, seals and consensus logs.
pub const DPOA_ENGINE_ID: ConsensusEngineId = *b"dpoa";

/// The keystore key type of the trading center's block-authoring key.
pub const KEY_TYPE: sp_core::crypto::KeyTypeId = sp_core::crypto::KeyTypeId(*b"dpoa");

mod app {
	use sp_application_crypto::{app_crypto, sr25519};
	app_crypto!(sr25519, super::KEY_TYPE);
}

sp_application_crypto::with_pair! {
	/// A DPoA authority key pair (sr25519).
	pub type AuthorityPair = app::Pair;
}

/// A DPoA authority's public key: identifies a trading-center block author.
pub type AuthorityId = app::Public;

/// A DPoA authority's signature: the seal of a block.
pub type AuthoritySignature = app::Signature;

/// The pre-runtime digest of a DPoA block.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PreDigest {
	/// The slot the block was authored in.
	pub slot: Slot,
	/// The index of the author in the authority set at the parent block.
	pub authority_index: u32,
}

/// A consensus log the runtime deposits in a block's digest.
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, TypeInfo)]
pub enum ConsensusLog {
	/// The authority set changed in this block; it applies from the next block on.
	#[codec(index = 1)]
	AuthoritiesChange(Vec<AuthorityId>),
}

/// Building and reading the DPoA digest items.
pub trait CompatibleDigestItem: Sized {
	/// A pre-runtime digest item carrying `pre_digest`.
	fn dpoa_pre_digest(pre_digest: PreDigest) -> Self;
	/// The DPoA pre-runtime digest, if this item is one.
	fn as_dpoa_pre_digest(&self) -> Option<PreDigest>;
	/// A seal item carrying `signature`.
	fn dpoa_seal(signature: AuthoritySignature) -> Self;
	/// The DPoA seal, if this item is one.
	fn as_dpoa_seal(&self) -> Option<AuthoritySignature>;
}

impl CompatibleDigestItem for DigestItem {
	fn dpoa_pre_digest(pre_digest: PreDigest) -> Self {
		DigestItem::PreRuntime(DPOA_ENGINE_ID, pre_digest.encode())
	}

	fn as_dpoa_pre_digest(&self) -> Option<PreDigest> {
		self.pre_runtime_try_to(&DPOA_ENGINE_ID)
	}

	fn dpoa_seal(signature: AuthoritySignature) -> Self {
		DigestItem::Seal(DPOA_ENGINE_ID, signature.encode())
	}

	fn as_dpoa_seal(&self) -> Option<AuthoritySignature> {
		self.seal_try_to(&DPOA_ENGINE_ID)
	}
}

/// The authority entitled to author in `slot`, with its index: round robin over the set.
///
/// Returns `None` for an empty set.
pub fn slot_author(slot: Slot, authorities: &[AuthorityId]) -> Option<(u32, &AuthorityId)> {
	if authorities.is_empty() {
		return None;
	}
	let index = *slot % (authorities.len() as u64);
	let index = u32::try_from(index).ok()?;
	authorities.get(index as usize).map(|author| (index, author))
}

sp_api::decl_runtime_apis! {
	/// What the DPoA consensus engine reads from the runtime.
	pub trait DpoaApi {
		/// The slot duration: the target block time.
		fn slot_duration() -> SlotDuration;
		/// The trading-center authorities entitled to author blocks, in slot order.
		fn authorities() -> Vec<AuthorityId>;
	}
}

#[cfg(test)]
mod tests {
	use super::*;

	fn ids(n: u8) -> Vec<AuthorityId> {
		(0..n)
			.map(|i| AuthorityId::from(sp_core::sr25519::Public::from_raw([i; 32])))
			.collect()
	}

	#[test]
	fn slot_author_is_round_robin() {
		let set = ids(3);
		assert_eq!(slot_author(Slot::from(0), &set), Some((0, &set[0])));
		assert_eq!(slot_author(Slot::from(4), &set), Some((1, &set[1])));
		assert_eq!(slot_author(Slot::from(u64::MAX), &set).map(|(i, _)| i), Some(0));
		assert_eq!(slot_author(Slot::from(7), &[]), None);
	}

	#[test]
	fn digest_items_round_trip() {
		let pre = PreDigest { slot: Slot::from(42), authority_index: 3 };
		let item = DigestItem::dpoa_pre_digest(pre);
		assert_eq!(item.as_dpoa_pre_digest(), Some(pre));
		assert_eq!(item.as_dpoa_seal(), None);
		// Another engine's pre-runtime digest is not ours.
		let other = DigestItem::PreRuntime(*b"aura", pre.encode());
		assert_eq!(other.as_dpoa_pre_digest(), None);
	}
}
