//! Benchmarks of the market pallet, at their worst case.

use super::*;
use energy_primitives::Role;
use frame_benchmarking::v2::*;
use frame_system::RawOrigin;

const QUANTITY: WattHours = 8_000;

fn node<T: Config>(name: &'static str, role: Role) -> T::AccountId {
	let who: T::AccountId = account(name, 0, 0);
	let meter: T::AccountId = account(name, 1, 0);
	T::BenchmarkHelper::register(&who, role, &meter);
	who
}

/// A contract a fresh producer (`tag`) proposes to a fresh consumer, both signatures made.
fn signed_contract<T: Config>(tag: u32) -> RelayedOf<T> {
	let producer_signer = T::BenchmarkHelper::signer();
	let producer = producer_signer.clone().into_account();
	T::BenchmarkHelper::register(&producer, Role::Producer, &account("producer-meter", tag, 0));
	let signer = T::BenchmarkHelper::signer();
	let consumer = signer.clone().into_account();
	T::BenchmarkHelper::register(&consumer, Role::Consumer, &account("consumer-meter", tag, 0));
	let now = frame_system::Pallet::<T>::block_number();
	let (window_start, window_end) = (now + 10u32.into(), now + 20u32.into());
	let acceptance = Acceptance {
		genesis_hash: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
		proposer: producer.clone(),
		nonce: 0,
		counterparty: consumer.clone(),
		side: Side::Producer,
		quantity_wh: QUANTITY,
		price: T::MinPrice::get(),
		window_start,
		window_end,
	};
	Relayed {
		proposer_signature: T::BenchmarkHelper::sign(&producer_signer, &acceptance.message()),
		signature: T::BenchmarkHelper::sign(&signer, &acceptance.message()),
		proposer: producer,
		counterparty: consumer,
		side: Side::Producer,
		quantity_wh: QUANTITY,
		price: T::MinPrice::get(),
		window_start,
		window_end,
		nonce: 0,
	}
}

/// A proposed contract of a fresh producer and consumer; returns (id, producer, consumer).
fn proposed<T: Config>(tag: u32) -> (ContractId, T::AccountId, T::AccountId) {
	let producer: T::AccountId = account("producer", tag, 0);
	let consumer: T::AccountId = account("consumer", tag, 0);
	T::BenchmarkHelper::register(&producer, Role::Producer, &account("producer-meter", tag, 0));
	T::BenchmarkHelper::register(&consumer, Role::Consumer, &account("consumer-meter", tag, 0));
	let now = frame_system::Pallet::<T>::block_number();
	let price = T::MinPrice::get().max(T::MaxPrice::get() / 2);
	Pallet::<T>::propose(
		RawOrigin::Signed(producer.clone()).into(),
		consumer.clone(),
		Side::Producer,
		QUANTITY,
		price,
		now + 10u32.into(),
		now + 20u32.into(),
	)
	.expect("valid proposal");
	(NextContractId::<T>::get() - 1, producer, consumer)
}

/// An attested contract in which both parties defaulted while liable (credit below the
/// initial): the costliest settlement.
fn attested<T: Config>(tag: u32) -> ContractId {
	let (id, producer, consumer) = proposed::<T>(tag);
	Pallet::<T>::accept(RawOrigin::Signed(consumer.clone()).into(), id).expect("accepts");
	Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
	// A first default is not liable (R6): spend it so the settlement's defaults are.
	T::Credits::record_trade(&producer, true);
	T::Credits::record_trade(&consumer, true);
	let mut contract = Contracts::<T>::get(id).expect("exists");
	contract.status = ContractStatus::Attested;
	contract.delivered_wh = Some(QUANTITY / 4);
	contract.consumed_wh = Some(QUANTITY / 2);
	Contracts::<T>::insert(id, contract);
	Pallet::<T>::enqueue_due(id);
	id
}

/// A settlement queue whose head page has one slot left and every id before it taken: the
/// contracts queued next straddle two pages, so the hook settling them finishes a page, removes
/// it and reads the next (the costliest way through the queue).
fn queue_at_page_end<T: Config>() {
	let taken = DUE_PAGE_SIZE - 1;
	let page = (0..ContractId::from(taken)).map(|i| ContractId::MAX - i).collect();
	let page = DuePage::truncate_from(page);
	DuePages::<T>::insert(0, page);
	DueQueue::<T>::put(DueCursor { head: 0, taken, tail: 0 });
}

/// An attested contract delivered and consumed in full by parties at the initial credit: a
/// plain settlement (no penalty, no credit change, no grid trade).
fn attested_plain<T: Config>(tag: u32) -> ContractId {
	let (id, _, consumer) = proposed::<T>(tag);
	Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");
	Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
	let mut contract = Contracts::<T>::get(id).expect("exists");
	contract.status = ContractStatus::Attested;
	contract.delivered_wh = Some(QUANTITY);
	contract.consumed_wh = Some(QUANTITY);
	Contracts::<T>::insert(id, contract);
	Pallet::<T>::enqueue_due(id);
	id
}

/// A block 10 blocks ahead whose expiry list holds `MaxOffersPerBlock - 1` offers; returns it.
fn nearly_full_expiry_list<T: Config>() -> BlockNumberFor<T> {
	let start = frame_system::Pallet::<T>::block_number() + 10u32.into();
	let full = T::MaxOffersPerBlock::get().saturating_sub(1);
	OffersExpiringAt::<T>::insert(
		start,
		BoundedVec::truncate_from((1_000..1_000 + full as u64).collect::<alloc::vec::Vec<_>>()),
	);
	start
}

/// A community of `10^e` registered prosumers besides the benchmark's own parties, for the
/// `scale_*` benchmarks; the events their registration left are cleared.
fn community<T: Config>(e: u32) {
	for i in 0..10u32.pow(e) {
		T::BenchmarkHelper::register(
			&account("member", i, 0),
			Role::Prosumer,
			&account("member-meter", i, 0),
		);
	}
	frame_system::Pallet::<T>::reset_events();
}

/// Reads `k` members' accounts spread over a community of `10^e` (the scale controls).
fn read_members<T: Config>(e: u32, k: u32) {
	let n = 10u32.pow(e);
	for i in 0..k {
		let member: T::AccountId = account("member", (i * 7919) % n, 0);
		core::hint::black_box(frame_system::Account::<T>::get(&member));
	}
}

/// `k` registered producer-consumer pairs (the scale controls).
fn fresh_pairs<T: Config>(k: u32) -> alloc::vec::Vec<(T::AccountId, T::AccountId)> {
	(0..k)
		.map(|i| {
			let producer: T::AccountId = account("producer", i, 0);
			let consumer: T::AccountId = account("consumer", i, 0);
			T::BenchmarkHelper::register(&producer, Role::Producer, &account("producer-meter", i, 0));
			T::BenchmarkHelper::register(&consumer, Role::Consumer, &account("consumer-meter", i, 0));
			(producer, consumer)
		})
		.collect()
}

/// Each pair proposes one contract (the scale controls).
fn propose_all<T: Config>(pairs: alloc::vec::Vec<(T::AccountId, T::AccountId)>) {
	let now = frame_system::Pallet::<T>::block_number();
	for (producer, consumer) in pairs {
		Pallet::<T>::propose(
			RawOrigin::Signed(producer).into(),
			consumer,
			Side::Producer,
			QUANTITY,
			T::MinPrice::get(),
			now + 10u32.into(),
			now + 20u32.into(),
		)
		.expect("valid proposal");
	}
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn propose() {
		let producer = node::<T>("producer", Role::Producer);
		let consumer = node::<T>("consumer", Role::Consumer);
		let now = frame_system::Pallet::<T>::block_number();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(producer),
			consumer,
			Side::Producer,
			QUANTITY,
			T::MinPrice::get(),
			now + 10u32.into(),
			now + 20u32.into(),
		);

		assert_eq!(NextContractId::<T>::get(), 1);
	}

	#[benchmark]
	fn accept() {
		let (id, _, consumer) = proposed::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert_eq!(Contracts::<T>::get(id).map(|c| c.status), Some(ContractStatus::AwaitingApproval));
	}

	/// A proposal with the counterparty's acceptance signature: the signature check, the
	/// proposal and the approval poll's opening.
	#[benchmark]
	fn propose_signed() {
		// The proposer's own signature is not needed: it is the transaction's origin.
		let c = signed_contract::<T>(0);
		let producer = c.proposer.clone();

		#[extrinsic_call]
		_(
			RawOrigin::Signed(c.proposer),
			c.counterparty,
			c.side,
			c.quantity_wh,
			c.price,
			c.window_start,
			c.window_end,
			c.nonce,
			c.signature,
		);

		assert_eq!(
			Contracts::<T>::get(0).map(|c| c.status),
			Some(ContractStatus::AwaitingApproval)
		);
		assert_eq!(ProposalNonces::<T>::get(&producer), 1);
	}

	/// A contract both parties signed, relayed by a third account: two signature checks, the
	/// proposal and the approval poll's opening.
	#[benchmark]
	fn relay_signed() {
		let c = signed_contract::<T>(0);
		let producer = c.proposer.clone();
		let relayer: T::AccountId = account("relayer", 0, 0);

		#[extrinsic_call]
		_(
			RawOrigin::Signed(relayer),
			c.proposer,
			c.proposer_signature,
			c.counterparty,
			c.side,
			c.quantity_wh,
			c.price,
			c.window_start,
			c.window_end,
			c.nonce,
			c.signature,
		);

		assert_eq!(
			Contracts::<T>::get(0).map(|c| c.status),
			Some(ContractStatus::AwaitingApproval)
		);
		assert_eq!(ProposalNonces::<T>::get(&producer), 1);
	}

	/// `n` contracts of distinct producers and consumers, relayed in one call.
	#[benchmark]
	fn relay_many(n: Linear<1, { T::MaxRelaysPerCall::get() }>) {
		let contracts: alloc::vec::Vec<RelayedOf<T>> = (0..n).map(signed_contract::<T>).collect();
		let contracts = BoundedVec::try_from(contracts).expect("at most MaxRelaysPerCall");
		let relayer: T::AccountId = account("relayer", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(relayer), contracts);

		assert_eq!(Contracts::<T>::iter().count(), n as usize);
		assert!(Contracts::<T>::iter_values().all(|c| c.status == ContractStatus::AwaitingApproval));
	}

	#[benchmark]
	fn reject() {
		let (id, _, consumer) = proposed::<T>(0);

		#[extrinsic_call]
		_(RawOrigin::Signed(consumer), id);

		assert!(Contracts::<T>::get(id).is_none());
	}

	/// Cancelling after acceptance also closes the approval poll.
	#[benchmark]
	fn cancel() {
		let (id, producer, consumer) = proposed::<T>(0);
		Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");

		#[extrinsic_call]
		_(RawOrigin::Signed(producer), id);

		assert!(Contracts::<T>::get(id).is_none());
	}

	/// The second reading, by the party's meter key: it opens the delivery poll.
	#[benchmark]
	fn report_reading() {
		let (id, _, consumer) = proposed::<T>(0);
		Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");
		Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 30u32.into(),
		);
		let mut contract = Contracts::<T>::get(id).expect("exists");
		contract.delivered_wh = Some(QUANTITY);
		Contracts::<T>::insert(id, contract);
		let meter: T::AccountId = account("consumer-meter", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(meter), id, Side::Consumer, QUANTITY / 2);

		assert_eq!(
			Contracts::<T>::get(id).map(|c| c.status),
			Some(ContractStatus::AwaitingAttestation)
		);
	}

	/// Both readings by the metering head-end in one call: the delivery poll opens.
	#[benchmark]
	fn report_readings() -> Result<(), BenchmarkError> {
		let (id, _, consumer) = proposed::<T>(0);
		Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");
		Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 30u32.into(),
		);
		let origin =
			T::MeterOrigin::try_successful_origin().map_err(|_| BenchmarkError::Weightless)?;

		#[extrinsic_call]
		_(origin as T::RuntimeOrigin, id, QUANTITY, QUANTITY / 2);

		let contract = Contracts::<T>::get(id).expect("exists");
		assert_eq!(contract.status, ContractStatus::AwaitingAttestation);
		assert_eq!((contract.delivered_wh, contract.consumed_wh), (Some(QUANTITY), Some(QUANTITY / 2)));
		Ok(())
	}

	/// Both readings missing: the contract's readings close at zero and the delivery poll
	/// opens.
	#[benchmark]
	fn close_readings() {
		let (id, _, consumer) = proposed::<T>(0);
		Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");
		Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
		let window_end = Contracts::<T>::get(id).expect("exists").window_end;
		frame_system::Pallet::<T>::set_block_number(
			window_end + T::ReadingPeriod::get() + 1u32.into(),
		);
		let anyone: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(anyone), id);

		let contract = Contracts::<T>::get(id).expect("exists");
		assert_eq!(contract.status, ContractStatus::AwaitingAttestation);
		assert_eq!((contract.delivered_wh, contract.consumed_wh), (Some(0), Some(0)));
	}

	#[benchmark]
	fn settle() {
		let id = attested::<T>(0);
		let anyone: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		_(RawOrigin::Signed(anyone), id);

		assert!(Contracts::<T>::get(id).is_none());
	}

	/// `n` settlements with penalties (see `attested`), queued across the end of a page.
	#[benchmark]
	fn on_initialize_settle(n: Linear<0, { T::MaxSettlementsPerBlock::get() }>) {
		queue_at_page_end::<T>();
		for tag in 0..n {
			attested::<T>(tag);
		}
		let block = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			<Pallet<T> as Hooks<_>>::on_initialize(block);
		}

		assert!(Pallet::<T>::due().is_empty());
	}

	/// `n` plain settlements (see `attested_plain`).
	#[benchmark]
	fn on_initialize_settle_plain(n: Linear<0, { T::MaxSettlementsPerBlock::get() }>) {
		queue_at_page_end::<T>();
		for tag in 0..n {
			attested_plain::<T>(tag);
		}
		let block = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			<Pallet<T> as Hooks<_>>::on_initialize(block);
		}

		assert!(Pallet::<T>::due().is_empty());
		assert_eq!(Contracts::<T>::iter().count(), 0);
	}

	/// The window's block already lists `MaxOffersPerBlock - 1` offers.
	#[benchmark]
	fn post_offer() {
		let producer = node::<T>("producer", Role::Producer);
		let start = nearly_full_expiry_list::<T>();

		#[extrinsic_call]
		_(RawOrigin::Signed(producer), Side::Producer, QUANTITY, Some(T::MinPrice::get()), start, start);

		assert!(Offers::<T>::contains_key(0));
	}

	/// The offer is last in a full expiry list.
	#[benchmark]
	fn cancel_offer() {
		let producer = node::<T>("producer", Role::Producer);
		let start = nearly_full_expiry_list::<T>();
		Pallet::<T>::post_offer(
			RawOrigin::Signed(producer.clone()).into(),
			Side::Producer,
			QUANTITY,
			Some(T::MinPrice::get()),
			start,
			start,
		)
		.expect("posts");

		#[extrinsic_call]
		_(RawOrigin::Signed(producer), 0);

		assert!(!Offers::<T>::contains_key(0));
	}

	/// `n` offers expire in the block (no settlement due).
	#[benchmark]
	fn on_initialize_expire(n: Linear<0, { T::MaxOffersPerBlock::get() }>) {
		let start = frame_system::Pallet::<T>::block_number() + 10u32.into();
		for i in 0..n {
			let owner: T::AccountId = account("owner", i, 0);
			T::BenchmarkHelper::register(&owner, Role::Prosumer, &account("owner-meter", i, 0));
			Pallet::<T>::post_offer(
				RawOrigin::Signed(owner).into(),
				Side::Consumer,
				QUANTITY,
				None,
				start,
				start,
			)
			.expect("posts");
		}

		#[block]
		{
			<Pallet<T> as Hooks<_>>::on_initialize(start);
		}

		assert_eq!(Offers::<T>::iter().count(), 0);
	}

	// The `scale_*` benchmarks repeat the trading calls and settlement with `10^e` other nodes
	// registered (10 to 100,000) to show that their cost does not grow with the community
	// (docs/PERFORMANCE.md, `scripts/bench-scale.sh`). They are `extra`: the weights do not
	// use them.

	/// Control: nothing but the community; what the benchmark harness itself costs at `10^e`.
	#[benchmark(extra)]
	fn scale_control_empty(e: Linear<1, 5>) {
		community::<T>(e);

		#[block]
		{}
	}

	/// Control: one read of an existing account's registry-made record (the first member's
	/// contract counter slot, a storage map of the community's size).
	#[benchmark(extra)]
	fn scale_control_read(e: Linear<1, 5>) {
		community::<T>(e);
		let member: T::AccountId = account("member", 0, 0);

		#[block]
		{
			core::hint::black_box(frame_system::Account::<T>::get(&member));
		}
	}

	/// Control: `k = 100` reads of distinct members' accounts (spread over the community); with
	/// `scale_control_reads_5000` it separates the cost per read from what a measured block
	/// pays once (scripts/scale-report.py).
	#[benchmark(extra)]
	fn scale_control_reads_100(e: Linear<1, 5>) {
		community::<T>(e);

		#[block]
		{
			read_members::<T>(e, 100);
		}
	}

	/// Control: `k = 5000` reads, as `scale_control_reads_100`.
	#[benchmark(extra)]
	fn scale_control_reads_5000(e: Linear<1, 5>) {
		community::<T>(e);

		#[block]
		{
			read_members::<T>(e, 5000);
		}
	}

	/// Control: 100 proposals by 100 fresh pairs; with `scale_control_proposes_5000` it gives
	/// the cost of one proposal without what a measured block pays once.
	#[benchmark(extra)]
	fn scale_control_proposes_100(e: Linear<1, 5>) {
		community::<T>(e);
		let pairs = fresh_pairs::<T>(100);

		#[block]
		{
			propose_all::<T>(pairs);
		}
	}

	/// Control: 5000 proposals, as `scale_control_proposes_100`.
	#[benchmark(extra)]
	fn scale_control_proposes_5000(e: Linear<1, 5>) {
		community::<T>(e);
		let pairs = fresh_pairs::<T>(5000);

		#[block]
		{
			propose_all::<T>(pairs);
		}
	}

	#[benchmark(extra)]
	fn scale_propose(e: Linear<1, 5>) {
		community::<T>(e);
		let producer = node::<T>("producer", Role::Producer);
		let consumer = node::<T>("consumer", Role::Consumer);
		let now = frame_system::Pallet::<T>::block_number();

		#[extrinsic_call]
		propose(
			RawOrigin::Signed(producer),
			consumer,
			Side::Producer,
			QUANTITY,
			T::MinPrice::get(),
			now + 10u32.into(),
			now + 20u32.into(),
		);

		assert_eq!(NextContractId::<T>::get(), 1);
	}

	#[benchmark(extra)]
	fn scale_accept(e: Linear<1, 5>) {
		community::<T>(e);
		let (id, _, consumer) = proposed::<T>(0);

		#[extrinsic_call]
		accept(RawOrigin::Signed(consumer), id);

		assert_eq!(Contracts::<T>::get(id).map(|c| c.status), Some(ContractStatus::AwaitingApproval));
	}

	#[benchmark(extra)]
	fn scale_report_reading(e: Linear<1, 5>) {
		community::<T>(e);
		let (id, _, consumer) = proposed::<T>(0);
		Pallet::<T>::accept(RawOrigin::Signed(consumer).into(), id).expect("accepts");
		Pallet::<T>::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
		frame_system::Pallet::<T>::set_block_number(
			frame_system::Pallet::<T>::block_number() + 30u32.into(),
		);
		let mut contract = Contracts::<T>::get(id).expect("exists");
		contract.delivered_wh = Some(QUANTITY);
		Contracts::<T>::insert(id, contract);
		let meter: T::AccountId = account("consumer-meter", 0, 0);

		#[extrinsic_call]
		report_reading(RawOrigin::Signed(meter), id, Side::Consumer, QUANTITY / 2);

		assert_eq!(
			Contracts::<T>::get(id).map(|c| c.status),
			Some(ContractStatus::AwaitingAttestation)
		);
	}

	#[benchmark(extra)]
	fn scale_post_offer(e: Linear<1, 5>) {
		community::<T>(e);
		let producer = node::<T>("producer", Role::Producer);
		let start = nearly_full_expiry_list::<T>();

		#[extrinsic_call]
		post_offer(
			RawOrigin::Signed(producer),
			Side::Producer,
			QUANTITY,
			Some(T::MinPrice::get()),
			start,
			start,
		);

		assert!(Offers::<T>::contains_key(0));
	}

	/// Settlement of a contract both parties defaulted on while liable: credit deductions, both
	/// penalties and their distribution over the community.
	#[benchmark(extra)]
	fn scale_settle(e: Linear<1, 5>) {
		community::<T>(e);
		let id = attested::<T>(0);
		let anyone: T::AccountId = account("anyone", 0, 0);

		#[extrinsic_call]
		settle(RawOrigin::Signed(anyone), id);

		assert!(Contracts::<T>::get(id).is_none());
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
