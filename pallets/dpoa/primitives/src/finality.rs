//! DPoA finality (MODEL §9): the session's validators attest blocks; a block is final once
//! validators holding at least 2/3 of the session's validator weight have attested it, and the
//! signatures that prove it travel with the block as a [`DpoaJustification`].
//!
//! A validator's attestation key is its account's sr25519 key, held in its node's keystore
//! under the key type [`crate::KEY_TYPE`] (`dpoa`).

use alloc::vec::Vec;
use codec::{Decode, DecodeWithMemTracking, Encode, MaxEncodedLen};
use scale_info::TypeInfo;
use sp_core::{sr25519, H256};

/// A validator's identity: its account's sr25519 public key (the account id's 32 bytes).
pub type ValidatorId = sr25519::Public;
/// A validator's signature of an [`Attestation`].
pub type AttestationSignature = sr25519::Signature;
/// The block number type of the chain.
pub type BlockNumber = u32;

/// What a validator signs: block `number` of the chain is `hash`, attested in `session`.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Attestation {
	/// The session of the block (whose validators may attest it).
	pub session: u32,
	/// The block's number.
	pub number: BlockNumber,
	/// The block's hash.
	pub hash: H256,
}

/// The domain separator of attestation signatures.
pub const ATTESTATION_CONTEXT: &[u8] = b"dpoa-attestation";

impl Attestation {
	/// The bytes a validator signs.
	pub fn payload(&self) -> Vec<u8> {
		(ATTESTATION_CONTEXT, self).encode()
	}

	/// Whether `signature` is `validator`'s over this attestation.
	pub fn verify(&self, validator: &ValidatorId, signature: &AttestationSignature) -> bool {
		sp_io::crypto::sr25519_verify(signature, &self.payload(), validator)
	}
}

/// An attestation with its signer and signature: what a validator submits, and the evidence of
/// an equivocation.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct SignedAttestation {
	/// What is attested.
	pub attestation: Attestation,
	/// Who attests.
	pub validator: ValidatorId,
	/// Its signature of [`Attestation::payload`].
	pub signature: AttestationSignature,
}

impl SignedAttestation {
	/// Whether the signature is the validator's.
	pub fn verify(&self) -> bool {
		self.attestation.verify(&self.validator, &self.signature)
	}
}

/// The proof that a block is final: the attestations of validators holding at least 2/3 of its
/// session's validator weight. Stored as the block's justification under
/// [`crate::DPOA_ENGINE_ID`].
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct DpoaJustification {
	/// The attested block.
	pub attestation: Attestation,
	/// The validators' signatures of it.
	pub signatures: Vec<(ValidatorId, AttestationSignature)>,
}

/// Why a justification does not prove finality.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum JustificationError {
	/// It is for another block (number or hash) than the one it came with.
	WrongBlock,
	/// It is for another session than the block's.
	WrongSession,
	/// A signer is not a validator of the session.
	NotValidator,
	/// A validator signed twice.
	Duplicate,
	/// A signature does not verify.
	BadSignature,
	/// The signers hold less than 2/3 of the session's validator weight.
	NoQuorum,
}

/// Whether `weight` of `total` is a quorum: at least 2/3, and something.
pub fn is_quorum(weight: u128, total: u128) -> bool {
	total > 0 && weight.saturating_mul(3) >= total.saturating_mul(2)
}

impl DpoaJustification {
	/// Check that this proves block `number` = `hash` of `session` final, given that session's
	/// validators and weights.
	pub fn verify(
		&self,
		number: BlockNumber,
		hash: H256,
		session: u32,
		validators: &[(ValidatorId, u128)],
	) -> Result<(), JustificationError> {
		if self.attestation.number != number || self.attestation.hash != hash {
			return Err(JustificationError::WrongBlock);
		}
		if self.attestation.session != session {
			return Err(JustificationError::WrongSession);
		}
		let total = validators.iter().fold(0u128, |sum, (_, w)| sum.saturating_add(*w));
		let mut seen: Vec<&ValidatorId> = Vec::with_capacity(self.signatures.len());
		let mut weight = 0u128;
		for (validator, signature) in &self.signatures {
			let (_, w) = validators
				.iter()
				.find(|(v, _)| v == validator)
				.ok_or(JustificationError::NotValidator)?;
			if seen.contains(&validator) {
				return Err(JustificationError::Duplicate);
			}
			seen.push(validator);
			if !self.attestation.verify(validator, signature) {
				return Err(JustificationError::BadSignature);
			}
			weight = weight.saturating_add(*w);
		}
		if !is_quorum(weight, total) {
			return Err(JustificationError::NoQuorum);
		}
		Ok(())
	}
}

/// A block attested by some validators, not yet by a quorum.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct PendingBlock {
	/// Its number.
	pub number: BlockNumber,
	/// Its hash.
	pub hash: H256,
	/// The weight of the validators that attested it.
	pub attested_weight: u128,
	/// Who attested it.
	pub attesters: Vec<ValidatorId>,
}

/// The finality state as the runtime sees it at a block.
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, TypeInfo)]
pub struct FinalityStatus {
	/// The current session.
	pub session: u32,
	/// Its validators and their weights.
	pub validators: Vec<(ValidatorId, u128)>,
	/// Their total weight.
	pub total_weight: u128,
	/// Every how many blocks a block is attested (1: every block).
	pub checkpoint_interval: BlockNumber,
	/// The highest block with a quorum of attestations.
	pub last_justified: BlockNumber,
	/// Blocks attested by some validators but not yet by a quorum.
	pub pending: Vec<PendingBlock>,
	/// Attestations accepted on chain since genesis.
	pub attestations_total: u64,
}

sp_api::decl_runtime_apis! {
	/// What the node's finality workers and clients read from the runtime.
	pub trait DpoaFinalityApi {
		/// The finality state at this block.
		fn status() -> FinalityStatus;
		/// The justified blocks above `after` still on record, lowest first, at most `limit`.
		fn justifications(after: BlockNumber, limit: u32) -> Vec<DpoaJustification>;
		/// The session of block `number` and its validators with weights, if still on record.
		fn validators_of(number: BlockNumber) -> Option<(u32, Vec<(ValidatorId, u128)>)>;
	}
}
