//! Block authoring: a slot worker that builds and seals a block in every slot whose author's
//! key the node's keystore holds.

use crate::{
	authorities,
	verification::{find_pre_digest, seal},
	AuthorityId, DpoaApi, PreDigest, Slot, SlotDuration, SlotProportion, KEY_TYPE, LOG_TARGET,
};
use dpoa_consensus_primitives::{slot_author, CompatibleDigestItem};
use futures::{Future, TryFutureExt};
use sc_client_api::backend::AuxStore;
use sc_consensus::{BlockImport, BlockImportParams, ForkChoiceStrategy, StateAction};
use sc_consensus_slots::{
	InherentDataProviderExt, SimpleSlotWorkerToSlotWorker, SlotInfo, StorageChanges,
};
use sc_telemetry::TelemetryHandle;
use sp_api::ProvideRuntimeApi;
use sp_application_crypto::ByteArray;
use sp_blockchain::HeaderBackend;
use sp_consensus::{BlockOrigin, Environment, Proposer, SelectChain, SyncOracle};
use sp_inherents::CreateInherentDataProviders;
use sp_keystore::KeystorePtr;
use sp_runtime::{
	traits::{Block as BlockT, Header as HeaderT},
	DigestItem,
};
use std::{pin::Pin, sync::Arc, time::Duration};

/// Parameters of [`start_dpoa`].
pub struct StartDpoaParams<C, SC, I, PF, SO, L, CIDP> {
	/// The slot duration (from the runtime).
	pub slot_duration: SlotDuration,
	/// The client.
	pub client: Arc<C>,
	/// Selects the chain to build on.
	pub select_chain: SC,
	/// Where authored blocks are imported.
	pub block_import: I,
	/// Builds block proposals.
	pub proposer_factory: PF,
	/// Tells whether the node is syncing (no authoring then).
	pub sync_oracle: SO,
	/// Lets the sync service request justifications.
	pub justification_sync_link: L,
	/// Yields the slot and the inherent data of a new block.
	pub create_inherent_data_providers: CIDP,
	/// Author even while syncing or without peers.
	pub force_authoring: bool,
	/// The keystore holding the `dpoa` authority key.
	pub keystore: KeystorePtr,
	/// The share of a slot given to building the block.
	pub block_proposal_slot_portion: SlotProportion,
	/// Telemetry.
	pub telemetry: Option<TelemetryHandle>,
}

/// Start authoring: the returned future runs the slot worker until the node stops.
pub fn start_dpoa<B, C, SC, I, PF, SO, L, CIDP, Error>(
	StartDpoaParams {
		slot_duration,
		client,
		select_chain,
		block_import,
		proposer_factory,
		sync_oracle,
		justification_sync_link,
		create_inherent_data_providers,
		force_authoring,
		keystore,
		block_proposal_slot_portion,
		telemetry,
	}: StartDpoaParams<C, SC, I, PF, SO, L, CIDP>,
) -> impl Future<Output = ()>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + AuxStore + Send + Sync + 'static,
	C::Api: DpoaApi<B>,
	SC: SelectChain<B>,
	I: BlockImport<B> + Send + Sync + 'static,
	PF: Environment<B, Error = Error> + Send + Sync + 'static,
	PF::Proposer: Proposer<B, Error = Error>,
	SO: SyncOracle + Send + Sync + Clone,
	L: sc_consensus::JustificationSyncLink<B>,
	CIDP: CreateInherentDataProviders<B, ()> + Send + 'static,
	CIDP::InherentDataProviders: InherentDataProviderExt + Send,
	Error: std::error::Error + Send + From<sp_consensus::Error> + 'static,
{
	let worker = DpoaWorker {
		client,
		block_import,
		env: proposer_factory,
		keystore,
		sync_oracle: sync_oracle.clone(),
		justification_sync_link,
		force_authoring,
		block_proposal_slot_portion,
		telemetry,
		_phantom: std::marker::PhantomData::<fn() -> B>,
	};
	sc_consensus_slots::start_slot_worker(
		slot_duration,
		select_chain,
		SimpleSlotWorkerToSlotWorker(worker),
		sync_oracle,
		create_inherent_data_providers,
	)
}

struct DpoaWorker<B, C, E, I, SO, L> {
	client: Arc<C>,
	block_import: I,
	env: E,
	keystore: KeystorePtr,
	sync_oracle: SO,
	justification_sync_link: L,
	force_authoring: bool,
	block_proposal_slot_portion: SlotProportion,
	telemetry: Option<TelemetryHandle>,
	_phantom: std::marker::PhantomData<fn() -> B>,
}

/// What the worker claims a slot with: the author key, its index in the set and its VRF
/// signature over the slot.
#[derive(Clone, Debug)]
struct Claim {
	author: AuthorityId,
	index: u32,
	vrf_signature: dpoa_consensus_primitives::VrfSignature,
}

#[async_trait::async_trait]
impl<B, C, E, I, SO, L, Error> sc_consensus_slots::SimpleSlotWorker<B> for DpoaWorker<B, C, E, I, SO, L>
where
	B: BlockT,
	C: ProvideRuntimeApi<B> + HeaderBackend<B> + AuxStore + Send + Sync,
	C::Api: DpoaApi<B>,
	E: Environment<B, Error = Error> + Send + Sync,
	E::Proposer: Proposer<B, Error = Error>,
	I: BlockImport<B> + Send + Sync + 'static,
	SO: SyncOracle + Send + Clone + Sync,
	L: sc_consensus::JustificationSyncLink<B>,
	Error: std::error::Error + Send + From<sp_consensus::Error> + 'static,
{
	type BlockImport = I;
	type SyncOracle = SO;
	type JustificationSyncLink = L;
	type CreateProposer =
		Pin<Box<dyn Future<Output = Result<E::Proposer, sp_consensus::Error>> + Send + 'static>>;
	type Proposer = E::Proposer;
	type Claim = Claim;
	type AuxData = Vec<AuthorityId>;

	fn logging_target(&self) -> &'static str {
		LOG_TARGET
	}

	fn block_import(&mut self) -> &mut Self::BlockImport {
		&mut self.block_import
	}

	fn aux_data(&self, header: &B::Header, _slot: Slot) -> Result<Self::AuxData, sp_consensus::Error> {
		authorities(self.client.as_ref(), header.hash())
			.map_err(|e| sp_consensus::Error::ClientImport(e.to_string()))
	}

	fn authorities_len(&self, authorities: &Self::AuxData) -> Option<usize> {
		Some(authorities.len())
	}

	async fn claim_slot(
		&mut self,
		_header: &B::Header,
		slot: Slot,
		authorities: &Self::AuxData,
	) -> Option<Self::Claim> {
		let (index, author) = slot_author(slot, authorities)?;
		if !self.keystore.has_keys(&[(author.to_raw_vec(), KEY_TYPE)]) {
			return None;
		}
		let public: sp_core::sr25519::Public = author.clone().into();
		let sign_data = dpoa_consensus_primitives::slot_vrf_sign_data(slot);
		match self.keystore.sr25519_vrf_sign(KEY_TYPE, &public, &sign_data) {
			Ok(Some(vrf_signature)) => Some(Claim { author: author.clone(), index, vrf_signature }),
			other => {
				log::warn!(target: LOG_TARGET, "Cannot sign the VRF of slot {slot}: {other:?}");
				None
			},
		}
	}

	fn pre_digest_data(&self, slot: Slot, claim: &Self::Claim) -> Vec<DigestItem> {
		vec![DigestItem::dpoa_pre_digest(PreDigest {
			slot,
			authority_index: claim.index,
			vrf_signature: claim.vrf_signature.clone(),
		})]
	}

	async fn block_import_params(
		&self,
		header: B::Header,
		header_hash: &B::Hash,
		body: Vec<B::Extrinsic>,
		storage_changes: StorageChanges<B>,
		claim: Self::Claim,
		_authorities: Self::AuxData,
	) -> Result<BlockImportParams<B>, sp_consensus::Error> {
		let seal = seal(&self.keystore, &claim.author, header_hash.as_ref())
			.map_err(|e| sp_consensus::Error::CannotSign(e.to_string()))?;
		let mut import_block = BlockImportParams::new(BlockOrigin::Own, header);
		import_block.post_digests.push(seal);
		import_block.body = Some(body);
		import_block.state_action =
			StateAction::ApplyChanges(sc_consensus::StorageChanges::Changes(storage_changes));
		import_block.fork_choice = Some(ForkChoiceStrategy::LongestChain);
		Ok(import_block)
	}

	fn force_authoring(&self) -> bool {
		self.force_authoring
	}

	fn should_backoff(&self, _slot: Slot, _chain_head: &B::Header) -> bool {
		// The trading center is the only author: backing off would only stall the chain.
		false
	}

	fn sync_oracle(&mut self) -> &mut Self::SyncOracle {
		&mut self.sync_oracle
	}

	fn justification_sync_link(&mut self) -> &mut Self::JustificationSyncLink {
		&mut self.justification_sync_link
	}

	fn proposer(&mut self, block: &B::Header) -> Self::CreateProposer {
		Box::pin(
			self.env
				.init(block)
				.map_err(|e| sp_consensus::Error::ClientImport(format!("{e:?}"))),
		)
	}

	fn telemetry(&self) -> Option<TelemetryHandle> {
		self.telemetry.clone()
	}

	fn proposing_remaining_duration(&self, slot_info: &SlotInfo<B>) -> Duration {
		let parent_slot = find_pre_digest(&slot_info.chain_head).ok().map(|d| d.slot);
		sc_consensus_slots::proposing_remaining_duration(
			parent_slot,
			slot_info,
			&self.block_proposal_slot_portion,
			None,
			sc_consensus_slots::SlotLenienceType::Exponential,
			self.logging_target(),
		)
	}
}
