//! DPoA finality on the node (MODEL §9): validators attest blocks, justified blocks are
//! finalised with their proof, and imported proofs are verified.
//!
//! - [`run_attester`]: on a node whose keystore holds the `dpoa` key of a session validator
//!   (its account's sr25519 key), signs `(session, number, hash)` of each new best block (and of
//!   recent checkpoints it has not attested yet) and submits `finality.attest` to the
//!   transaction pool, which gossips it to the trading center's node.
//! - [`run_finalizer`]: on every node, after each import reads the blocks the runtime has
//!   justified (a 2/3-weight quorum of on-chain attestations), verifies each proof against the
//!   session's validator set and finalises the block with the proof as its DPoA justification,
//!   which the database keeps and serves to syncing peers.
//! - [`FinalityBlockImport`]: wraps the import of blocks that arrive with a DPoA justification
//!   (syncing from peers): the block is imported, then finalised only if the justification
//!   verifies against the validators the chain recorded for that block; a bad one is reported
//!   (`bad_justification`), so that the sync drops the peer's reputation.
//!
//! Metrics (Prometheus): `dpoa_finality_lag_blocks`, `dpoa_finalized_number`,
//! `dpoa_attestations_received_total` (attestations accepted on chain),
//! `dpoa_attestations_submitted_total`, `dpoa_justifications_verified_total` and
//! `dpoa_justifications_rejected_total`.

use crate::{DPOA_ENGINE_ID, LOG_TARGET};
use codec::{Decode, Encode};
use dpoa_consensus_primitives::{
	finality::{
		Attestation, DpoaFinalityApi, DpoaJustification, JustificationError, SignedAttestation,
		ValidatorId,
	},
	KEY_TYPE,
};
use futures::{future::BoxFuture, StreamExt};
use sc_client_api::{backend::Backend, BlockchainEvents, Finalizer};
use sc_consensus::{BlockCheckParams, BlockImport, BlockImportParams, ImportResult};
use sp_api::ProvideRuntimeApi;
use sp_blockchain::HeaderBackend;
use sp_keystore::KeystorePtr;
use sp_runtime::traits::{Block as BlockT, Header as HeaderT, NumberFor, SaturatedConversion};
use std::{
	collections::{BTreeMap, BTreeSet},
	marker::PhantomData,
	sync::Arc,
};
use substrate_prometheus_endpoint::{register, Counter, Gauge, PrometheusError, Registry, U64};

/// A call the finality workers submit; the node turns it into a runtime extrinsic.
#[derive(Clone, Debug)]
pub enum FinalityCall {
	/// `finality.attest`.
	Attest(SignedAttestation),
	/// `finality.report_equivocation`.
	ReportEquivocation(SignedAttestation, SignedAttestation),
}

/// Reads the attestation out of an extrinsic, if it is a `finality.attest` call.
pub type ExtractFn<B> =
	Arc<dyn Fn(&<B as BlockT>::Extrinsic) -> Option<SignedAttestation> + Send + Sync>;

/// Spots validators that signed two different hashes at one height, from the attestations in
/// imported blocks of every fork.
#[derive(Default)]
pub struct EquivocationDetector {
	seen: BTreeMap<(ValidatorId, u32), SignedAttestation>,
	reported: BTreeSet<(ValidatorId, u32)>,
}

impl EquivocationDetector {
	/// Record `attestation`; the evidence of an equivocation (the earlier attestation and this
	/// one) the first time it shows one. Unverified attestations are ignored.
	pub fn observe(&mut self, attestation: SignedAttestation) -> Option<(SignedAttestation, SignedAttestation)> {
		if !attestation.verify() {
			return None;
		}
		let key = (attestation.validator, attestation.attestation.number);
		match self.seen.get(&key) {
			None => {
				self.seen.insert(key, attestation);
				None
			},
			Some(first) if first.attestation != attestation.attestation && self.reported.insert(key) =>
				Some((first.clone(), attestation)),
			Some(_) => None,
		}
	}

	/// Forget heights below `number`.
	pub fn prune(&mut self, number: u32) {
		self.seen.retain(|(_, n), _| *n >= number);
		self.reported.retain(|(_, n)| *n >= number);
	}
}

/// Submits a [`FinalityCall`] to the transaction pool at a block.
pub type SubmitFn<B> =
	Arc<dyn Fn(<B as BlockT>::Hash, FinalityCall) -> BoxFuture<'static, Result<(), String>> + Send + Sync>;

/// The finality metrics.
#[derive(Clone)]
pub struct Metrics {
	lag: Gauge<U64>,
	finalized: Gauge<U64>,
	received: Counter<U64>,
	submitted: Counter<U64>,
	verified: Counter<U64>,
	rejected: Counter<U64>,
}

impl Metrics {
	/// Register the metrics.
	pub fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			lag: register(
				Gauge::new("dpoa_finality_lag_blocks", "Best block number minus finalized block number")?,
				registry,
			)?,
			finalized: register(
				Gauge::new("dpoa_finalized_number", "The finalized block number")?,
				registry,
			)?,
			received: register(
				Counter::new("dpoa_attestations_received_total", "Attestations accepted on chain")?,
				registry,
			)?,
			submitted: register(
				Counter::new("dpoa_attestations_submitted_total", "Attestations this node signed and submitted")?,
				registry,
			)?,
			verified: register(
				Counter::new("dpoa_justifications_verified_total", "Imported DPoA justifications that verified")?,
				registry,
			)?,
			rejected: register(
				Counter::new("dpoa_justifications_rejected_total", "Imported DPoA justifications that did not verify")?,
				registry,
			)?,
		})
	}
}

/// Verify `justification` for block `number` = `hash` against the validators the chain
/// recorded for it, read at `at` (a block that has `number` in its attestation window).
pub fn verify_justification<B, C>(
	client: &C,
	at: B::Hash,
	number: u32,
	hash: B::Hash,
	justification: &DpoaJustification,
) -> Result<(), String>
where
	B: BlockT,
	C: ProvideRuntimeApi<B>,
	C::Api: DpoaFinalityApi<B>,
{
	let (session, validators) = client
		.runtime_api()
		.validators_of(at, number)
		.map_err(|e| e.to_string())?
		.ok_or_else(|| format!("no validators on record for block {number}"))?;
	let hash = sp_core::H256::from_slice(hash.as_ref());
	justification
		.verify(number, hash, session, &validators)
		.map_err(|e: JustificationError| format!("{e:?}"))
}

/// How many blocks below the best one the attester looks for checkpoints to attest.
const ATTEST_LOOKBACK: u32 = 16;

/// After how many blocks an attestation the pool accepted but not yet on chain is signed and
/// submitted again (the pool may have dropped it, or the trading center's node never received
/// it).
const RESEND_AFTER: u32 = 4;

/// The best block number from which an attestation submitted at best block `best_number` may
/// be signed again: [`RESEND_AFTER`] blocks on if the pool `accepted` it; the next block if it
/// refused it, since no copy of it waits in the pool (a pool one block behind the import
/// refuses the attestation of the newest block as from the future, and takes it a block
/// later).
fn retry_from(accepted: bool, best_number: u32) -> u32 {
	best_number.saturating_add(if accepted { RESEND_AFTER } else { 1 })
}

/// Whether one of our validators should sign a checkpoint not yet justified at best block
/// `best_number`: not if the chain holds its attestation already (`on_chain`), nor before
/// `retry` ([`retry_from`]) if it was submitted already.
fn needs_attestation(on_chain: bool, retry: Option<u32>, best_number: u32) -> bool {
	!on_chain && retry.is_none_or(|from| best_number >= from)
}

/// Sign and submit attestations of new blocks for every session validator whose key the
/// keystore holds. Runs until the import stream ends.
pub async fn run_attester<B, C>(client: Arc<C>, keystore: KeystorePtr, submit: SubmitFn<B>, metrics: Option<Metrics>)
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + BlockchainEvents<B> + Send + Sync + 'static,
	C::Api: DpoaFinalityApi<B>,
{
	let mut imports = client.import_notification_stream();
	// (validator, number) submitted, with the best block number from which it may be signed
	// again if it has not reached the chain by then (`retry_from`).
	let mut submitted: BTreeMap<(ValidatorId, u32), u32> = BTreeMap::new();
	// The hash each of our validators signed at each recent height: after a reorg it never
	// signs another block at a height it attested (that would be an equivocation).
	let mut signed_hashes: BTreeMap<(ValidatorId, u32), sp_core::H256> = BTreeMap::new();
	while let Some(notification) = imports.next().await {
		if !notification.is_new_best {
			continue;
		}
		let best = notification.hash;
		let best_number: u32 = (*notification.header.number()).saturated_into();
		let ours = keystore.sr25519_public_keys(KEY_TYPE);
		if ours.is_empty() {
			continue;
		}
		let api = client.runtime_api();
		let Ok(status) = api.status(best) else { continue };
		// Recent checkpoints not yet justified, newest last; the runtime refuses older ones.
		// Below the highest justified block too: a block finalised as an ancestor still gets
		// its own justification once its quorum comes.
		let from = best_number.saturating_sub(ATTEST_LOOKBACK).max(1);
		let Ok(justified) = api.justifications(best, from - 1, ATTEST_LOOKBACK + 1) else { continue };
		let justified: BTreeSet<u32> = justified.iter().map(|j| j.attestation.number).collect();
		submitted.retain(|(_, n), _| *n >= from && !justified.contains(n));
		signed_hashes.retain(|(_, n), _| n.saturating_add(64) >= best_number);
		for number in from..=best_number {
			if number % status.checkpoint_interval.max(1) != 0 || justified.contains(&number) {
				continue;
			}
			let Ok(Some((session, validators))) = api.validators_of(best, number) else { continue };
			let Ok(Some(hash)) = client.hash(number.into()) else { continue };
			let attested: Vec<ValidatorId> = status
				.pending
				.iter()
				.find(|p| p.number == number)
				.map(|p| p.attesters.clone())
				.unwrap_or_default();
			for (validator, _) in validators.iter().filter(|(v, _)| ours.contains(v)) {
				let sent = submitted.get(&(*validator, number)).copied();
				if !needs_attestation(attested.contains(validator), sent, best_number) {
					continue;
				}
				let hash = sp_core::H256::from_slice(hash.as_ref());
				match signed_hashes.get(&(*validator, number)) {
					Some(earlier) if *earlier != hash => {
						log::warn!(
							target: LOG_TARGET,
							"Not attesting #{number} ({hash:?}): {validator} attested {earlier:?} at that height"
						);
						continue;
					},
					_ => {},
				}
				let attestation = Attestation { session, number, hash };
				let signature = match keystore.sr25519_sign(KEY_TYPE, validator, &attestation.payload()) {
					Ok(Some(signature)) => signature,
					other => {
						log::warn!(target: LOG_TARGET, "Cannot sign an attestation of #{number}: {other:?}");
						continue;
					},
				};
				let signed = SignedAttestation { attestation, validator: *validator, signature };
				let result = submit(best, FinalityCall::Attest(signed)).await;
				submitted.insert((*validator, number), retry_from(result.is_ok(), best_number));
				match result {
					Ok(()) => {
						signed_hashes.insert((*validator, number), hash);
						if let Some(m) = &metrics {
							m.submitted.inc();
						}
						match sent {
							Some(_) => log::debug!(target: LOG_TARGET, "Attested #{number} ({hash:?}) as {validator} again"),
							None => log::debug!(target: LOG_TARGET, "Attested #{number} ({hash:?}) as {validator}"),
						}
					},
					Err(e) => log::debug!(target: LOG_TARGET, "Attestation of #{number} refused: {e}"),
				}
			}
		}
	}
}

/// Finalise the blocks the runtime has justified, with their proofs as justifications, and keep
/// the metrics. Runs until the import stream ends.
///
/// With `detect`, it also reads the attestations in every imported block (of every fork) and
/// reports a validator that signed two hashes at one height with
/// `finality.report_equivocation`.
pub async fn run_finalizer<B, BE, C>(
	client: Arc<C>,
	backend: Arc<BE>,
	metrics: Option<Metrics>,
	detect: Option<(ExtractFn<B>, SubmitFn<B>)>,
) where
	B: BlockT,
	BE: Backend<B>,
	C: ProvideRuntimeApi<B>
		+ HeaderBackend<B>
		+ BlockchainEvents<B>
		+ Finalizer<B, BE>
		+ sc_client_api::BlockBackend<B>
		+ Send
		+ Sync
		+ 'static,
	C::Api: DpoaFinalityApi<B>,
{
	let mut imports = client.import_notification_stream();
	let mut received_seen = 0u64;
	let mut detector = EquivocationDetector::default();
	while let Some(notification) = imports.next().await {
		if let Some((extract, submit)) = &detect {
			let body = client.block_body(notification.hash).ok().flatten().unwrap_or_default();
			for attestation in body.iter().filter_map(|xt| extract(xt)) {
				if let Some((first, second)) = detector.observe(attestation) {
					log::warn!(
						target: LOG_TARGET,
						"⚠️ Validator {} attested #{} twice: {:?} and {:?}; reporting it",
						first.validator,
						first.attestation.number,
						first.attestation.hash,
						second.attestation.hash,
					);
					let best = client.info().best_hash;
					if let Err(e) = submit(best, FinalityCall::ReportEquivocation(first, second)).await {
						log::warn!(target: LOG_TARGET, "Equivocation report refused: {e}");
					}
				}
			}
			let finalized: u32 = client.info().finalized_number.saturated_into();
			detector.prune(finalized.saturating_sub(64));
		}
		if !notification.is_new_best {
			continue;
		}
		let best = notification.hash;
		let finalized: u32 = client.info().finalized_number.saturated_into();
		// Also the recent ones at or below the finalised head: a block finalised as the ancestor
		// of a later-justified one gets its own justification when its quorum comes.
		let justifications = match client.runtime_api().justifications(best, finalized.saturating_sub(16), 64) {
			Ok(j) => j,
			Err(e) => {
				log::debug!(target: LOG_TARGET, "Cannot read justifications at {best:?}: {e}");
				continue;
			},
		};
		for justification in justifications {
			let Attestation { number, hash, .. } = justification.attestation;
			let Ok(Some(ours)) = client.hash(number.into()) else { continue };
			if ours.as_ref() != hash.as_bytes() {
				// Justified on another fork than our best chain's: not ours to finalise.
				continue;
			}
			let already_final = number <= client.info().finalized_number.saturated_into::<u32>();
			if already_final &&
				client.justifications(ours).ok().flatten().is_some_and(|j| j.get(DPOA_ENGINE_ID).is_some())
			{
				continue;
			}
			if let Err(e) = verify_justification(&*client, best, number, ours, &justification) {
				log::warn!(target: LOG_TARGET, "Justification of #{number} on chain does not verify: {e}");
				continue;
			}
			if already_final {
				match backend.append_justification(ours, (DPOA_ENGINE_ID, justification.encode())) {
					Ok(()) => log::debug!(target: LOG_TARGET, "Stored the justification of final #{number}"),
					Err(e) => log::debug!(target: LOG_TARGET, "Cannot store the justification of #{number}: {e}"),
				}
				continue;
			}
			match client.finalize_block(ours, Some((DPOA_ENGINE_ID, justification.encode())), true) {
				Ok(()) => log::debug!(target: LOG_TARGET, "Finalized #{number} ({ours:?})"),
				Err(e) => log::warn!(target: LOG_TARGET, "Cannot finalize #{number}: {e}"),
			}
		}
		if let Some(m) = &metrics {
			let info = client.info();
			let best_number: u64 = info.best_number.saturated_into();
			let finalized_number: u64 = info.finalized_number.saturated_into();
			m.lag.set(best_number.saturating_sub(finalized_number));
			m.finalized.set(finalized_number);
			if let Ok(status) = client.runtime_api().status(best) {
				m.received.inc_by(status.attestations_total.saturating_sub(received_seen));
				received_seen = received_seen.max(status.attestations_total);
			}
		}
	}
}

/// A block import that verifies the DPoA justification a block arrives with (from a peer) and
/// finalises the block with it; see the module docs.
pub struct FinalityBlockImport<B, I, C, BE> {
	inner: I,
	client: Arc<C>,
	metrics: Option<Metrics>,
	_phantom: PhantomData<(B, BE)>,
}

impl<B, I: Clone, C, BE> Clone for FinalityBlockImport<B, I, C, BE> {
	fn clone(&self) -> Self {
		Self {
			inner: self.inner.clone(),
			client: self.client.clone(),
			metrics: self.metrics.clone(),
			_phantom: PhantomData,
		}
	}
}

impl<B, I, C, BE> FinalityBlockImport<B, I, C, BE> {
	/// Wrap `inner`; `client` reads the runtime and finalises.
	pub fn new(inner: I, client: Arc<C>, metrics: Option<Metrics>) -> Self {
		Self { inner, client, metrics, _phantom: PhantomData }
	}
}

#[async_trait::async_trait]
impl<B, I, C, BE> BlockImport<B> for FinalityBlockImport<B, I, C, BE>
where
	B: BlockT,
	BE: Backend<B> + 'static,
	I: BlockImport<B, Error = sp_consensus::Error> + Send + Sync,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + Finalizer<B, BE> + Send + Sync + 'static,
	C::Api: DpoaFinalityApi<B>,
{
	type Error = sp_consensus::Error;

	async fn check_block(&self, block: BlockCheckParams<B>) -> Result<ImportResult, Self::Error> {
		self.inner.check_block(block).await
	}

	async fn import_block(&self, mut block: BlockImportParams<B>) -> Result<ImportResult, Self::Error> {
		let hash = block.post_hash();
		let number: NumberFor<B> = *block.header.number();
		// Stored only once verified: taken out before the inner import.
		let justification = block.justifications.as_mut().and_then(|j| {
			let ours = j.get(DPOA_ENGINE_ID).cloned();
			j.remove(DPOA_ENGINE_ID);
			ours
		});
		if block.justifications.as_ref().is_some_and(|j| j.iter().next().is_none()) {
			block.justifications = None;
		}
		let justification = justification.map(|bytes| DpoaJustification::decode(&mut &bytes[..]));
		let mut result = self.inner.import_block(block).await?;
		let (ImportResult::Imported(aux), Some(justification)) = (&mut result, justification) else {
			return Ok(result);
		};
		let number: u32 = number.saturated_into();
		let verified = justification
			.map_err(|e| format!("undecodable: {e}"))
			.and_then(|j| verify_justification(&*self.client, hash, number, hash, &j).map(|()| j));
		match verified {
			Ok(j) => match self.client.finalize_block(hash, Some((DPOA_ENGINE_ID, j.encode())), true) {
				Ok(()) => {
					log::info!(target: LOG_TARGET, "✅ Verified the justification of #{number} ({hash:?}) and finalized it");
					if let Some(m) = &self.metrics {
						m.verified.inc();
					}
				},
				Err(e) => log::warn!(target: LOG_TARGET, "Cannot finalize #{number} with its justification: {e}"),
			},
			Err(e) => {
				log::warn!(target: LOG_TARGET, "❌ Bad justification of #{number} ({hash:?}): {e}");
				aux.bad_justification = true;
				if let Some(m) = &self.metrics {
					m.rejected.inc();
				}
			},
		}
		Ok(result)
	}
}

#[cfg(test)]
mod tests {
	use super::*;
	use sp_core::{Pair, H256};

	fn signed(seed: u8, number: u32, hash: u8) -> SignedAttestation {
		let pair = sp_core::sr25519::Pair::from_seed(&[seed; 32]);
		let attestation = Attestation { session: 0, number, hash: H256::repeat_byte(hash) };
		SignedAttestation { attestation, validator: pair.public(), signature: pair.sign(&attestation.payload()) }
	}

	#[test]
	fn a_lost_attestation_is_sent_again_and_one_on_chain_never() {
		// Never sent: sign it, whatever the highest justified block is.
		assert!(needs_attestation(false, None, 20));
		// Accepted by the pool, not on chain yet: wait RESEND_AFTER blocks, then send again.
		let accepted = Some(retry_from(true, 20));
		assert!(!needs_attestation(false, accepted, 20));
		assert!(!needs_attestation(false, accepted, 20 + RESEND_AFTER - 1));
		assert!(needs_attestation(false, accepted, 20 + RESEND_AFTER));
		// On chain: never again.
		assert!(!needs_attestation(true, None, 20));
		assert!(!needs_attestation(true, accepted, 20 + RESEND_AFTER));
	}

	#[test]
	fn a_refused_attestation_is_sent_again_at_the_next_block() {
		let refused = Some(retry_from(false, 20));
		assert!(!needs_attestation(false, refused, 20));
		assert!(needs_attestation(false, refused, 21));
		assert!(!needs_attestation(true, refused, 21));
	}

	#[test]
	fn two_hashes_at_one_height_are_reported_once() {
		let mut detector = EquivocationDetector::default();
		assert_eq!(detector.observe(signed(1, 5, 1)), None);
		// The same attestation again (in another block) is not an equivocation.
		assert_eq!(detector.observe(signed(1, 5, 1)), None);
		// Another validator, or another height, neither.
		assert_eq!(detector.observe(signed(2, 5, 2)), None);
		assert_eq!(detector.observe(signed(1, 6, 2)), None);
		let (first, second) = detector.observe(signed(1, 5, 2)).expect("an equivocation");
		assert_eq!((first.attestation.hash, second.attestation.hash), (H256::repeat_byte(1), H256::repeat_byte(2)));
		assert_eq!(detector.observe(signed(1, 5, 3)), None, "reported once");
		// A forged signature is no evidence.
		let mut forged = signed(2, 5, 9);
		forged.signature = signed(3, 5, 9).signature;
		assert_eq!(detector.observe(forged), None);
		detector.prune(6);
		assert_eq!(detector.observe(signed(1, 5, 4)), None, "forgotten below the window");
	}
}
