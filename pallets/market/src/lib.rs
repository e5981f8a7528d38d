//! # Market pallet
//!
//! Bilateral energy contracts between registered nodes (MODEL §3).
//!
//! ## Overview
//!
//! Either party proposes a contract (counterparty, quantity in Wh, price per kWh, delivery
//! window) with [`Pallet::propose`]; the counterparty accepts ([`Pallet::accept`]) or rejects it;
//! the proposer may cancel it until it is approved. Proposal and acceptance can also be one
//! transaction: the counterparty signs an [`Acceptance`] of the terms off chain and the proposer
//! submits it with [`Pallet::propose_signed`]; or both parties sign it and anyone, typically the
//! trading center batching many, submits it with [`Pallet::relay_signed`]. Acceptance opens an
//! approval poll for the session's validators (`Config::Verifier`); their verdict (or the trading
//! center's, after the deadline) comes back through [`energy_primitives::OnVerdict`]. On
//! approval the contract becomes active: both parties pay the contract fee to the trading
//! center, and what settlement may need is put on hold (MODEL §3, **Ours**): the consumer's
//! payment `Q * P` with the grid fee on `Q`, and each party's worst-case penalty `Q * P`. A
//! contract whose holds cannot be made is void.
//!
//! After the window closes each party's registered meter key (or `MeterOrigin`) reports its
//! reading ([`Pallet::report_reading`]), or the metering head-end (`MeterOrigin`) reports both
//! at once ([`Pallet::report_readings`]); with both in, the validators attest the delivered and
//! consumed quantities (a delivery poll), and the attested values are final. An attested
//! contract is settled by the block hook (within the weight of `MaxSettlementsPerBlock` costliest
//! settlements per block; plain ones, with no penalty, credit change or grid trade, cost less
//! and more of them fit) or at once
//! by anyone with [`Pallet::settle`]: credit is updated for both parties, penalties are computed
//! and paid into the penalty pool, the consumer pays for the energy transferred
//! (`min(delivered, consumed, Q)`) at the contract price and the grid fee on it, buys its
//! shortfall from the grid at the grid price, the producer's surplus is sold to the grid at the
//! feed-in price, and every hold is released.
//!
//! **Decisions (Ours):** the consumer's hold covers its payment at `max(P, grid price)` so that
//! the grid purchase can never fail; a deviation above `Q` (over-delivery or over-consumption)
//! is penalised as a deviation of at most `Q`, the bound the holds cover; the grid pays for a
//! surplus only if its account can (the event says whether it did).
//!
//! Producers publish supply offers and consumers demands ([`Pallet::post_offer`]) as notices
//! for counterparties; they expire when their delivery window starts.
//!
//! A reading that never comes does not keep the funds on hold for ever: once
//! `ReadingPeriod` blocks have passed after the window closed, anyone may close the readings
//! ([`Pallet::close_readings`]); a missing reading counts as zero energy (**Ours**: a meter that
//! does not report has not shown any delivery or consumption), and the validators attest the
//! quantities as usual, so they can still correct it.
//!
//! ## Invariants
//!
//! - The holds of every approved, unsettled contract are on its parties' accounts under
//!   [`HoldReason::Settlement`], and their sum per node equals its balance on hold for that
//!   reason.
//! - Every attested contract is in the settlement queue ([`DuePages`]), once; every other
//!   contract the queue holds is gone (settled with [`Pallet::settle`]).
//! - Every offer is in the expiry list of its window's first block; `OpenOffers` counts them.
//! - A contract awaiting approval has exactly one open approval poll.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(feature = "runtime-benchmarks")]
mod benchmarking;
#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use energy_primitives::{Balance, WattHours};
use energy_primitives::{
	credit::{energy_cost, split_penalty},
	CreditScore, OnVerdict, PenaltyPool, PollKind, Registry, Verdict, Verifier,
};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::{Fortitude, Precision, Preservation, Restriction},
	},
	weights::WeightMeter,
};
use frame_system::pallet_prelude::BlockNumberFor;
use sp_runtime::traits::{IdentifyAccount, Verify, Zero};

pub use pallet::*;
pub use weights::WeightInfo;

/// A contract's identifier.
pub type ContractId = u64;

/// How many contract ids a page of the settlement queue ([`DuePages`]) holds.
pub const DUE_PAGE_SIZE: u32 = 1024;

/// A page of the settlement queue.
pub type DuePage = BoundedVec<ContractId, ConstU32<DUE_PAGE_SIZE>>;

/// Where the settlement queue starts and ends: attested contracts are appended to the `tail`
/// page and settled from the `head` page on, in the order they were attested.
#[derive(
	Clone,
	Copy,
	Default,
	PartialEq,
	Eq,
	Debug,
	Encode,
	Decode,
	DecodeWithMemTracking,
	MaxEncodedLen,
	TypeInfo,
)]
pub struct DueCursor {
	/// The page the block hook settles from.
	pub head: u32,
	/// How many of the head page's contracts the hook has taken.
	pub taken: u32,
	/// The page attestations are appended to.
	pub tail: u32,
}

/// Sets up what the market's benchmarks need from the pallets it is coupled to.
#[cfg(feature = "runtime-benchmarks")]
pub trait BenchmarkHelper<AccountId, Signer, Signature> {
	/// Make `who` an active node with `role`, the largest capacity and meter key `meter`, and
	/// give it plenty of funds.
	fn register(who: &AccountId, role: energy_primitives::Role, meter: &AccountId);
	/// A new key pair's public key, to sign acceptances with.
	fn signer() -> Signer;
	/// `signer`'s signature of `message`.
	fn sign(signer: &Signer, message: &[u8]) -> Signature;
}

/// One contract both parties signed, as [`Pallet::relay_many`] records it: the arguments of
/// [`Pallet::relay_signed`].
#[derive(Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, TypeInfo)]
pub struct Relayed<AccountId, Signature, BlockNumber> {
	/// The proposing node.
	pub proposer: AccountId,
	/// The proposer's signature of [`Acceptance::message`] for these terms.
	pub proposer_signature: Signature,
	/// The counterparty.
	pub counterparty: AccountId,
	/// The proposer's side.
	pub side: Side,
	/// `Q_treaty`, in Wh.
	pub quantity_wh: WattHours,
	/// `P_treaty`, per kWh.
	pub price: Balance,
	/// The first block of the delivery window.
	pub window_start: BlockNumber,
	/// The last block of the delivery window.
	pub window_end: BlockNumber,
	/// The proposer's proposal nonce.
	pub nonce: u32,
	/// The counterparty's signature of the same message.
	pub signature: Signature,
}

/// A [`Relayed`] contract of the runtime `T`.
pub type RelayedOf<T> = Relayed<
	<T as frame_system::Config>::AccountId,
	<T as Config>::Signature,
	BlockNumberFor<T>,
>;

/// Where a contract is in its life.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum ContractStatus {
	/// Proposed; waiting for the counterparty.
	Proposed,
	/// Accepted; the validators are voting on it.
	AwaitingApproval,
	/// Approved, fees paid, funds on hold; delivery is due in its window, then readings.
	Active,
	/// Both readings are in; the validators attest the quantities.
	AwaitingAttestation,
	/// The quantities are final; settlement is due.
	Attested,
}

/// A bilateral energy contract.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Contract<AccountId, BlockNumber> {
	/// The seller.
	pub producer: AccountId,
	/// The buyer.
	pub consumer: AccountId,
	/// Whether the producer proposed it (else the consumer did).
	pub proposed_by_producer: bool,
	/// `Q_treaty`, in Wh.
	pub quantity_wh: WattHours,
	/// `P_treaty`, per kWh.
	pub price: Balance,
	/// The first block of the delivery window.
	pub window_start: BlockNumber,
	/// The last block of the delivery window.
	pub window_end: BlockNumber,
	/// Its status.
	pub status: ContractStatus,
	/// Held from the consumer while active.
	pub consumer_held: Balance,
	/// Held from the producer while active.
	pub producer_held: Balance,
	/// The producer's meter reading: delivered Wh.
	pub delivered_wh: Option<WattHours>,
	/// The consumer's meter reading: consumed Wh.
	pub consumed_wh: Option<WattHours>,
}

impl<AccountId: PartialEq, BlockNumber> Contract<AccountId, BlockNumber> {
	fn proposer(&self) -> &AccountId {
		if self.proposed_by_producer {
			&self.producer
		} else {
			&self.consumer
		}
	}

	fn counterparty(&self) -> &AccountId {
		if self.proposed_by_producer {
			&self.consumer
		} else {
			&self.producer
		}
	}
}

/// A published supply offer or demand (MODEL §3 step 2): a notice that counterparties read
/// before proposing a contract; it expires when its delivery window starts.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Offer<AccountId, BlockNumber> {
	/// Who published it.
	pub owner: AccountId,
	/// `Producer`: a supply offer; `Consumer`: a demand.
	pub side: Side,
	/// The quantity offered or wanted, in Wh.
	pub quantity_wh: WattHours,
	/// Supply: the asking price per kWh. Demand: the price cap per kWh, if any.
	pub price: Option<Balance>,
	/// The first block of the delivery window.
	pub window_start: BlockNumber,
	/// The last block of the delivery window.
	pub window_end: BlockNumber,
}

/// An offer's identifier.
pub type OfferId = u64;

/// Which side of a contract the proposer signs.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum Side {
	/// The proposer sells.
	Producer,
	/// The proposer buys.
	Consumer,
}

/// The domain that separates a counterparty's acceptance signature from any other message its
/// key signs: the signed message is this tag followed by the SCALE-encoded [`Acceptance`].
pub const ACCEPTANCE_CONTEXT: &[u8] = b"dpoa-market/acceptance";

/// What a counterparty signs off chain to accept a contract before it is proposed
/// ([`Pallet::propose_signed`]): the terms, who may propose them, with which of the proposer's
/// proposal nonces, on which chain. The nonce makes each signature good for one contract. For
/// a contract relayed by a third account ([`Pallet::relay_signed`]) the proposer signs the same
/// message.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Acceptance<AccountId, BlockNumber, Hash> {
	/// The chain's genesis hash.
	pub genesis_hash: Hash,
	/// Who proposes (submits) the contract.
	pub proposer: AccountId,
	/// The proposal nonce: at least the proposer's [`ProposalNonces`] entry when proposed.
	pub nonce: u32,
	/// Who signs: the counterparty.
	pub counterparty: AccountId,
	/// Whether the proposer sells (`Producer`) or buys (`Consumer`).
	pub side: Side,
	/// `Q_treaty`, in Wh.
	pub quantity_wh: WattHours,
	/// `P_treaty`, per kWh.
	pub price: Balance,
	/// The first block of the delivery window.
	pub window_start: BlockNumber,
	/// The last block of the delivery window.
	pub window_end: BlockNumber,
}

impl<AccountId: Encode, BlockNumber: Encode, Hash: Encode>
	Acceptance<AccountId, BlockNumber, Hash>
{
	/// The message the counterparty signs: [`ACCEPTANCE_CONTEXT`] and the encoded acceptance.
	pub fn message(&self) -> alloc::vec::Vec<u8> {
		let mut message = ACCEPTANCE_CONTEXT.to_vec();
		self.encode_to(&mut message);
		message
	}
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the market pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency contracts are paid and held in.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason, Balance = Balance>
			+ Mutate<Self::AccountId>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// Who may trade, with which role and capacity; the trading center's account.
		type Registry: Registry<Self::AccountId>;
		/// The validators' polls.
		type Verifier: Verifier;
		/// The lowest price per kWh a contract may carry.
		#[pallet::constant]
		type MinPrice: Get<Balance>;
		/// The highest price per kWh a contract may carry.
		#[pallet::constant]
		type MaxPrice: Get<Balance>;
		/// What each party pays the trading center when its contract is approved.
		#[pallet::constant]
		type ContractFee: Get<Balance>;
		/// The grid (wheeling) fee per kWh transferred, paid by the consumer to the trading
		/// center.
		#[pallet::constant]
		type GridFee: Get<Balance>;
		/// The most contracts a node may have open (proposed, awaiting approval or active).
		#[pallet::constant]
		type MaxOpenContracts: Get<u32>;
		/// The most contracts one [`Pallet::relay_many`] call records.
		#[pallet::constant]
		type MaxRelaysPerCall: Get<u32>;
		/// The credit records settlement updates.
		type Credits: CreditScore<Self::AccountId>;
		/// Where penalties are paid and distributed.
		type Penalties: PenaltyPool<Self::AccountId>;
		/// An origin trusted to report any meter reading (besides the parties' meter keys).
		type MeterOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// The grid operator's account: sells shortfalls, buys surpluses.
		type GridAccount: Get<Self::AccountId>;
		/// What the grid charges per kWh (a consumer's shortfall).
		#[pallet::constant]
		type GridPrice: Get<Balance>;
		/// What the grid pays per kWh (a producer's surplus).
		#[pallet::constant]
		type FeedInPrice: Get<Balance>;
		/// How many blocks after a delivery window closes its meters have to report; after
		/// that anyone may close the readings, a missing one counting as zero.
		#[pallet::constant]
		type ReadingPeriod: Get<BlockNumberFor<Self>>;
		/// The block hook's settlement budget, in costliest settlements: it settles as many due
		/// contracts as fit in the weight of this many settlements with penalties, charging
		/// each plain one its own lower weight.
		#[pallet::constant]
		type MaxSettlementsPerBlock: Get<u32>;
		/// The most offers and demands a node may have published at once.
		#[pallet::constant]
		type MaxOpenOffers: Get<u32>;
		/// The most offers whose windows start in the same block (they expire together).
		#[pallet::constant]
		type MaxOffersPerBlock: Get<u32>;
		/// A counterparty's signature of an [`Acceptance`] ([`Pallet::propose_signed`]).
		type Signature: Verify<Signer = Self::Signer> + Parameter;
		/// The public key behind a [`Config::Signature`]; it identifies the counterparty's
		/// account.
		type Signer: IdentifyAccount<AccountId = Self::AccountId> + Clone;
		/// Sets up registered, funded nodes and signing keys for the benchmarks.
		#[cfg(feature = "runtime-benchmarks")]
		type BenchmarkHelper: BenchmarkHelper<Self::AccountId, Self::Signer, Self::Signature>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// What an active contract's settlement may need.
		#[codec(index = 0)]
		Settlement,
	}

	/// The next contract's id.
	#[pallet::storage]
	pub type NextContractId<T> = StorageValue<_, ContractId, ValueQuery>;

	/// Contracts not yet settled.
	#[pallet::storage]
	pub type Contracts<T: Config> = StorageMap<
		_,
		Twox64Concat,
		ContractId,
		Contract<T::AccountId, BlockNumberFor<T>>,
		OptionQuery,
	>;

	/// The settlement queue's ends ([`DuePages`]).
	#[pallet::storage]
	pub type DueQueue<T> = StorageValue<_, DueCursor, ValueQuery>;

	/// The settlement queue: attested contracts in the order they were attested, in pages of
	/// [`DUE_PAGE_SIZE`] ids, from [`DueQueue`]'s head (less the ids it has taken) to its tail.
	/// A page is one storage item, so that an attestation and a block's settlements each read and
	/// write a page, not an item per contract. A contract settled with [`Pallet::settle`] stays
	/// in its page until the hook reaches it and finds it gone.
	#[pallet::storage]
	pub type DuePages<T> = StorageMap<_, Twox64Concat, u32, DuePage, ValueQuery>;

	/// The next offer's id.
	#[pallet::storage]
	pub type NextOfferId<T> = StorageValue<_, OfferId, ValueQuery>;

	/// Published offers and demands.
	#[pallet::storage]
	pub type Offers<T: Config> =
		StorageMap<_, Twox64Concat, OfferId, Offer<T::AccountId, BlockNumberFor<T>>, OptionQuery>;

	/// The offers that expire in each block (when their window starts).
	#[pallet::storage]
	pub type OffersExpiringAt<T: Config> = StorageMap<
		_,
		Twox64Concat,
		BlockNumberFor<T>,
		BoundedVec<OfferId, T::MaxOffersPerBlock>,
		ValueQuery,
	>;

	/// How many offers each node has published.
	#[pallet::storage]
	pub type OpenOffers<T: Config> = StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Each proposer's lowest usable proposal nonce: a counterparty's [`Acceptance`] for
	/// [`Pallet::propose_signed`] must name this or a higher one, and using it moves this past.
	#[pallet::storage]
	pub type ProposalNonces<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// How many open contracts each node has.
	#[pallet::storage]
	pub type OpenContracts<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, u32, ValueQuery>;

	/// Events of the market pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// A contract was proposed.
		ContractProposed {
			/// Its id.
			id: ContractId,
			/// The seller.
			producer: T::AccountId,
			/// The buyer.
			consumer: T::AccountId,
			/// `Q_treaty` in Wh.
			quantity_wh: WattHours,
			/// `P_treaty` per kWh.
			price: Balance,
		},
		/// The counterparty accepted; the validators vote on it.
		ContractAccepted {
			/// Its id.
			id: ContractId,
		},
		/// The counterparty rejected the proposal.
		ContractRejected {
			/// Its id.
			id: ContractId,
		},
		/// The proposer withdrew the contract before approval.
		ContractCancelled {
			/// Its id.
			id: ContractId,
		},
		/// The validators (or the trading center) approved; fees paid, funds held.
		ContractApproved {
			/// Its id.
			id: ContractId,
			/// Held from the consumer.
			consumer_held: Balance,
			/// Held from the producer.
			producer_held: Balance,
		},
		/// The validators (or the trading center) found the contract unreasonable.
		ContractDisapproved {
			/// Its id.
			id: ContractId,
		},
		/// Approved, but a party could not pay its fee or holds: the contract is void.
		ContractVoided {
			/// Its id.
			id: ContractId,
		},
		/// A meter reading was reported.
		ReadingReported {
			/// The contract.
			id: ContractId,
			/// Whose reading: the producer's (delivered) or the consumer's (consumed).
			side: Side,
			/// The quantity in Wh.
			quantity_wh: WattHours,
		},
		/// The reading period ran out with readings missing; they count as zero and the
		/// validators are asked to attest.
		ReadingsClosed {
			/// The contract.
			id: ContractId,
			/// Whether the producer's reading was missing.
			delivered_missing: bool,
			/// Whether the consumer's reading was missing.
			consumed_missing: bool,
		},
		/// The validators attested the quantities; settlement is due.
		DeliveryAttested {
			/// The contract.
			id: ContractId,
			/// Delivered by the producer, in Wh.
			delivered_wh: WattHours,
			/// Consumed by the consumer, in Wh.
			consumed_wh: WattHours,
		},
		/// A supply offer or demand was published.
		OfferPosted {
			/// Its id.
			id: OfferId,
			/// Who published it.
			owner: T::AccountId,
			/// Supply (`Producer`) or demand (`Consumer`).
			side: Side,
			/// The quantity in Wh.
			quantity_wh: WattHours,
			/// The asking price or price cap per kWh.
			price: Option<Balance>,
			/// The first block of the delivery window.
			window_start: BlockNumberFor<T>,
			/// The last block of the delivery window.
			window_end: BlockNumberFor<T>,
		},
		/// Its owner withdrew an offer.
		OfferCancelled {
			/// Its id.
			id: OfferId,
		},
		/// An offer's window started: it is gone.
		OfferExpired {
			/// Its id.
			id: OfferId,
		},
		/// A contract was settled and every hold released.
		ContractSettled {
			/// The contract.
			id: ContractId,
			/// Energy transferred between the parties, in Wh: `min(delivered, consumed, Q)`.
			transferred_wh: WattHours,
			/// Paid by the consumer to the producer at the contract price.
			payment: Balance,
			/// The grid fee paid to the trading center.
			grid_fee: Balance,
			/// Whether the producer defaulted.
			producer_default: bool,
			/// Whether the consumer defaulted.
			consumer_default: bool,
			/// The producer's penalty price per kWh.
			producer_penalty_price: Balance,
			/// The producer's penalty.
			producer_penalty: Balance,
			/// The consumer's penalty price per kWh.
			consumer_penalty_price: Balance,
			/// The consumer's penalty.
			consumer_penalty: Balance,
			/// Bought by the consumer from the grid, in Wh, at the grid price.
			bought_from_grid_wh: WattHours,
			/// Sold by the producer to the grid, in Wh, at the feed-in price.
			sold_to_grid_wh: WattHours,
			/// Whether the grid paid for the surplus (false: its account could not pay).
			grid_paid: bool,
		},
		/// A contract of a [`Pallet::relay_many`] call was not recorded; the others were.
		RelaySkipped {
			/// Its proposer.
			proposer: T::AccountId,
			/// The proposal nonce it named.
			nonce: u32,
			/// Why: the error [`Pallet::relay_signed`] would have returned.
			error: DispatchError,
		},
	}

	/// Errors of the market pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The caller is not an active node.
		NotActive,
		/// The counterparty is not an active node.
		CounterpartyNotActive,
		/// A node cannot contract with itself.
		SelfContract,
		/// The seller's role cannot supply.
		ProducerRoleMismatch,
		/// The buyer's role cannot consume.
		ConsumerRoleMismatch,
		/// The quantity is zero.
		ZeroQuantity,
		/// The quantity exceeds a party's declared capacity.
		QuantityTooLarge,
		/// The price lies outside the configured band.
		PriceOutOfBand,
		/// The window starts in the past or now, or ends before it starts.
		BadWindow,
		/// A party has `MaxOpenContracts` open contracts.
		TooManyOpenContracts,
		/// No such contract.
		ContractNotFound,
		/// The caller is not the contract's counterparty.
		NotCounterparty,
		/// The caller is not the contract's proposer.
		NotProposer,
		/// The contract is not in the state this call needs.
		WrongStatus,
		/// The delivery window has not closed yet.
		WindowNotClosed,
		/// The caller is neither the party's registered meter key nor the meter origin.
		NotMeter,
		/// This side's reading is already in.
		ReadingAlreadyReported,
		/// The contract is not attested yet.
		NotDue,
		/// A supply offer needs an asking price.
		PriceRequired,
		/// The caller has `MaxOpenOffers` offers published.
		TooManyOpenOffers,
		/// `MaxOffersPerBlock` offers already start in that block; pick another window.
		TooManyOffersInBlock,
		/// No such offer.
		OfferNotFound,
		/// The caller did not publish this offer.
		NotOfferOwner,
		/// The meters may still report: the reading period has not run out.
		ReadingPeriodNotOver,
		/// The counterparty's signature is not of these terms, this proposer, this nonce and this
		/// chain, or not by the counterparty.
		BadAcceptanceSignature,
		/// The proposer's signature is not of these terms, this counterparty, this nonce and
		/// this chain, or not by the proposer.
		BadProposerSignature,
		/// The proposal nonce is below the proposer's [`ProposalNonces`] entry (used already, or
		/// passed over) or is `u32::MAX`, which could not be moved past.
		StaleProposalNonce,
		/// A [`Pallet::relay_many`] call without contracts.
		NothingToRelay,
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Propose a contract to `counterparty`.
		///
		/// - Origin: signed, an active node whose role fits `side`.
		/// - `side`: whether the caller sells (`Producer`) or buys (`Consumer`).
		/// - `quantity_wh`: `Q_treaty`, at most both parties' declared capacities.
		/// - `price`: `P_treaty` per kWh, within `MinPrice..=MaxPrice`.
		/// - `window_start`, `window_end`: the delivery window, starting after this block.
		///
		/// Errors: [`Error::NotActive`], [`Error::CounterpartyNotActive`],
		/// [`Error::SelfContract`], [`Error::ProducerRoleMismatch`],
		/// [`Error::ConsumerRoleMismatch`], [`Error::ZeroQuantity`], [`Error::QuantityTooLarge`],
		/// [`Error::PriceOutOfBand`], [`Error::BadWindow`], [`Error::TooManyOpenContracts`].
		/// Emits [`Event::ContractProposed`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::propose())]
		#[allow(clippy::too_many_arguments)]
		pub fn propose(
			origin: OriginFor<T>,
			counterparty: T::AccountId,
			side: Side,
			quantity_wh: WattHours,
			price: Balance,
			window_start: BlockNumberFor<T>,
			window_end: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_propose(
				who,
				counterparty,
				side,
				quantity_wh,
				price,
				window_start,
				window_end,
				ContractStatus::Proposed,
			)?;
			Ok(())
		}

		/// Propose a contract that the counterparty has already accepted, in one transaction:
		/// the counterparty signed an [`Acceptance`] of these terms off chain, and the
		/// validators' approval poll opens at once. What [`Pallet::propose`] and
		/// [`Pallet::accept`] do as two transactions, for one transaction's overhead.
		///
		/// - Origin: signed, an active node whose role fits `side` (the proposer).
		/// - `counterparty`, `side`, `quantity_wh`, `price`, `window_start`, `window_end`: as
		///   for [`Pallet::propose`].
		/// - `nonce`: the proposal nonce the acceptance names: at least the caller's
		///   [`ProposalNonces`] entry, which this call sets to `nonce + 1`, so a signature serves
		///   once and an acceptance of a lower nonce than one used is void. Any increasing
		///   sequence below `u32::MAX` serves (the caller's account nonce, for one); a failed
		///   call spends none.
		/// - `signature`: the counterparty's signature of [`Acceptance::message`] for these
		///   terms, this chain's genesis hash, the caller and `nonce`.
		///
		/// Errors: [`Error::StaleProposalNonce`], [`Error::BadAcceptanceSignature`], those of
		/// [`Pallet::propose`], and the verifier's error if it cannot open a poll. Emits [`Event::ContractProposed`] and
		/// [`Event::ContractAccepted`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(9)]
		#[pallet::weight(
			<T as Config>::WeightInfo::propose_signed().saturating_add(T::Verifier::open_extra_weight())
		)]
		#[allow(clippy::too_many_arguments)]
		pub fn propose_signed(
			origin: OriginFor<T>,
			counterparty: T::AccountId,
			side: Side,
			quantity_wh: WattHours,
			price: Balance,
			window_start: BlockNumberFor<T>,
			window_end: BlockNumberFor<T>,
			nonce: u32,
			signature: T::Signature,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::do_propose_signed(
				who,
				None,
				counterparty,
				side,
				quantity_wh,
				price,
				window_start,
				window_end,
				nonce,
				signature,
			)
		}

		/// Record a contract both parties signed off chain, submitted by anyone: what
		/// [`Pallet::propose_signed`] does, with the proposer's consent given by its signature
		/// of the same [`Acceptance`] rather than by the transaction's origin. The trading
		/// center relays the contracts its nodes agree, many in a batch, so that no node needs
		/// a transaction of its own.
		///
		/// - Origin: signed, anyone (it pays the fee).
		/// - `proposer`: the proposing node; `proposer_signature`: its signature of
		///   [`Acceptance::message`] for these terms.
		/// - `counterparty`, `side`, `quantity_wh`, `price`, `window_start`, `window_end`,
		///   `nonce`, `signature`: as for [`Pallet::propose_signed`], `side` being the
		///   proposer's.
		///
		/// Errors: [`Error::BadProposerSignature`] and those of [`Pallet::propose_signed`].
		/// Emits [`Event::ContractProposed`] and [`Event::ContractAccepted`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(10)]
		#[pallet::weight(
			<T as Config>::WeightInfo::relay_signed().saturating_add(T::Verifier::open_extra_weight())
		)]
		#[allow(clippy::too_many_arguments)]
		pub fn relay_signed(
			origin: OriginFor<T>,
			proposer: T::AccountId,
			proposer_signature: T::Signature,
			counterparty: T::AccountId,
			side: Side,
			quantity_wh: WattHours,
			price: Balance,
			window_start: BlockNumberFor<T>,
			window_end: BlockNumberFor<T>,
			nonce: u32,
			signature: T::Signature,
		) -> DispatchResult {
			ensure_signed(origin)?;
			Self::do_propose_signed(
				proposer,
				Some(proposer_signature),
				counterparty,
				side,
				quantity_wh,
				price,
				window_start,
				window_end,
				nonce,
				signature,
			)
		}

		/// Record many contracts both parties signed, each as [`Pallet::relay_signed`] would:
		/// the trading center's batch. What every contract reads alike (the next contract id,
		/// the genesis hash, the verification session) is read once for the call, not once per
		/// contract as in a `utility` batch of `relay_signed`.
		///
		/// A contract that cannot be recorded is skipped with everything it did undone, and
		/// reported with [`Event::RelaySkipped`]; the others stand.
		///
		/// - Origin: signed, anyone (it pays the fee).
		/// - `contracts`: at most `MaxRelaysPerCall`.
		///
		/// Errors: [`Error::NothingToRelay`] if `contracts` is empty (nothing changed).
		/// Emits, per contract, [`Event::ContractProposed`] and [`Event::ContractAccepted`], or
		/// [`Event::RelaySkipped`].
		///
		/// Complexity: `O(n)`, `n` the contracts.
		#[pallet::call_index(12)]
		#[pallet::weight(
			<T as Config>::WeightInfo::relay_many(contracts.len() as u32).saturating_add(
				T::Verifier::open_extra_weight().saturating_mul(contracts.len() as u64),
			)
		)]
		pub fn relay_many(
			origin: OriginFor<T>,
			contracts: BoundedVec<RelayedOf<T>, T::MaxRelaysPerCall>,
		) -> DispatchResult {
			ensure_signed(origin)?;
			ensure!(!contracts.is_empty(), Error::<T>::NothingToRelay);
			for contract in contracts {
				let Relayed {
					proposer,
					proposer_signature,
					counterparty,
					side,
					quantity_wh,
					price,
					window_start,
					window_end,
					nonce,
					signature,
				} = contract;
				let recorded = frame_support::storage::with_storage_layer(|| {
					Self::do_propose_signed(
						proposer.clone(),
						Some(proposer_signature),
						counterparty,
						side,
						quantity_wh,
						price,
						window_start,
						window_end,
						nonce,
						signature,
					)
				});
				if let Err(error) = recorded {
					Self::deposit_event(Event::RelaySkipped { proposer, nonce, error });
				}
			}
			Ok(())
		}

		/// Accept a proposal as its counterparty; the session's validators then vote on it.
		///
		/// - Origin: signed, the counterparty.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::NotCounterparty`],
		/// [`Error::WrongStatus`], [`Error::NotActive`], and the verifier's error if it cannot
		/// open a poll. Emits [`Event::ContractAccepted`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(1)]
		#[pallet::weight(
			<T as Config>::WeightInfo::accept().saturating_add(T::Verifier::open_extra_weight())
		)]
		pub fn accept(origin: OriginFor<T>, id: ContractId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.counterparty() == &who, Error::<T>::NotCounterparty);
			ensure!(contract.status == ContractStatus::Proposed, Error::<T>::WrongStatus);
			ensure!(T::Registry::is_active(&who), Error::<T>::NotActive);
			T::Verifier::open(id, PollKind::Approval)?;
			contract.status = ContractStatus::AwaitingApproval;
			Contracts::<T>::insert(id, contract);
			Self::deposit_event(Event::ContractAccepted { id });
			Ok(())
		}

		/// Reject a proposal as its counterparty.
		///
		/// - Origin: signed, the counterparty.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::NotCounterparty`],
		/// [`Error::WrongStatus`]. Emits [`Event::ContractRejected`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::reject())]
		pub fn reject(origin: OriginFor<T>, id: ContractId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.counterparty() == &who, Error::<T>::NotCounterparty);
			ensure!(contract.status == ContractStatus::Proposed, Error::<T>::WrongStatus);
			Self::close(id, &contract);
			Self::deposit_event(Event::ContractRejected { id });
			Ok(())
		}

		/// Withdraw one's proposal before it is approved (closing its approval poll if open).
		///
		/// - Origin: signed, the proposer.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::NotProposer`],
		/// [`Error::WrongStatus`]. Emits [`Event::ContractCancelled`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::cancel())]
		pub fn cancel(origin: OriginFor<T>, id: ContractId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.proposer() == &who, Error::<T>::NotProposer);
			match contract.status {
				ContractStatus::Proposed => {},
				ContractStatus::AwaitingApproval => T::Verifier::cancel(id, PollKind::Approval),
				ContractStatus::Active |
				ContractStatus::AwaitingAttestation |
				ContractStatus::Attested => return Err(Error::<T>::WrongStatus.into()),
			}
			Self::close(id, &contract);
			Self::deposit_event(Event::ContractCancelled { id });
			Ok(())
		}

		/// Report a meter reading of an active contract after its delivery window: the
		/// producer's delivered or the consumer's consumed energy. With both readings in, the
		/// validators are asked to attest them.
		///
		/// - Origin: signed by the party's registered meter key, or `MeterOrigin`.
		/// - `side`: whose reading (`Producer`: delivered, `Consumer`: consumed).
		/// - `quantity_wh`: the metered energy in Wh.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::WrongStatus`],
		/// [`Error::WindowNotClosed`], [`Error::NotMeter`], [`Error::ReadingAlreadyReported`],
		/// and the verifier's error if it cannot open the poll. Emits [`Event::ReadingReported`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(4)]
		#[pallet::weight(
			<T as Config>::WeightInfo::report_reading().saturating_add(T::Verifier::open_extra_weight())
		)]
		pub fn report_reading(
			origin: OriginFor<T>,
			id: ContractId,
			side: Side,
			quantity_wh: WattHours,
		) -> DispatchResult {
			let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			let party = match side {
				Side::Producer => contract.producer.clone(),
				Side::Consumer => contract.consumer.clone(),
			};
			if T::MeterOrigin::try_origin(origin.clone()).is_err() {
				let meter = ensure_signed(origin)?;
				ensure!(T::Registry::node_of_meter(&meter) == Some(party), Error::<T>::NotMeter);
			}
			Self::record_reading(id, &mut contract, side, quantity_wh)?;
			Contracts::<T>::insert(id, contract);
			Ok(())
		}

		/// Report both meter readings of a contract at once, from the trading center's metering
		/// head-end: what two [`Pallet::report_reading`] calls do, for one read and one write of
		/// the contract.
		///
		/// - Origin: `MeterOrigin`.
		/// - `id`: the contract; `delivered_wh`, `consumed_wh`: the producer's and the
		///   consumer's metered energy in Wh.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::WrongStatus`],
		/// [`Error::WindowNotClosed`], [`Error::ReadingAlreadyReported`] (if either was), and
		/// the verifier's error if it cannot open the poll. Emits [`Event::ReadingReported`]
		/// for each side.
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(11)]
		#[pallet::weight(
			<T as Config>::WeightInfo::report_readings().saturating_add(T::Verifier::open_extra_weight())
		)]
		pub fn report_readings(
			origin: OriginFor<T>,
			id: ContractId,
			delivered_wh: WattHours,
			consumed_wh: WattHours,
		) -> DispatchResult {
			T::MeterOrigin::ensure_origin(origin)?;
			let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.status == ContractStatus::Active, Error::<T>::WrongStatus);
			// With one side in, the other's reading would complete the pair and move on.
			ensure!(
				contract.delivered_wh.is_none() && contract.consumed_wh.is_none(),
				Error::<T>::ReadingAlreadyReported
			);
			Self::record_reading(id, &mut contract, Side::Producer, delivered_wh)?;
			Self::record_reading(id, &mut contract, Side::Consumer, consumed_wh)?;
			Contracts::<T>::insert(id, contract);
			Ok(())
		}

		/// Settle an attested contract now instead of waiting for the block hook.
		///
		/// - Origin: signed, anyone.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::NotDue`]. Emits
		/// [`Event::ContractSettled`].
		///
		/// Complexity: `O(1)` (the penalty distribution does not depend on the number of nodes).
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::settle())]
		pub fn settle(origin: OriginFor<T>, id: ContractId) -> DispatchResult {
			ensure_signed(origin)?;
			let contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.status == ContractStatus::Attested, Error::<T>::NotDue);
			Self::do_settle(id, contract).map(|_| ())
		}

		/// Publish a supply offer (`side = Producer`, with an asking price) or a demand
		/// (`side = Consumer`, with an optional price cap). It is a notice: counterparties
		/// propose contracts to its owner; it expires when its window starts.
		///
		/// - Origin: signed, an active node whose role fits `side`.
		/// - `quantity_wh`: at most the caller's declared capacity.
		/// - `price`: within `MinPrice..=MaxPrice`; required for a supply offer.
		/// - `window_start`, `window_end`: the delivery window, starting after this block.
		///
		/// Errors: [`Error::NotActive`], [`Error::ProducerRoleMismatch`],
		/// [`Error::ConsumerRoleMismatch`], [`Error::ZeroQuantity`], [`Error::QuantityTooLarge`],
		/// [`Error::PriceRequired`], [`Error::PriceOutOfBand`], [`Error::BadWindow`],
		/// [`Error::TooManyOpenOffers`], [`Error::TooManyOffersInBlock`].
		/// Emits [`Event::OfferPosted`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::post_offer())]
		pub fn post_offer(
			origin: OriginFor<T>,
			side: Side,
			quantity_wh: WattHours,
			price: Option<Balance>,
			window_start: BlockNumberFor<T>,
			window_end: BlockNumberFor<T>,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let role = T::Registry::active_role(&who).ok_or(Error::<T>::NotActive)?;
			match side {
				Side::Producer => ensure!(role.can_supply(), Error::<T>::ProducerRoleMismatch),
				Side::Consumer => ensure!(role.can_consume(), Error::<T>::ConsumerRoleMismatch),
			}
			ensure!(quantity_wh > 0, Error::<T>::ZeroQuantity);
			ensure!(
				quantity_wh <= T::Registry::capacity_wh(&who).unwrap_or_default(),
				Error::<T>::QuantityTooLarge
			);
			ensure!(side == Side::Consumer || price.is_some(), Error::<T>::PriceRequired);
			Self::ensure_terms(price, window_start, window_end)?;
			ensure!(
				OpenOffers::<T>::get(&who) < T::MaxOpenOffers::get(),
				Error::<T>::TooManyOpenOffers
			);
			let id = NextOfferId::<T>::get();
			OffersExpiringAt::<T>::try_mutate(window_start, |ids| ids.try_push(id))
				.map_err(|_| Error::<T>::TooManyOffersInBlock)?;
			NextOfferId::<T>::put(id.saturating_add(1));
			OpenOffers::<T>::mutate(&who, |n| *n = n.saturating_add(1));
			Offers::<T>::insert(
				id,
				Offer { owner: who.clone(), side, quantity_wh, price, window_start, window_end },
			);
			Self::deposit_event(Event::OfferPosted {
				id,
				owner: who,
				side,
				quantity_wh,
				price,
				window_start,
				window_end,
			});
			Ok(())
		}

		/// Withdraw one's offer or demand.
		///
		/// - Origin: signed, the offer's owner.
		///
		/// Errors: [`Error::OfferNotFound`], [`Error::NotOfferOwner`].
		/// Emits [`Event::OfferCancelled`].
		///
		/// Complexity: `O(MaxOffersPerBlock)` (it leaves its block's expiry list).
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::cancel_offer())]
		pub fn cancel_offer(origin: OriginFor<T>, id: OfferId) -> DispatchResult {
			let who = ensure_signed(origin)?;
			let offer = Offers::<T>::get(id).ok_or(Error::<T>::OfferNotFound)?;
			ensure!(offer.owner == who, Error::<T>::NotOfferOwner);
			OffersExpiringAt::<T>::mutate_exists(offer.window_start, |ids| {
				if let Some(list) = ids {
					list.retain(|x| *x != id);
					if list.is_empty() {
						*ids = None;
					}
				}
			});
			Self::remove_offer(id, &offer);
			Self::deposit_event(Event::OfferCancelled { id });
			Ok(())
		}

		/// Close the readings of an active contract whose meters did not both report within
		/// `ReadingPeriod` blocks after its window: a missing reading counts as zero and the
		/// delivery poll opens, so that the validators attest the quantities as usual.
		///
		/// - Origin: signed, anyone.
		///
		/// Errors: [`Error::ContractNotFound`], [`Error::WrongStatus`] (not active: not approved
		/// yet, or both readings already in), [`Error::ReadingPeriodNotOver`], and the verifier's
		/// error if it cannot open the poll. Emits [`Event::ReadingsClosed`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(8)]
		#[pallet::weight(
			<T as Config>::WeightInfo::close_readings().saturating_add(T::Verifier::open_extra_weight())
		)]
		pub fn close_readings(origin: OriginFor<T>, id: ContractId) -> DispatchResult {
			ensure_signed(origin)?;
			let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
			ensure!(contract.status == ContractStatus::Active, Error::<T>::WrongStatus);
			ensure!(
				frame_system::Pallet::<T>::block_number() >
					sp_runtime::Saturating::saturating_add(contract.window_end, T::ReadingPeriod::get()),
				Error::<T>::ReadingPeriodNotOver
			);
			let delivered_missing = contract.delivered_wh.is_none();
			let consumed_missing = contract.consumed_wh.is_none();
			contract.delivered_wh.get_or_insert(0);
			contract.consumed_wh.get_or_insert(0);
			T::Verifier::open(id, PollKind::Delivery)?;
			contract.status = ContractStatus::AwaitingAttestation;
			Contracts::<T>::insert(id, contract);
			Self::deposit_event(Event::ReadingsClosed { id, delivered_missing, consumed_missing });
			Ok(())
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn on_initialize(n: BlockNumberFor<T>) -> Weight {
			let expiring = OffersExpiringAt::<T>::take(n);
			let expired = expiring.len() as u32;
			for id in expiring {
				if let Some(offer) = Offers::<T>::get(id) {
					Self::remove_offer(id, &offer);
					Self::deposit_event(Event::OfferExpired { id });
				}
			}
			<T as Config>::WeightInfo::on_initialize_expire(expired)
				.saturating_add(Self::settle_due())
		}

		fn integrity_test() {
			assert!(T::MinPrice::get() <= T::MaxPrice::get(), "MinPrice must not exceed MaxPrice");
			assert!(T::MaxOpenContracts::get() > 0, "MaxOpenContracts must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Settle due contracts within the hook's budget, the weight of `MaxSettlementsPerBlock`
	/// costliest settlements, in the order they were attested; the weight used. A plain
	/// settlement (see [`Self::do_settle`]) is charged its own, lower weight, so more of them
	/// fit. A settlement that fails leaves its contract attested, and it goes to the back of the
	/// queue to be retried.
	fn settle_due() -> Weight {
		let info = |n| <T as Config>::WeightInfo::on_initialize_settle(n);
		let plain = |n| <T as Config>::WeightInfo::on_initialize_settle_plain(n);
		let base = info(0).max(plain(0));
		let per = info(1).saturating_sub(info(0));
		let per_plain = plain(1).saturating_sub(plain(0)).min(per);
		let max = u64::from(T::MaxSettlementsPerBlock::get());
		let budget = per.ref_time().saturating_mul(max);
		// The most that can fit, if all are plain.
		let fit = budget.checked_div(per_plain.ref_time()).unwrap_or(max).max(max);
		// Proof size is the same for both kinds: it bounds the count to what the time allows.
		let mut meter = WeightMeter::with_limit(base.saturating_add(Weight::from_parts(
			budget,
			per.proof_size().saturating_mul(fit.saturating_add(1)),
		)));
		meter.consume(base);
		let mut cursor = DueQueue::<T>::get();
		let queued = DuePages::<T>::decode_len(cursor.head).unwrap_or(0);
		if cursor.head == cursor.tail && queued <= cursor.taken as usize {
			return meter.consumed();
		}
		let mut page = DuePages::<T>::get(cursor.head);
		let start = cursor;
		let mut retry = alloc::vec::Vec::new();
		loop {
			let Some(&id) = page.get(cursor.taken as usize) else {
				if cursor.head == cursor.tail {
					break;
				}
				// The head page is done: on to the next.
				DuePages::<T>::remove(cursor.head);
				cursor.head = cursor.head.wrapping_add(1);
				cursor.taken = 0;
				page = DuePages::<T>::get(cursor.head);
				continue;
			};
			// Room for the costliest kind is needed before settling; the kind is known after.
			if !meter.can_consume(per) {
				break;
			}
			cursor.taken = cursor.taken.saturating_add(1);
			match Contracts::<T>::get(id) {
				Some(contract) if contract.status == ContractStatus::Attested => {
					// A failure leaves the contract attested; it goes to the back of the queue.
					let settled = frame_support::storage::with_storage_layer(|| {
						Self::do_settle(id, contract)
					});
					if settled.is_err() {
						retry.push(id);
					}
					meter.consume(if settled == Ok(true) { per_plain } else { per });
				},
				Some(_) => {
					defensive!("a queued contract is attested or gone");
					meter.consume(per_plain);
				},
				// Settled with `settle` since it was queued.
				None => meter.consume(per_plain),
			}
		}
		if cursor != start {
			DueQueue::<T>::put(cursor);
		}
		for id in retry {
			Self::enqueue_due(id);
		}
		meter.consumed()
	}

	/// Append an attested contract to the settlement queue.
	fn enqueue_due(id: ContractId) {
		let mut cursor = DueQueue::<T>::get();
		if DuePages::<T>::try_append(cursor.tail, id).is_ok() {
			return;
		}
		// The tail page is full: start the next.
		cursor.tail = cursor.tail.wrapping_add(1);
		DueQueue::<T>::put(cursor);
		if DuePages::<T>::try_append(cursor.tail, id).is_err() {
			defensive!("a new page has room");
		}
	}

	/// The contracts waiting in the settlement queue, in order (some may have been settled with
	/// [`Pallet::settle`] since): for tests and checks, it reads every page.
	#[cfg(any(test, feature = "try-runtime", feature = "runtime-benchmarks"))]
	pub fn due() -> alloc::vec::Vec<ContractId> {
		let cursor = DueQueue::<T>::get();
		let mut due = alloc::vec::Vec::new();
		let mut page = cursor.head;
		let mut skip = cursor.taken as usize;
		loop {
			due.extend(DuePages::<T>::get(page).into_iter().skip(skip));
			if page == cursor.tail {
				return due;
			}
			page = page.wrapping_add(1);
			skip = 0;
		}
	}

	/// Record `side`'s reading of `quantity_wh` on `contract` (`id`), which must be active
	/// with its window over; with both readings in, open its delivery poll. The caller stores
	/// the contract.
	fn record_reading(
		id: ContractId,
		contract: &mut Contract<T::AccountId, BlockNumberFor<T>>,
		side: Side,
		quantity_wh: WattHours,
	) -> DispatchResult {
		ensure!(contract.status == ContractStatus::Active, Error::<T>::WrongStatus);
		ensure!(
			frame_system::Pallet::<T>::block_number() > contract.window_end,
			Error::<T>::WindowNotClosed
		);
		let slot = match side {
			Side::Producer => &mut contract.delivered_wh,
			Side::Consumer => &mut contract.consumed_wh,
		};
		ensure!(slot.is_none(), Error::<T>::ReadingAlreadyReported);
		*slot = Some(quantity_wh);
		if contract.delivered_wh.is_some() && contract.consumed_wh.is_some() {
			T::Verifier::open(id, PollKind::Delivery)?;
			contract.status = ContractStatus::AwaitingAttestation;
		}
		Self::deposit_event(Event::ReadingReported { id, side, quantity_wh });
		Ok(())
	}

	/// [`Pallet::propose_signed`] for proposer `who`, whose consent is the transaction's
	/// origin or, if given, `proposer_signature` of the acceptance.
	#[allow(clippy::too_many_arguments)]
	fn do_propose_signed(
		who: T::AccountId,
		proposer_signature: Option<T::Signature>,
		counterparty: T::AccountId,
		side: Side,
		quantity_wh: WattHours,
		price: Balance,
		window_start: BlockNumberFor<T>,
		window_end: BlockNumberFor<T>,
		nonce: u32,
		signature: T::Signature,
	) -> DispatchResult {
		ensure!(nonce >= ProposalNonces::<T>::get(&who), Error::<T>::StaleProposalNonce);
		// The last nonce could not be moved past, so it would serve again: it is never valid.
		let next = nonce.checked_add(1).ok_or(Error::<T>::StaleProposalNonce)?;
		let acceptance = Acceptance {
			genesis_hash: frame_system::Pallet::<T>::block_hash(BlockNumberFor::<T>::zero()),
			proposer: who.clone(),
			nonce,
			counterparty: counterparty.clone(),
			side,
			quantity_wh,
			price,
			window_start,
			window_end,
		};
		let message = acceptance.message();
		if let Some(proposer_signature) = proposer_signature {
			ensure!(
				proposer_signature.verify(&message[..], &who),
				Error::<T>::BadProposerSignature
			);
		}
		ensure!(signature.verify(&message[..], &counterparty), Error::<T>::BadAcceptanceSignature);
		ProposalNonces::<T>::insert(&who, next);
		let id = Self::do_propose(
			who,
			counterparty,
			side,
			quantity_wh,
			price,
			window_start,
			window_end,
			ContractStatus::AwaitingApproval,
		)?;
		T::Verifier::open(id, PollKind::Approval)?;
		Self::deposit_event(Event::ContractAccepted { id });
		Ok(())
	}

	/// Check a proposal's terms and record it with `status`; its id.
	#[allow(clippy::too_many_arguments)]
	fn do_propose(
		who: T::AccountId,
		counterparty: T::AccountId,
		side: Side,
		quantity_wh: WattHours,
		price: Balance,
		window_start: BlockNumberFor<T>,
		window_end: BlockNumberFor<T>,
		status: ContractStatus,
	) -> Result<ContractId, DispatchError> {
		let own_role = T::Registry::active_role(&who).ok_or(Error::<T>::NotActive)?;
		let their_role =
			T::Registry::active_role(&counterparty).ok_or(Error::<T>::CounterpartyNotActive)?;
		ensure!(who != counterparty, Error::<T>::SelfContract);
		let (producer, consumer, producer_role, consumer_role) = match side {
			Side::Producer => (who.clone(), counterparty, own_role, their_role),
			Side::Consumer => (counterparty, who.clone(), their_role, own_role),
		};
		ensure!(producer_role.can_supply(), Error::<T>::ProducerRoleMismatch);
		ensure!(consumer_role.can_consume(), Error::<T>::ConsumerRoleMismatch);
		ensure!(quantity_wh > 0, Error::<T>::ZeroQuantity);
		let capacity = |a: &T::AccountId| T::Registry::capacity_wh(a).unwrap_or_default();
		ensure!(
			quantity_wh <= capacity(&producer) && quantity_wh <= capacity(&consumer),
			Error::<T>::QuantityTooLarge
		);
		Self::ensure_terms(Some(price), window_start, window_end)?;
		for party in [&producer, &consumer] {
			ensure!(
				OpenContracts::<T>::get(party) < T::MaxOpenContracts::get(),
				Error::<T>::TooManyOpenContracts
			);
		}
		for party in [&producer, &consumer] {
			OpenContracts::<T>::mutate(party, |n| *n = n.saturating_add(1));
		}
		let id = NextContractId::<T>::mutate(|next| {
			let id = *next;
			*next = next.saturating_add(1);
			id
		});
		Contracts::<T>::insert(
			id,
			Contract {
				producer: producer.clone(),
				consumer: consumer.clone(),
				proposed_by_producer: side == Side::Producer,
				quantity_wh,
				price,
				window_start,
				window_end,
				status,
				consumer_held: 0,
				producer_held: 0,
				delivered_wh: None,
				consumed_wh: None,
			},
		);
		Self::deposit_event(Event::ContractProposed { id, producer, consumer, quantity_wh, price });
		Ok(id)
	}

	/// A price (if any) within `MinPrice..=MaxPrice` and a window that starts after this block
	/// and does not end before it starts.
	fn ensure_terms(
		price: Option<Balance>,
		window_start: BlockNumberFor<T>,
		window_end: BlockNumberFor<T>,
	) -> DispatchResult {
		if let Some(price) = price {
			ensure!(
				price >= T::MinPrice::get() && price <= T::MaxPrice::get(),
				Error::<T>::PriceOutOfBand
			);
		}
		let now = frame_system::Pallet::<T>::block_number();
		ensure!(window_start > now && window_end >= window_start, Error::<T>::BadWindow);
		Ok(())
	}

	/// Remove an offer and free its owner's slot.
	fn remove_offer(id: OfferId, offer: &Offer<T::AccountId, BlockNumberFor<T>>) {
		Offers::<T>::remove(id);
		OpenOffers::<T>::mutate_exists(&offer.owner, |n| {
			*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
		});
	}

	/// Remove a contract that holds nothing and free its parties' open-contract slots.
	fn close(id: ContractId, contract: &Contract<T::AccountId, BlockNumberFor<T>>) {
		Contracts::<T>::remove(id);
		for party in [&contract.producer, &contract.consumer] {
			OpenContracts::<T>::mutate_exists(party, |n| {
				*n = n.and_then(|n| n.checked_sub(1)).filter(|n| *n > 0)
			});
		}
	}

	/// What activation holds: (from the consumer, from the producer).
	pub fn holds_for(quantity_wh: WattHours, price: Balance) -> (Balance, Balance) {
		let value = energy_cost(price, quantity_wh);
		// The consumer pays for at most Q: from the producer at the contract price, or from
		// the grid at the grid price when the producer falls short, plus the grid fee.
		let payment = energy_cost(price.max(T::GridPrice::get()), quantity_wh);
		let grid_fee = energy_cost(T::GridFee::get(), quantity_wh);
		// Each party's worst-case penalty: the penalty price never exceeds the contract price
		// and the deviation counts up to Q (MODEL §3, Ours).
		let consumer = payment.saturating_add(grid_fee).saturating_add(value);
		(consumer, value)
	}

	/// Pay the fees and put the holds on; all or nothing.
	fn activate(
		id: ContractId,
		contract: &mut Contract<T::AccountId, BlockNumberFor<T>>,
	) -> DispatchResult {
		let center = T::Registry::trading_center();
		let fee = T::ContractFee::get();
		if let Some(center) = &center {
			if fee > 0 {
				for party in [&contract.producer, &contract.consumer] {
					T::Currency::transfer(party, center, fee, Preservation::Preserve)?;
				}
			}
		}
		let (consumer_held, producer_held) = Self::holds_for(contract.quantity_wh, contract.price);
		let reason = HoldReason::Settlement.into();
		T::Currency::hold(&reason, &contract.consumer, consumer_held)?;
		T::Currency::hold(&reason, &contract.producer, producer_held)?;
		contract.consumer_held = consumer_held;
		contract.producer_held = producer_held;
		contract.status = ContractStatus::Active;
		Self::deposit_event(Event::ContractApproved { id, consumer_held, producer_held });
		Ok(())
	}

	/// Release an active contract's holds (used when a contract ends).
	pub fn release_holds(contract: &Contract<T::AccountId, BlockNumberFor<T>>) -> DispatchResult {
		let reason = HoldReason::Settlement.into();
		T::Currency::release(&reason, &contract.consumer, contract.consumer_held, Precision::Exact)?;
		T::Currency::release(&reason, &contract.producer, contract.producer_held, Precision::Exact)?;
		Ok(())
	}

	/// Settle an attested contract (MODEL §3 step 5, §4, §6, §7): credit, penalties and their
	/// distribution, payment, grid fallback, grid fee; then release every hold and close it.
	/// `Ok(true)` if it was plain: no penalty, no credit change, no energy to or from the grid
	/// (what `on_initialize_settle_plain` weighs).
	fn do_settle(
		id: ContractId,
		contract: Contract<T::AccountId, BlockNumberFor<T>>,
	) -> Result<bool, DispatchError> {
		let q = contract.quantity_wh;
		let delivered = contract.delivered_wh.unwrap_or_default();
		let consumed = contract.consumed_wh.unwrap_or_default();
		let (producer, consumer) = (&contract.producer, &contract.consumer);
		let params = T::Credits::params();
		let reason: T::RuntimeHoldReason = HoldReason::Settlement.into();
		let center = T::Registry::trading_center();

		// Credit (R2-R6).
		let producer_default = params.is_default(q, delivered);
		let consumer_default = params.is_default(q, consumed);
		let producer_change = T::Credits::record_trade(producer, producer_default);
		let consumer_change = T::Credits::record_trade(consumer, consumer_default);

		// Penalty prices and penalties (§6), the deviation counted up to Q (the holds' bound).
		let penalty = |who: &T::AccountId, change: Option<energy_primitives::CreditChange>, dealt| {
			match change {
				Some(change) if change.liable => {
					let price = params.penalty_price(
						change.after,
						T::Credits::verification_credit(who),
						contract.price,
					);
					(price, energy_cost(price, q.abs_diff(dealt).min(q)))
				},
				_ => (0, 0),
			}
		};
		let (producer_penalty_price, producer_penalty) = penalty(producer, producer_change, delivered);
		let (consumer_penalty_price, consumer_penalty) = penalty(consumer, consumer_change, consumed);

		// Energy and money between the parties, the grid and the trading center.
		let transferred = delivered.min(consumed).min(q);
		let payment = energy_cost(contract.price, transferred);
		let grid_fee = energy_cost(T::GridFee::get(), transferred);
		let bought_from_grid = consumed.min(q).saturating_sub(transferred);
		let sold_to_grid = delivered.min(q).saturating_sub(transferred);
		let grid = T::GridAccount::get();
		let on_hold = |from: &T::AccountId, to: &T::AccountId, amount: Balance| -> DispatchResult {
			if amount > 0 {
				T::Currency::transfer_on_hold(
					&reason,
					from,
					to,
					amount,
					Precision::Exact,
					Restriction::Free,
					Fortitude::Polite,
				)?;
			}
			Ok(())
		};
		on_hold(consumer, producer, payment)?;
		on_hold(consumer, &grid, energy_cost(T::GridPrice::get(), bought_from_grid))?;
		if let Some(center) = &center {
			on_hold(consumer, center, grid_fee)?;
		}
		let pot = T::Penalties::pot();
		for (payer, amount, other, other_defaulted) in [
			(producer, producer_penalty, consumer, consumer_default),
			(consumer, consumer_penalty, producer, producer_default),
		] {
			if amount == 0 {
				continue;
			}
			on_hold(payer, &pot, amount)?;
			let split = split_penalty(&params, amount, other_defaulted);
			let counterparty = (split.counterparty > 0).then_some((other, split.counterparty));
			T::Penalties::distribute(counterparty, split.community, &[producer, consumer]);
		}
		// The grid buys the producer's surplus at the feed-in price, if its account can pay.
		let feed_in = energy_cost(T::FeedInPrice::get(), sold_to_grid);
		let grid_paid = feed_in == 0 ||
			T::Currency::transfer(&grid, producer, feed_in, Preservation::Preserve).is_ok();

		// Release what is left on hold for this contract.
		let paid_by_consumer = payment
			.saturating_add(energy_cost(T::GridPrice::get(), bought_from_grid))
			.saturating_add(if center.is_some() { grid_fee } else { 0 })
			.saturating_add(consumer_penalty);
		T::Currency::release(
			&reason,
			consumer,
			contract.consumer_held.saturating_sub(paid_by_consumer),
			Precision::Exact,
		)?;
		T::Currency::release(
			&reason,
			producer,
			contract.producer_held.saturating_sub(producer_penalty),
			Precision::Exact,
		)?;
		Self::close(id, &contract);
		Self::deposit_event(Event::ContractSettled {
			id,
			transferred_wh: transferred,
			payment,
			grid_fee,
			producer_default,
			consumer_default,
			producer_penalty_price,
			producer_penalty,
			consumer_penalty_price,
			consumer_penalty,
			bought_from_grid_wh: bought_from_grid,
			sold_to_grid_wh: sold_to_grid,
			grid_paid,
		});
		let unchanged =
			|change: Option<energy_primitives::CreditChange>| change.is_none_or(|c| c.before == c.after);
		Ok(unchanged(producer_change) &&
			unchanged(consumer_change) &&
			producer_penalty == 0 &&
			consumer_penalty == 0 &&
			bought_from_grid == 0 &&
			sold_to_grid == 0)
	}

	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		use frame_support::traits::fungible::InspectHold;
		let mut held: alloc::collections::BTreeMap<T::AccountId, Balance> = Default::default();
		let mut open: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
		for (_, c) in Contracts::<T>::iter() {
			for party in [&c.producer, &c.consumer] {
				*open.entry(party.clone()).or_default() += 1;
			}
			if matches!(
				c.status,
				ContractStatus::Active | ContractStatus::AwaitingAttestation | ContractStatus::Attested
			) {
				*held.entry(c.consumer.clone()).or_default() += c.consumer_held;
				*held.entry(c.producer.clone()).or_default() += c.producer_held;
			}
		}
		for (who, amount) in held {
			ensure!(
				T::Currency::balance_on_hold(&HoldReason::Settlement.into(), &who) == amount,
				"held funds differ from what active contracts need"
			);
		}
		for (who, n) in OpenContracts::<T>::iter() {
			ensure!(open.get(&who).copied().unwrap_or_default() == n, "OpenContracts differs");
		}
		let mut offers: alloc::collections::BTreeMap<T::AccountId, u32> = Default::default();
		for (id, offer) in Offers::<T>::iter() {
			ensure!(
				OffersExpiringAt::<T>::get(offer.window_start).contains(&id),
				"an offer is missing from its expiry list"
			);
			*offers.entry(offer.owner).or_default() += 1;
		}
		for (who, n) in OpenOffers::<T>::iter() {
			ensure!(offers.get(&who).copied().unwrap_or_default() == n, "OpenOffers differs");
		}
		let due = Self::due();
		let queued: alloc::collections::BTreeSet<ContractId> = due.iter().copied().collect();
		ensure!(queued.len() == due.len(), "a contract is queued twice");
		for id in due {
			ensure!(
				Contracts::<T>::get(id).is_none_or(|c| c.status == ContractStatus::Attested),
				"a queued contract is neither attested nor gone"
			);
		}
		for (id, c) in Contracts::<T>::iter() {
			ensure!(
				c.status != ContractStatus::Attested || queued.contains(&id),
				"an attested contract is not queued"
			);
		}
		Ok(())
	}
}

impl<T: Config> OnVerdict for Pallet<T> {
	#[cfg(feature = "runtime-benchmarks")]
	fn benchmark_subject(kind: PollKind) -> u64 {
		// An accepted contract of two fresh nodes, its approval poll open: approving it pays
		// both fees and puts on both holds, the costliest verdict. For a delivery poll, the
		// same contract approved and read, its delivery poll open.
		let tag = NextContractId::<T>::get() as u32;
		let producer: T::AccountId = frame_benchmarking::account("poll-producer", tag, 0);
		let consumer: T::AccountId = frame_benchmarking::account("poll-consumer", tag, 0);
		let role = energy_primitives::Role::Producer;
		T::BenchmarkHelper::register(&producer, role, &frame_benchmarking::account("pm", tag, 0));
		let role = energy_primitives::Role::Consumer;
		T::BenchmarkHelper::register(&consumer, role, &frame_benchmarking::account("cm", tag, 1));
		let now = frame_system::Pallet::<T>::block_number();
		let origin = |who: &T::AccountId| frame_system::RawOrigin::Signed(who.clone()).into();
		Self::propose(
			origin(&producer),
			consumer.clone(),
			Side::Producer,
			1_000,
			T::MaxPrice::get(),
			now + 10u32.into(),
			now + 20u32.into(),
		)
		.expect("valid proposal");
		let id = NextContractId::<T>::get() - 1;
		Self::accept(origin(&consumer), id).expect("accepts");
		if kind == PollKind::Delivery {
			// A full tail page in the settlement queue: the attestation starts the next page,
			// the costliest way to queue it.
			let tail = DueQueue::<T>::get().tail;
			if DuePages::<T>::decode_len(tail).unwrap_or(0) == 0 {
				// Ids no contract will have.
				let full = (0..ContractId::from(DUE_PAGE_SIZE)).map(|i| ContractId::MAX - i);
				DuePages::<T>::insert(tail, DuePage::truncate_from(full.collect()));
			}
			T::Verifier::cancel(id, PollKind::Approval);
			Self::on_verdict(id, PollKind::Approval, Verdict::Approve).expect("approves");
			let mut contract = Contracts::<T>::get(id).expect("just approved");
			contract.delivered_wh = Some(1_000);
			contract.consumed_wh = Some(1_000);
			contract.status = ContractStatus::AwaitingAttestation;
			Contracts::<T>::insert(id, contract);
			T::Verifier::open(id, PollKind::Delivery).expect("no delivery poll yet");
		}
		id
	}

	fn on_verdict(id: ContractId, kind: PollKind, verdict: Verdict) -> DispatchResult {
		let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
		if kind == PollKind::Delivery {
			ensure!(contract.status == ContractStatus::AwaitingAttestation, Error::<T>::WrongStatus);
			let Verdict::Quantities { delivered_wh, consumed_wh } = verdict else {
				return Err(Error::<T>::WrongStatus.into());
			};
			// The attested quantities are final, whatever the meters said.
			contract.delivered_wh = Some(delivered_wh);
			contract.consumed_wh = Some(consumed_wh);
			contract.status = ContractStatus::Attested;
			Contracts::<T>::insert(id, contract);
			Self::enqueue_due(id);
			Self::deposit_event(Event::DeliveryAttested { id, delivered_wh, consumed_wh });
			return Ok(());
		}
		ensure!(contract.status == ContractStatus::AwaitingApproval, Error::<T>::WrongStatus);
		if verdict != Verdict::Approve {
			Self::close(id, &contract);
			Self::deposit_event(Event::ContractDisapproved { id });
			return Ok(());
		}
		let activated = frame_support::storage::with_storage_layer(|| {
			Self::activate(id, &mut contract)?;
			Contracts::<T>::insert(id, &contract);
			Ok::<(), DispatchError>(())
		});
		if activated.is_err() {
			Self::close(id, &contract);
			Self::deposit_event(Event::ContractVoided { id });
		}
		Ok(())
	}
}
