//! The node's RPC extensions beside the standard Substrate RPCs.

use dpoa_runtime::{opaque::Block, AccountId, Balance, Nonce};
use jsonrpsee::RpcModule;
use sc_transaction_pool_api::TransactionPool;
use sp_api::ProvideRuntimeApi;
use sp_block_builder::BlockBuilder;
use sp_blockchain::{Error as BlockChainError, HeaderBackend, HeaderMetadata};
use std::sync::Arc;

/// What the RPC extensions need.
pub struct FullDeps<C, P> {
	/// The client.
	pub client: Arc<C>,
	/// The transaction pool.
	pub pool: Arc<P>,
}

/// The RPC extensions: account nonces (`system_accountNextIndex`), fee queries
/// (`payment_queryInfo`) and the DPoA finality status (`dpoa_finalityStatus`).
pub fn create_full<C, P>(
	deps: FullDeps<C, P>,
) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block>
		+ HeaderBackend<Block>
		+ HeaderMetadata<Block, Error = BlockChainError>
		+ Send
		+ Sync
		+ 'static,
	C::Api: substrate_frame_rpc_system::AccountNonceApi<Block, AccountId, Nonce>,
	C::Api: pallet_transaction_payment_rpc::TransactionPaymentRuntimeApi<Block, Balance>,
	C::Api: BlockBuilder<Block>,
	C::Api: dpoa_consensus_primitives::finality::DpoaFinalityApi<Block>,
	P: TransactionPool + 'static,
{
	use pallet_transaction_payment_rpc::{TransactionPayment, TransactionPaymentApiServer};
	use substrate_frame_rpc_system::{System, SystemApiServer};

	let mut module = RpcModule::new(());
	let FullDeps { client, pool } = deps;
	module.merge(System::new(client.clone(), pool).into_rpc())?;
	module.merge(TransactionPayment::new(client.clone()).into_rpc())?;
	module.merge(finality_status(client)?)?;
	Ok(module)
}

/// `dpoa_finalityStatus`: the last finalised block, the best block, the attested weight of
/// pending blocks, and the session's validators with their weights (at the best block).
///
/// ```json
/// {"best": {"number": 12, "hash": "0x…"}, "finalized": {"number": 11, "hash": "0x…"},
///  "lag": 1, "session": 0, "totalWeight": "…", "lastJustified": 11,
///  "validators": [{"account": "5F…", "weight": "…"}],
///  "pending": [{"number": 12, "hash": "0x…", "attestedWeight": "…", "attesters": ["5F…"]}],
///  "attestationsTotal": 33,
///  "justified": [{"number": 11, "hash": "0x…", "attesters": 3, "attestedWeight": "…",
///                 "sessionWeight": "…"}]}
/// ```
/// `justified` lists the blocks of the last 64 that reached a quorum, with the weight that
/// attested them when they did. Weights are decimal strings (they exceed JavaScript's safe
/// integers).
pub fn finality_status<C>(client: Arc<C>) -> Result<RpcModule<()>, Box<dyn std::error::Error + Send + Sync>>
where
	C: ProvideRuntimeApi<Block> + HeaderBackend<Block> + Send + Sync + 'static,
	C::Api: dpoa_consensus_primitives::finality::DpoaFinalityApi<Block>,
{
	use dpoa_consensus_primitives::finality::DpoaFinalityApi;
	use jsonrpsee::types::ErrorObjectOwned;
	use serde_json::json;
	use sp_core::crypto::Ss58Codec;
	let mut module = RpcModule::new(());
	module.register_method("dpoa_finalityStatus", move |_, _, _| {
		let info = client.info();
		let status = client
			.runtime_api()
			.status(info.best_hash)
			.map_err(|e| ErrorObjectOwned::owned(1, e.to_string(), None::<()>))?;
		let ss58 = |v: &sp_core::sr25519::Public| AccountId::from(*v).to_ss58check();
		// The recently justified blocks and the share of their session's weight that attested.
		let best: u32 = info.best_number;
		let justified = client
			.runtime_api()
			.justifications(info.best_hash, best.saturating_sub(64), 64)
			.unwrap_or_default()
			.into_iter()
			.map(|j| {
				let number = j.attestation.number;
				let (weight, total) = client
					.runtime_api()
					.validators_of(info.best_hash, number)
					.ok()
					.flatten()
					.map(|(_, set)| {
						let total: u128 = set.iter().map(|(_, w)| w).sum();
						let weight: u128 = j
							.signatures
							.iter()
							.filter_map(|(v, _)| set.iter().find(|(s, _)| s == v).map(|(_, w)| *w))
							.sum();
						(weight, total)
					})
					.unwrap_or_default();
				json!({
					"number": number,
					"hash": j.attestation.hash,
					"attesters": j.signatures.len(),
					"attestedWeight": weight.to_string(),
					"sessionWeight": total.to_string(),
				})
			})
			.collect::<Vec<_>>();
		Ok::<_, ErrorObjectOwned>(json!({
			"best": {"number": info.best_number, "hash": info.best_hash},
			"finalized": {"number": info.finalized_number, "hash": info.finalized_hash},
			"lag": info.best_number.saturating_sub(info.finalized_number),
			"session": status.session,
			"totalWeight": status.total_weight.to_string(),
			"lastJustified": status.last_justified,
			"checkpointInterval": status.checkpoint_interval,
			"validators": status.validators.iter().map(|(v, w)| json!({
				"account": ss58(v), "weight": w.to_string(),
			})).collect::<Vec<_>>(),
			"pending": status.pending.iter().map(|p| json!({
				"number": p.number,
				"hash": p.hash,
				"attestedWeight": p.attested_weight.to_string(),
				"attesters": p.attesters.iter().map(ss58).collect::<Vec<_>>(),
			})).collect::<Vec<_>>(),
			"attestationsTotal": status.attestations_total,
			"justified": justified,
		}))
	})?;
	Ok(module)
}
