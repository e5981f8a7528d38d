//! The import queue: verifies DPoA blocks before they are imported.

use crate::{
	authorities,
	verification::{check_equivocation, check_header},
	DpoaApi, Error, LOG_TARGET,
};
use sc_client_api::{backend::AuxStore, UsageProvider};
use sc_consensus::{
	block_import::{BlockImport, BlockImportParams, ForkChoiceStrategy},
	import_queue::{BasicQueue, BoxJustificationImport, DefaultImportQueue, Verifier},
};
use sc_consensus_slots::InherentDataProviderExt;
use sc_telemetry::{telemetry, TelemetryHandle, CONSENSUS_INFO, CONSENSUS_TRACE};
use sp_api::{ApiExt, ProvideRuntimeApi};
use sp_block_builder::BlockBuilder as BlockBuilderApi;
use sp_blockchain::{HeaderBackend, HeaderMetadata};
use sp_inherents::{CreateInherentDataProviders, InherentDataProvider as _};
use sp_runtime::traits::{Block as BlockT, Header as HeaderT};
use std::sync::Arc;
use substrate_prometheus_endpoint::{register, Counter, CounterVec, Opts, PrometheusError, Registry, U64};

/// Prometheus metrics of the verifier.
#[derive(Clone)]
struct Metrics {
	equivocations: Counter<U64>,
	rejected: CounterVec<U64>,
}

impl Metrics {
	fn register(registry: &Registry) -> Result<Self, PrometheusError> {
		Ok(Self {
			equivocations: register(
				Counter::new(
					"dpoa_equivocations_total",
					"Blocks rejected because their author sealed another block in the same slot",
				)?,
				registry,
			)?,
			rejected: register(
				CounterVec::new(
					Opts::new("dpoa_rejected_blocks_total", "Blocks the DPoA verifier rejected"),
					&["reason"],
				)?,
				registry,
			)?,
		})
	}
}

/// Verifies that a block was sealed, in its slot, by the slot's author, and does not equivocate.
pub struct DpoaVerifier<C, CIDP> {
	client: Arc<C>,
	create_inherent_data_providers: CIDP,
	telemetry: Option<TelemetryHandle>,
	metrics: Option<Metrics>,
}

impl<C, CIDP> DpoaVerifier<C, CIDP> {
	/// A verifier over `client`; `create_inherent_data_providers` yields the wall-clock slot and
	/// the timestamp the block's inherents are checked against.
	pub fn new(
		client: Arc<C>,
		create_inherent_data_providers: CIDP,
		telemetry: Option<TelemetryHandle>,
		registry: Option<&Registry>,
	) -> Self {
		let metrics = registry.and_then(|r| match Metrics::register(r) {
			Ok(m) => Some(m),
			Err(e) => {
				log::warn!(target: LOG_TARGET, "Failed to register DPoA metrics: {e}");
				None
			},
		});
		Self { client, create_inherent_data_providers, telemetry, metrics }
	}

	fn count_rejection(&self, error: &Error) {
		let Some(metrics) = &self.metrics else { return };
		let reason = match error {
			Error::Unsealed => "unsealed",
			Error::BadSeal => "bad_seal",
			Error::BadSignature => "bad_signature",
			Error::BadVrf => "bad_vrf",
			Error::NoPreDigest | Error::MultiplePreDigests => "pre_digest",
			Error::FutureSlot { .. } => "future_slot",
			Error::WrongAuthorIndex { .. } => "wrong_author_index",
			Error::NoAuthorities => "no_authorities",
			Error::Equivocation { .. } => {
				metrics.equivocations.inc();
				"equivocation"
			},
			Error::CannotSign(_) | Error::Client(_) => "client",
		};
		metrics.rejected.with_label_values(&[reason]).inc();
	}
}

#[async_trait::async_trait]
impl<B, C, CIDP> Verifier<B> for DpoaVerifier<C, CIDP>
where
	B: BlockT,
	C: ProvideRuntimeApi<B>
		+ HeaderBackend<B>
		+ HeaderMetadata<B, Error = sp_blockchain::Error>
		+ AuxStore
		+ Send
		+ Sync,
	C::Api: BlockBuilderApi<B> + DpoaApi<B> + ApiExt<B>,
	CIDP: CreateInherentDataProviders<B, ()> + Send + Sync,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send + Sync,
{
	async fn verify(&self, mut block: BlockImportParams<B>) -> Result<BlockImportParams<B>, String> {
		// Blocks imported with their state (warp or state sync) were verified by whoever
		// produced that state; there is nothing to execute here.
		if block.with_state() || block.state_action.skip_execution_checks() {
			block.fork_choice = Some(ForkChoiceStrategy::Custom(block.with_state()));
			return Ok(block);
		}

		let hash = block.header.hash();
		let number = *block.header.number();
		let parent_hash = *block.header.parent_hash();
		let reject = |e: Error| {
			self.count_rejection(&e);
			log::warn!(target: LOG_TARGET, "❌ Rejected block #{number} ({hash:?}): {e}");
			telemetry!(
				self.telemetry;
				CONSENSUS_INFO;
				"dpoa.rejected_block";
				"hash" => ?hash,
				"reason" => e.to_string(),
			);
			format!("DPoA rejected block #{number} ({hash:?}): {e}")
		};

		let authorities = authorities(self.client.as_ref(), parent_hash).map_err(&reject)?;
		let inherent_data_providers = self
			.create_inherent_data_providers
			.create_inherent_data_providers(parent_hash, ())
			.await
			.map_err(|e| reject(Error::Client(e.to_string())))?;
		// One slot of clock drift is tolerated.
		let slot_now = inherent_data_providers.slot() + 1;

		let checked =
			check_header(slot_now, block.header.clone(), &authorities).map_err(&reject)?;
		check_equivocation(self.client.as_ref(), slot_now, &checked).map_err(&reject)?;

		if let Some(body) = block.body.take() {
			let new_block = B::new(checked.pre_header.clone(), body);
			if self
				.client
				.runtime_api()
				.has_api::<dyn BlockBuilderApi<B>>(parent_hash)
				.map_err(|e| reject(Error::Client(e.to_string())))?
			{
				let inherent_data = inherent_data_providers
					.create_inherent_data()
					.await
					.map_err(|e| reject(Error::Client(e.to_string())))?;
				sp_block_builder::check_inherents_with_data(
					self.client.clone(),
					parent_hash,
					new_block.clone(),
					&inherent_data_providers,
					inherent_data,
				)
				.await
				.map_err(|e| reject(Error::Client(format!("bad inherents: {e:?}"))))?;
			}
			let (_, body) = new_block.deconstruct();
			block.body = Some(body);
		}

		log::trace!(target: LOG_TARGET, "Checked #{number} ({hash:?}) in slot {}", checked.pre_digest.slot);
		telemetry!(
			self.telemetry;
			CONSENSUS_TRACE;
			"dpoa.checked_and_importing";
			"hash" => ?hash,
		);
		block.header = checked.pre_header;
		block.post_digests.push(checked.seal);
		block.fork_choice = Some(ForkChoiceStrategy::LongestChain);
		block.post_hash = Some(hash);
		Ok(block)
	}
}

/// Parameters of [`import_queue`].
pub struct ImportQueueParams<'a, B: BlockT, I, C, S, CIDP> {
	/// Where verified blocks go.
	pub block_import: I,
	/// Imports justifications (none until validator finality lands).
	pub justification_import: Option<BoxJustificationImport<B>>,
	/// The client.
	pub client: Arc<C>,
	/// Yields the wall-clock slot and the inherent data to check blocks against.
	pub create_inherent_data_providers: CIDP,
	/// Spawns the queue's task.
	pub spawner: &'a S,
	/// Prometheus registry for the queue's and the verifier's metrics.
	pub registry: Option<&'a Registry>,
	/// Telemetry.
	pub telemetry: Option<TelemetryHandle>,
}

/// The DPoA import queue: a [`BasicQueue`] with a [`DpoaVerifier`].
pub fn import_queue<B, I, C, S, CIDP>(
	ImportQueueParams {
		block_import,
		justification_import,
		client,
		create_inherent_data_providers,
		spawner,
		registry,
		telemetry,
	}: ImportQueueParams<B, I, C, S, CIDP>,
) -> Result<DefaultImportQueue<B>, sp_consensus::Error>
where
	B: BlockT,
	C: ProvideRuntimeApi<B>
		+ HeaderBackend<B>
		+ HeaderMetadata<B, Error = sp_blockchain::Error>
		+ AuxStore
		+ UsageProvider<B>
		+ Send
		+ Sync
		+ 'static,
	C::Api: BlockBuilderApi<B> + DpoaApi<B> + ApiExt<B>,
	I: BlockImport<B, Error = sp_consensus::Error> + Send + Sync + 'static,
	S: sp_core::traits::SpawnEssentialNamed,
	CIDP: CreateInherentDataProviders<B, ()> + Send + Sync + 'static,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send + Sync,
{
	let verifier = DpoaVerifier::new(client, create_inherent_data_providers, telemetry, registry);
	Ok(BasicQueue::new(verifier, Box::new(block_import), justification_import, spawner, registry))
}
