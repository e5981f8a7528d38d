//! The node service: client, import queue, network, RPC, DPoA block authoring and finality.

use dpoa_consensus::{ImportQueueParams, SlotInherentProvider, SlotProportion, StartDpoaParams};
use dpoa_runtime::{apis::RuntimeApi, opaque::Block};
use codec::{Decode, Encode};
use futures::FutureExt;
use sc_client_api::Backend;
use sc_service::{error::Error as ServiceError, Configuration, TaskManager};
use sc_telemetry::{Telemetry, TelemetryWorker};
use sc_transaction_pool_api::OffchainTransactionPoolFactory;
use std::sync::Arc;

/// The host functions of the executor: with `runtime-benchmarks` the runtime also imports the
/// benchmarking host functions.
#[cfg(feature = "runtime-benchmarks")]
type HostFunctions =
	(sp_io::SubstrateHostFunctions, frame_benchmarking::benchmarking::HostFunctions);
#[cfg(not(feature = "runtime-benchmarks"))]
type HostFunctions = sp_io::SubstrateHostFunctions;

/// The full client.
pub type FullClient =
	sc_service::TFullClient<Block, RuntimeApi, sc_executor::WasmExecutor<HostFunctions>>;
type FullBackend = sc_service::TFullBackend<Block>;
type FullSelectChain = sc_consensus::LongestChain<FullBackend, Block>;

/// The parts of a node the subcommands need.
pub type Service = sc_service::PartialComponents<
	FullClient,
	FullBackend,
	FullSelectChain,
	sc_consensus::DefaultImportQueue<Block>,
	sc_transaction_pool::TransactionPoolHandle<Block, FullClient>,
	(Option<Telemetry>, Option<dpoa_consensus::finality::Metrics>),
>;

/// The runtime extrinsic of a finality call: a general transaction.
pub fn finality_extrinsic(call: dpoa_consensus::finality::FinalityCall) -> dpoa_runtime::UncheckedExtrinsic {
	use dpoa_consensus::finality::FinalityCall;
	let call = match call {
		FinalityCall::Attest(signed) =>
			dpoa_runtime::RuntimeCall::Finality(pallet_finality::Call::attest { signed }),
		FinalityCall::ReportEquivocation(first, second) => dpoa_runtime::RuntimeCall::Finality(
			pallet_finality::Call::report_equivocation { first, second },
		),
	};
	dpoa_runtime::general_transaction(call)
}

/// On a development chain the node holds every well-known dev account's key under the `dpoa`
/// key type, so that the single dev node attests for whichever of them the draw makes
/// validators and its blocks become final.
fn insert_dev_validator_keys(keystore: &sp_keystore::KeystorePtr) -> Result<(), ServiceError> {
	use sp_keyring::Sr25519Keyring;
	let seeds = Sr25519Keyring::iter()
		.map(|k| k.to_seed())
		.chain((1..=8).map(|i| format!("//{i}")));
	for seed in seeds {
		keystore
			.sr25519_generate_new(dpoa_consensus::KEY_TYPE, Some(&seed))
			.map_err(|e| ServiceError::Other(format!("cannot insert the dev key {seed}: {e}")))?;
	}
	Ok(())
}

/// Inherent data providers of a new block: the slot (for the slot worker) and the timestamp.
fn inherent_data_providers(
	slot_duration: dpoa_consensus::SlotDuration,
) -> (SlotInherentProvider, sp_timestamp::InherentDataProvider) {
	let timestamp = sp_timestamp::InherentDataProvider::from_system_time();
	let slot = SlotInherentProvider::from_timestamp(*timestamp, slot_duration);
	(slot, timestamp)
}

/// Build the client, the import queue and the transaction pool.
pub fn new_partial(config: &Configuration) -> Result<Service, ServiceError> {
	let telemetry = config
		.telemetry_endpoints
		.clone()
		.filter(|x| !x.is_empty())
		.map(|endpoints| -> Result<_, sc_telemetry::Error> {
			let worker = TelemetryWorker::new(16)?;
			let telemetry = worker.handle().new_telemetry(endpoints);
			Ok((worker, telemetry))
		})
		.transpose()?;

	let executor = sc_service::new_wasm_executor::<HostFunctions>(&config.executor);
	let (client, backend, keystore_container, task_manager) =
		sc_service::new_full_parts::<Block, RuntimeApi, _>(
			config,
			telemetry.as_ref().map(|(_, telemetry)| telemetry.handle()),
			executor,
			Vec::new(),
		)?;
	let client = Arc::new(client);

	let telemetry = telemetry.map(|(worker, telemetry)| {
		task_manager.spawn_handle().spawn("telemetry", None, worker.run());
		telemetry
	});

	let select_chain = sc_consensus::LongestChain::new(backend.clone());

	let transaction_pool = Arc::from(
		sc_transaction_pool::Builder::new(
			task_manager.spawn_essential_handle(),
			client.clone(),
			config.role.is_authority().into(),
		)
		.with_options(config.transaction_pool.clone())
		.with_prometheus(config.prometheus_registry())
		.build(),
	);

	let finality_metrics = config
		.prometheus_registry()
		.map(dpoa_consensus::finality::Metrics::register)
		.transpose()?;
	let slot_duration = dpoa_consensus::slot_duration(&*client)?;
	let import_queue = dpoa_consensus::import_queue(ImportQueueParams {
		block_import: dpoa_consensus::finality::FinalityBlockImport::new(
			client.clone(),
			client.clone(),
			finality_metrics.clone(),
		),
		justification_import: None,
		client: client.clone(),
		create_inherent_data_providers: move |_parent, ()| async move {
			Ok(inherent_data_providers(slot_duration))
		},
		spawner: &task_manager.spawn_essential_handle(),
		registry: config.prometheus_registry(),
		telemetry: telemetry.as_ref().map(|x| x.handle()),
	})?;

	Ok(sc_service::PartialComponents {
		client,
		backend,
		task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (telemetry, finality_metrics),
	})
}

/// Build and start a full node: network, RPC, offchain workers and, on an authority node,
/// DPoA block authoring.
pub fn new_full<N: sc_network::NetworkBackend<Block, <Block as sp_runtime::traits::Block>::Hash>>(
	config: Configuration,
) -> Result<TaskManager, ServiceError> {
	let sc_service::PartialComponents {
		client,
		backend,
		mut task_manager,
		import_queue,
		keystore_container,
		select_chain,
		transaction_pool,
		other: (mut telemetry, finality_metrics),
	} = new_partial(&config)?;

	let net_config = sc_network::config::FullNetworkConfiguration::<
		Block,
		<Block as sp_runtime::traits::Block>::Hash,
		N,
	>::new(&config.network, config.prometheus_registry().cloned());
	let metrics = N::register_notification_metrics(config.prometheus_registry());

	let (network, system_rpc_tx, tx_handler_controller, sync_service, _bitswap) =
		sc_service::build_network(sc_service::BuildNetworkParams {
			config: &config,
			net_config,
			client: client.clone(),
			transaction_pool: transaction_pool.clone(),
			spawn_handle: task_manager.spawn_handle(),
			spawn_essential_handle: task_manager.spawn_essential_handle(),
			import_queue,
			block_announce_validator_builder: None,
			warp_sync_config: None,
			block_relay: None,
			metrics,
			gap_sync_body_policy: None,
		})?;

	if config.offchain_worker.enabled {
		let offchain_workers =
			sc_offchain::OffchainWorkers::new(sc_offchain::OffchainWorkerOptions {
				runtime_api_provider: client.clone(),
				is_validator: config.role.is_authority(),
				keystore: Some(keystore_container.keystore()),
				offchain_db: backend.offchain_storage(),
				transaction_pool: Some(OffchainTransactionPoolFactory::new(
					transaction_pool.clone(),
				)),
				network_provider: Arc::new(network.clone()),
				enable_http_requests: false,
				custom_extensions: |_| vec![],
			})?;
		task_manager.spawn_handle().spawn(
			"offchain-workers-runner",
			"offchain-worker",
			offchain_workers.run(client.clone(), task_manager.spawn_handle()).boxed(),
		);
	}

	// Finality: every node finalises what the runtime justified; a node holding a session
	// validator's key attests new blocks.
	if config.chain_spec.chain_type() == sc_service::ChainType::Development {
		insert_dev_validator_keys(&keystore_container.keystore())?;
	}
	let submit: dpoa_consensus::finality::SubmitFn<Block> = {
		use sc_transaction_pool_api::{TransactionPool, TransactionSource};
		let pool = transaction_pool.clone();
		Arc::new(move |at, call| {
			let pool = pool.clone();
			let xt: sp_runtime::OpaqueExtrinsic = finality_extrinsic(call).into();
			async move {
				// Validate at `at`: a pool still at its parent would refuse the attestation of
				// `at` as from the future. The pool is brought to a new best block as the
				// attester hears of it, so this waits for milliseconds, at most a second.
				let _ = pool.ready_at_with_timeout(at, std::time::Duration::from_secs(1)).await;
				pool.submit_one(at, TransactionSource::Local, xt)
					.await
					.map(|_| ())
					.map_err(|e| e.to_string())
			}
			.boxed()
		})
	};
	let extract: dpoa_consensus::finality::ExtractFn<Block> = Arc::new(|xt| {
		let xt = dpoa_runtime::UncheckedExtrinsic::decode(&mut &xt.encode()[..]).ok()?;
		match xt.function {
			dpoa_runtime::RuntimeCall::Finality(pallet_finality::Call::attest { signed }) => Some(signed),
			_ => None,
		}
	});
	task_manager.spawn_essential_handle().spawn(
		"dpoa-finalizer",
		Some("finality"),
		dpoa_consensus::finality::run_finalizer::<_, FullBackend, _>(
			client.clone(),
			backend.clone(),
			finality_metrics.clone(),
			Some((extract, submit.clone())),
		),
	);
	task_manager.spawn_handle().spawn(
		"dpoa-attester",
		Some("finality"),
		dpoa_consensus::finality::run_attester(
			client.clone(),
			keystore_container.keystore(),
			submit,
			finality_metrics,
		),
	);

	let role = config.role;
	let force_authoring = config.force_authoring;
	let prometheus_registry = config.prometheus_registry().cloned();

	let rpc_extensions_builder = {
		let client = client.clone();
		let pool = transaction_pool.clone();
		Box::new(move |_| {
			let deps = crate::rpc::FullDeps { client: client.clone(), pool: pool.clone() };
			crate::rpc::create_full(deps).map_err(Into::into)
		})
	};

	let _rpc_handlers = sc_service::spawn_tasks(sc_service::SpawnTasksParams {
		network: network.clone(),
		client: client.clone(),
		keystore: keystore_container.keystore(),
		task_manager: &mut task_manager,
		transaction_pool: transaction_pool.clone(),
		rpc_builder: rpc_extensions_builder,
		backend,
		system_rpc_tx,
		tx_handler_controller,
		sync_service: sync_service.clone(),
		config,
		telemetry: telemetry.as_mut(),
		tracing_execute_block: None,
	})?;

	if role.is_authority() {
		let proposer_factory = sc_basic_authorship::ProposerFactory::new(
			task_manager.spawn_handle(),
			client.clone(),
			transaction_pool.clone(),
			prometheus_registry.as_ref(),
			telemetry.as_ref().map(|x| x.handle()),
		);
		let slot_duration = dpoa_consensus::slot_duration(&*client)?;
		let authoring = dpoa_consensus::start_dpoa(StartDpoaParams {
			slot_duration,
			block_import: client.clone(),
			client,
			select_chain,
			proposer_factory,
			sync_oracle: sync_service.clone(),
			justification_sync_link: sync_service.clone(),
			create_inherent_data_providers: move |_parent, ()| async move {
				Ok(inherent_data_providers(slot_duration))
			},
			force_authoring,
			keystore: keystore_container.keystore(),
			block_proposal_slot_portion: SlotProportion::new(2f32 / 3f32),
			telemetry: telemetry.as_ref().map(|x| x.handle()),
		});
		// Authoring is essential: if it fails, the node stops.
		task_manager
			.spawn_essential_handle()
			.spawn_blocking("dpoa-authoring", Some("block-authoring"), authoring);
	}

	Ok(task_manager)
}
