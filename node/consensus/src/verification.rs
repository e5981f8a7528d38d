//! Checks of a block header that need no runtime execution: the pre-runtime digest, the seal,
//! the slot and the author, and equivocation.
//!
//! These are pure functions over a header, the authority set at its parent and an auxiliary
//! store, so that every rule is unit-tested without a client.

use crate::{Error, LOG_TARGET};
use codec::Decode;
use dpoa_consensus_primitives::{
	slot_author, AuthorityId, AuthorityPair, AuthoritySignature, CompatibleDigestItem, PreDigest,
	Slot,
};
use sc_client_api::backend::AuxStore;
use sp_application_crypto::Pair;
use sp_runtime::{traits::Header as HeaderT, DigestItem};

/// A header whose seal verified: the header without its seal, and what was checked.
#[derive(Debug, Clone)]
pub struct CheckedHeader<H> {
	/// The header with the seal removed (the one the seal signs).
	pub pre_header: H,
	/// The seal digest item that was removed.
	pub seal: DigestItem,
	/// The block's pre-runtime digest.
	pub pre_digest: PreDigest,
	/// The authority that sealed it.
	pub author: AuthorityId,
}

/// Find the DPoA pre-runtime digest of `header`: exactly one must be present.
pub fn find_pre_digest<H: HeaderT>(header: &H) -> Result<PreDigest, Error> {
	let mut found = None;
	for item in header.digest().logs() {
		if let Some(pre_digest) = item.as_dpoa_pre_digest() {
			if found.is_some() {
				return Err(Error::MultiplePreDigests);
			}
			found = Some(pre_digest);
		}
	}
	found.ok_or(Error::NoPreDigest)
}

/// Check a header's seal, slot and author against the authority set at its parent.
///
/// - The last digest item must be a DPoA seal ([`Error::Unsealed`], [`Error::BadSeal`]).
/// - Exactly one DPoA pre-runtime digest ([`Error::NoPreDigest`],
///   [`Error::MultiplePreDigests`]).
/// - The slot must not be later than `slot_now` ([`Error::FutureSlot`]); callers pass the
///   wall-clock slot plus one slot of allowed drift.
/// - The pre-digest's author index must be the slot's author ([`Error::WrongAuthorIndex`]).
/// - The seal must be the slot author's signature over the pre-seal header hash
///   ([`Error::BadSignature`]).
/// - The pre-digest's VRF signature must be the author's over the slot ([`Error::BadVrf`]).
pub fn check_header<H: HeaderT>(
	slot_now: Slot,
	mut header: H,
	authorities: &[AuthorityId],
) -> Result<CheckedHeader<H>, Error> {
	let seal = header.digest_mut().pop().ok_or(Error::Unsealed)?;
	let signature = seal.as_dpoa_seal().ok_or_else(|| match seal {
		DigestItem::Seal(..) => Error::BadSeal,
		_ => Error::Unsealed,
	})?;
	let pre_digest = find_pre_digest(&header)?;
	if pre_digest.slot > slot_now {
		return Err(Error::FutureSlot { slot: pre_digest.slot, now: slot_now });
	}
	let (index, author) =
		slot_author(pre_digest.slot, authorities).ok_or(Error::NoAuthorities)?;
	if index != pre_digest.authority_index {
		return Err(Error::WrongAuthorIndex { claimed: pre_digest.authority_index, expected: index });
	}
	let pre_hash = header.hash();
	if !AuthorityPair::verify(&signature, pre_hash.as_ref(), author) {
		return Err(Error::BadSignature);
	}
	if dpoa_consensus_primitives::vrf_randomness(author, pre_digest.slot, &pre_digest.vrf_signature)
		.is_none()
	{
		return Err(Error::BadVrf);
	}
	Ok(CheckedHeader { author: author.clone(), pre_header: header, seal, pre_digest })
}

/// Record a checked header and reject it if its author already sealed a different block in the
/// same slot (an equivocation).
///
/// The check uses `sc-consensus-slots`' slot-to-header index in the auxiliary store, which
/// keeps the headers of the last `MAX_SLOT_CAPACITY` slots. Re-importing the same header is
/// not an equivocation.
pub fn check_equivocation<C: AuxStore, H: HeaderT>(
	aux: &C,
	slot_now: Slot,
	checked: &CheckedHeader<H>,
) -> Result<(), Error> {
	// The index stores the sealed header, so that a proof carries both signatures.
	let mut sealed = checked.pre_header.clone();
	sealed.digest_mut().push(checked.seal.clone());
	match sc_consensus_slots::check_equivocation(
		aux,
		slot_now,
		checked.pre_digest.slot,
		&sealed,
		&checked.author,
	) {
		Ok(None) => Ok(()),
		Ok(Some(proof)) => {
			log::warn!(
				target: LOG_TARGET,
				"⚠️ Equivocation by authority {:?} in slot {}: blocks {:?} and {:?}",
				proof.offender,
				proof.slot,
				proof.first_header.hash(),
				proof.second_header.hash(),
			);
			Err(Error::Equivocation {
				slot: proof.slot,
				first: format!("{:?}", proof.first_header.hash()),
				second: format!("{:?}", proof.second_header.hash()),
			})
		},
		Err(e) => Err(Error::Client(e.to_string())),
	}
}

/// Sign `pre_hash` with `author`'s key from the keystore and return the seal item.
pub fn seal(
	keystore: &sp_keystore::KeystorePtr,
	author: &AuthorityId,
	pre_hash: &[u8],
) -> Result<DigestItem, Error> {
	use sp_application_crypto::{AppCrypto, ByteArray};
	let raw = keystore
		.sign_with(
			<AuthorityId as AppCrypto>::ID,
			<AuthorityId as AppCrypto>::CRYPTO_ID,
			author.as_slice(),
			pre_hash,
		)
		.map_err(|e| Error::CannotSign(e.to_string()))?
		.ok_or_else(|| Error::CannotSign(format!("no key in the keystore for {author:?}")))?;
	let signature = AuthoritySignature::decode(&mut &raw[..])
		.map_err(|e| Error::CannotSign(format!("bad signature from the keystore: {e}")))?;
	Ok(DigestItem::dpoa_seal(signature))
}

#[cfg(test)]
mod tests {
	use super::*;
	use dpoa_consensus_primitives::DPOA_ENGINE_ID;
	use parking_lot::Mutex;
	use sp_keyring::Sr25519Keyring;
	use sp_runtime::{testing::Header, Digest};
	use std::collections::HashMap;

	/// An in-memory auxiliary store.
	#[derive(Default)]
	struct MemAux(Mutex<HashMap<Vec<u8>, Vec<u8>>>);

	impl AuxStore for MemAux {
		fn insert_aux<
			'a,
			'b: 'a,
			'c: 'a,
			I: IntoIterator<Item = &'a (&'c [u8], &'c [u8])>,
			D: IntoIterator<Item = &'a &'b [u8]>,
		>(
			&self,
			insert: I,
			delete: D,
		) -> sp_blockchain::Result<()> {
			let mut map = self.0.lock();
			for (k, v) in insert {
				map.insert(k.to_vec(), v.to_vec());
			}
			for k in delete {
				map.remove(*k);
			}
			Ok(())
		}

		fn get_aux(&self, key: &[u8]) -> sp_blockchain::Result<Option<Vec<u8>>> {
			Ok(self.0.lock().get(key).cloned())
		}
	}

	fn id(k: Sr25519Keyring) -> AuthorityId {
		k.public().into()
	}

	fn pair(k: Sr25519Keyring) -> AuthorityPair {
		AuthorityPair::from(k.pair())
	}

	/// Block `number` in `slot` with `authority_index`, sealed by `signer` (`None`: unsealed).
	fn header(
		number: u64,
		slot: u64,
		authority_index: u32,
		signer: Option<Sr25519Keyring>,
		salt: u8,
	) -> Header {
		let vrf_signer = signer.unwrap_or(Sr25519Keyring::Alice);
		header_with_vrf(number, slot, authority_index, signer, salt, vrf(vrf_signer, slot))
	}

	/// `signer`'s VRF signature for `slot`.
	fn vrf(signer: Sr25519Keyring, slot: u64) -> dpoa_consensus_primitives::VrfSignature {
		use sp_core::crypto::VrfSecret;
		signer.pair().vrf_sign(&dpoa_consensus_primitives::slot_vrf_sign_data(Slot::from(slot)))
	}

	/// [`header`] with a given VRF signature in the pre-digest.
	fn header_with_vrf(
		number: u64,
		slot: u64,
		authority_index: u32,
		signer: Option<Sr25519Keyring>,
		salt: u8,
		vrf_signature: dpoa_consensus_primitives::VrfSignature,
	) -> Header {
		let pre = PreDigest { slot: Slot::from(slot), authority_index, vrf_signature };
		let mut header = Header {
			parent_hash: [salt; 32].into(),
			number,
			state_root: Default::default(),
			extrinsics_root: Default::default(),
			digest: Digest { logs: vec![DigestItem::dpoa_pre_digest(pre)] },
		};
		if let Some(signer) = signer {
			let signature = pair(signer).sign(header.hash().as_ref());
			header.digest_mut().push(DigestItem::dpoa_seal(signature));
		}
		header
	}

	fn alice_only() -> Vec<AuthorityId> {
		vec![id(Sr25519Keyring::Alice)]
	}

	#[test]
	fn valid_seal_is_accepted() {
		let h = header(1, 10, 0, Some(Sr25519Keyring::Alice), 0);
		let checked = check_header(Slot::from(11), h.clone(), &alice_only()).expect("valid");
		assert_eq!(checked.author, id(Sr25519Keyring::Alice));
		assert_eq!(checked.pre_digest.slot, Slot::from(10));
		// The pre-header is the sealed header minus its seal.
		assert_eq!(checked.pre_header.digest().logs().len(), 1);
		assert_eq!(h.digest().logs().last(), Some(&checked.seal));
	}

	#[test]
	fn round_robin_author_is_accepted_in_its_slot() {
		let set = vec![id(Sr25519Keyring::Alice), id(Sr25519Keyring::Bob)];
		let h = header(1, 11, 1, Some(Sr25519Keyring::Bob), 0);
		assert!(check_header(Slot::from(11), h, &set).is_ok());
	}

	#[test]
	fn wrong_key_is_rejected() {
		// Bob is not an authority: his seal does not verify for Alice's slot.
		let h = header(1, 10, 0, Some(Sr25519Keyring::Bob), 0);
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::BadSignature);
	}

	#[test]
	fn authority_sealing_out_of_turn_is_rejected() {
		// Alice and Bob alternate; Bob seals slot 10, which is Alice's.
		let set = vec![id(Sr25519Keyring::Alice), id(Sr25519Keyring::Bob)];
		let h = header(1, 10, 0, Some(Sr25519Keyring::Bob), 0);
		assert_eq!(check_header(Slot::from(11), h, &set).unwrap_err(), Error::BadSignature);
		let h = header(1, 10, 1, Some(Sr25519Keyring::Bob), 0);
		assert_eq!(
			check_header(Slot::from(11), h, &set).unwrap_err(),
			Error::WrongAuthorIndex { claimed: 1, expected: 0 }
		);
	}

	#[test]
	fn a_vrf_by_another_key_or_for_another_slot_is_rejected() {
		let alice = Some(Sr25519Keyring::Alice);
		let h = header_with_vrf(1, 10, 0, alice, 0, vrf(Sr25519Keyring::Bob, 10));
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::BadVrf);
		let h = header_with_vrf(1, 10, 0, alice, 0, vrf(Sr25519Keyring::Alice, 9));
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::BadVrf);
	}

	#[test]
	fn missing_seal_is_rejected() {
		let h = header(1, 10, 0, None, 0);
		// The last item is then the pre-digest, not a seal.
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::Unsealed);
		let mut empty = header(1, 10, 0, None, 0);
		empty.digest_mut().logs.clear();
		assert_eq!(check_header(Slot::from(11), empty, &alice_only()).unwrap_err(), Error::Unsealed);
	}

	#[test]
	fn garbage_seal_is_rejected() {
		let mut h = header(1, 10, 0, None, 0);
		h.digest_mut().push(DigestItem::Seal(DPOA_ENGINE_ID, vec![1, 2, 3]));
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::BadSeal);
	}

	#[test]
	fn missing_pre_digest_is_rejected() {
		let mut h = header(1, 10, 0, None, 0);
		h.digest_mut().logs.clear();
		let signature = pair(Sr25519Keyring::Alice).sign(h.hash().as_ref());
		h.digest_mut().push(DigestItem::dpoa_seal(signature));
		assert_eq!(check_header(Slot::from(11), h, &alice_only()).unwrap_err(), Error::NoPreDigest);
	}

	#[test]
	fn future_slot_is_rejected() {
		let h = header(1, 12, 0, Some(Sr25519Keyring::Alice), 0);
		assert_eq!(
			check_header(Slot::from(11), h, &alice_only()).unwrap_err(),
			Error::FutureSlot { slot: Slot::from(12), now: Slot::from(11) }
		);
	}

	#[test]
	fn equivocation_is_rejected() {
		let aux = MemAux::default();
		let now = Slot::from(11);
		let first = check_header(now, header(1, 10, 0, Some(Sr25519Keyring::Alice), 0), &alice_only())
			.unwrap();
		assert_eq!(check_equivocation(&aux, now, &first), Ok(()));
		// The same block again is not an equivocation.
		assert_eq!(check_equivocation(&aux, now, &first), Ok(()));
		// A different block by the same author in the same slot is.
		let second =
			check_header(now, header(1, 10, 0, Some(Sr25519Keyring::Alice), 7), &alice_only())
				.unwrap();
		assert!(matches!(
			check_equivocation(&aux, now, &second),
			Err(Error::Equivocation { slot, .. }) if slot == Slot::from(10)
		));
		// A block in the next slot is fine.
		let next = check_header(now, header(2, 11, 0, Some(Sr25519Keyring::Alice), 0), &alice_only())
			.unwrap();
		assert_eq!(check_equivocation(&aux, now, &next), Ok(()));
	}

	#[test]
	fn keystore_seal_verifies() {
		use sp_keystore::Keystore;
		let keystore: sp_keystore::KeystorePtr = std::sync::Arc::new(sc_keystore::LocalKeystore::in_memory());
		let public = keystore
			.sr25519_generate_new(dpoa_consensus_primitives::KEY_TYPE, Some("//Alice"))
			.unwrap();
		let author = AuthorityId::from(public);
		let mut h = header(1, 10, 0, None, 0);
		let item = seal(&keystore, &author, h.hash().as_ref()).unwrap();
		h.digest_mut().push(item);
		assert!(check_header(Slot::from(10), h, &alice_only()).is_ok());
		// A key the keystore does not hold cannot seal.
		assert!(matches!(
			seal(&keystore, &id(Sr25519Keyring::Bob), &[0u8; 32]),
			Err(Error::CannotSign(_))
		));
	}
}
