//! # DPoA consensus primitives
//!
//! Types shared by the DPoA consensus engine in the node (`dpoa-consensus`) and the `dpoa`
//! pallet in the runtime:
//!
//! - [`AuthorityId`] / [`AuthoritySignature`]: the trading center's sr25519 block-authoring key,
//!   stored in the node's keystore under the key type [`KEY_TYPE`] (`"dpoa"`).
//! - [`PreDigest`]: the pre-runtime digest every block carries, naming its slot, the index
//!   of its author in the authority set and the author's VRF signature over the slot.
//! - [`slot_vrf_transcript`], [`vrf_randomness`]: the VRF input of a slot and the randomness
//!   its output yields; the runtime verifies the VRF and accumulates the outputs, so the draw of
//!   validators does not depend on anything the author can choose (MODEL §8).
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

pub mod finality;

pub use sp_consensus_slots::{Slot, SlotDuration};
pub use sp_core::sr25519::vrf::{VrfSignData, VrfSignature, VrfTranscript};

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
#[derive(Clone, Debug, PartialEq, Eq, Encode, Decode, MaxEncodedLen, TypeInfo)]
pub struct PreDigest {
	/// The slot the block was authored in.
	pub slot: Slot,
	/// The index of the author in the authority set at the parent block.
	pub authority_index: u32,
	/// The author's VRF signature over [`slot_vrf_transcript`] of `slot`: its output is fixed
	/// by the author's key and the slot, so the author cannot choose it.
	pub vrf_signature: VrfSignature,
}

/// The label of the VRF transcript of a slot.
pub const VRF_LABEL: &[u8] = b"dpoa-slot-vrf";
/// The context in which a VRF output is turned into randomness bytes.
pub const VRF_RANDOMNESS_CONTEXT: &[u8] = b"dpoa-randomness";

/// The VRF input of `slot`: the same for every block of the slot, whoever authors it.
pub fn slot_vrf_transcript(slot: Slot) -> VrfTranscript {
	VrfTranscript::new(VRF_LABEL, &[(b"slot", &u64::from(slot).to_le_bytes())])
}

/// The data an author signs with its VRF key for `slot`.
pub fn slot_vrf_sign_data(slot: Slot) -> VrfSignData {
	slot_vrf_transcript(slot).into_sign_data()
}

/// Whether `signature` is `author`'s valid VRF signature for `slot`; if so, the 32 random bytes
/// its output yields.
pub fn vrf_randomness(author: &AuthorityId, slot: Slot, signature: &VrfSignature) -> Option<[u8; 32]> {
	use sp_core::crypto::VrfPublic;
	let public: sp_core::sr25519::Public = author.clone().into();
	if !public.vrf_verify(&slot_vrf_sign_data(slot), signature) {
		return None;
	}
	public
		.make_bytes::<32>(VRF_RANDOMNESS_CONTEXT, &slot_vrf_transcript(slot), &signature.pre_output)
		.ok()
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

/// `//Alice`'s VRF signature for slot 1000 (SCALE-encoded [`VrfSignature`]): the `dpoa`
/// pallet's benchmark needs a valid VRF of the dev chain's authority and the runtime cannot sign.
pub const BENCHMARK_ALICE_VRF_SLOT_1000: [u8; 96] = [
	204, 148, 78, 164, 35, 190, 254, 102, 182, 45, 151, 3, 207, 170, 12, 233, 49, 9, 21, 93, 75, 244,
	140, 119, 106, 202, 238, 213, 131, 34, 68, 63, 84, 1, 187, 157, 16, 98, 169, 78, 115, 172, 147,
	155, 206, 27, 225, 238, 225, 133, 197, 25, 221, 18, 18, 128, 206, 239, 99, 235, 231, 86, 249, 2,
	86, 165, 37, 30, 192, 0, 130, 171, 68, 57, 251, 13, 44, 174, 249, 35, 133, 35, 123, 43, 118, 46,
	38, 109, 219, 42, 240, 133, 206, 114, 217, 4,
];

/// `//Alice`'s sr25519 public key, the signer of [`BENCHMARK_ALICE_VRF_SLOT_1000`].
pub const BENCHMARK_ALICE_PUBLIC: [u8; 32] = [
	212, 53, 147, 199, 21, 253, 211, 28, 97, 20, 26, 189, 4, 169, 159, 214, 130, 44, 133, 88, 133,
	76, 205, 227, 154, 86, 132, 231, 165, 109, 162, 125,
];

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

	fn vrf(seed: u8, slot: u64) -> (AuthorityId, VrfSignature) {
		use sp_core::{crypto::VrfSecret, Pair};
		let pair = sp_core::sr25519::Pair::from_seed(&[seed; 32]);
		(pair.public().into(), pair.vrf_sign(&slot_vrf_sign_data(Slot::from(slot))))
	}

	#[test]
	fn digest_items_round_trip() {
		let pre = PreDigest { slot: Slot::from(42), authority_index: 3, vrf_signature: vrf(1, 42).1 };
		let item = DigestItem::dpoa_pre_digest(pre.clone());
		assert_eq!(item.as_dpoa_pre_digest(), Some(pre.clone()));
		assert_eq!(item.as_dpoa_seal(), None);
		// Another engine's pre-runtime digest is not ours.
		let other = DigestItem::PreRuntime(*b"aura", pre.encode());
		assert_eq!(other.as_dpoa_pre_digest(), None);
	}

	#[test]
	fn a_vrf_verifies_only_for_its_key_and_slot() {
		let (author, signature) = vrf(1, 42);
		let output = vrf_randomness(&author, Slot::from(42), &signature).expect("valid");
		// Deterministic: signing again gives the same output (the proof may differ).
		let (_, again) = vrf(1, 42);
		assert_eq!(vrf_randomness(&author, Slot::from(42), &again), Some(output));
		assert_eq!(vrf_randomness(&author, Slot::from(43), &signature), None);
		assert_eq!(vrf_randomness(&vrf(2, 42).0, Slot::from(42), &signature), None);
		assert_ne!(vrf_randomness(&author, Slot::from(43), &vrf(1, 43).1), Some(output));
	}

	/// The constant the `dpoa` pallet's benchmark uses: `//Alice`'s VRF signature for slot 1000.
	#[test]
	fn the_benchmark_vrf_of_alice_is_valid() {
		use sp_core::{crypto::VrfSecret, Pair};
		let alice = sp_core::sr25519::Pair::from_string("//Alice", None).unwrap();
		assert_eq!(alice.public().0, BENCHMARK_ALICE_PUBLIC);
		let signature = VrfSignature::decode(&mut &BENCHMARK_ALICE_VRF_SLOT_1000[..]).unwrap();
		assert!(vrf_randomness(&alice.public().into(), Slot::from(1000), &signature).is_some(),
			"replace the constant with {}",
			sp_core::hexdisplay::HexDisplay::from(&alice.vrf_sign(&slot_vrf_sign_data(Slot::from(1000))).encode()));
	}
}
