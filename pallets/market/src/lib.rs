//! # Market pallet
//!
//! Bilateral energy contracts between registered nodes (MODEL §3).
//!
//! ## Overview
//!
//! Either party proposes a contract (counterparty, quantity in Wh, price per kWh, delivery
//! window) with [`Pallet::propose`]; the counterparty accepts ([`Pallet::accept`]) or rejects it;
//! the proposer may cancel it until it is approved. Acceptance opens an approval poll for the
//! session's validators (`Config::Verifier`); their verdict (or the trading center's, after the
//! deadline) comes back through [`energy_primitives::OnVerdict`]. On approval the contract
//! becomes active: both parties pay the contract fee to the trading center, and what settlement
//! may need is put on hold (MODEL §3, **Ours**): the consumer's payment `Q * P` with the grid fee
//! on `Q`, and each party's worst-case penalty `Q * P`. A contract whose holds cannot be made is
//! void.
//!
//! **Not yet built** (issue #3 continues): supply offers and demands, meter readings,
//! delivery attestation and settlement. Until settlement exists this pallet is not part of the
//! runtime, so no funds can be held without a way out.
//!
//! ## Invariants
//!
//! - Every active contract's holds are on its parties' accounts under
//!   [`HoldReason::Settlement`], and the sum over a node's active contracts equals its balance
//!   on hold for that reason.
//! - A contract awaiting approval has exactly one open approval poll.

#![cfg_attr(not(feature = "std"), no_std)]
#![warn(missing_docs)]

extern crate alloc;

#[cfg(test)]
mod mock;
#[cfg(test)]
mod tests;
pub mod weights;

pub use energy_primitives::{Balance, WattHours};
use energy_primitives::{credit::energy_cost, OnVerdict, PollKind, Registry, Verdict, Verifier};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Mutate, MutateHold},
		tokens::{Precision, Preservation},
	},
};
use frame_system::pallet_prelude::BlockNumberFor;

pub use pallet::*;
pub use weights::WeightInfo;

/// A contract's identifier.
pub type ContractId = u64;

/// Where a contract is in its life.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum ContractStatus {
	/// Proposed; waiting for the counterparty.
	Proposed,
	/// Accepted; the validators are voting on it.
	AwaitingApproval,
	/// Approved, fees paid, funds on hold; delivery is due in its window.
	Active,
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
		/// Only approval polls are handled yet: settlement is not built.
		DeliveryNotSupported,
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
			ensure!(
				price >= T::MinPrice::get() && price <= T::MaxPrice::get(),
				Error::<T>::PriceOutOfBand
			);
			let now = frame_system::Pallet::<T>::block_number();
			ensure!(window_start > now && window_end >= window_start, Error::<T>::BadWindow);
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
					status: ContractStatus::Proposed,
					consumer_held: 0,
					producer_held: 0,
				},
			);
			Self::deposit_event(Event::ContractProposed { id, producer, consumer, quantity_wh, price });
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
		#[pallet::weight(<T as Config>::WeightInfo::accept())]
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
				ContractStatus::Active => return Err(Error::<T>::WrongStatus.into()),
			}
			Self::close(id, &contract);
			Self::deposit_event(Event::ContractCancelled { id });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
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
		let grid_fee = energy_cost(T::GridFee::get(), quantity_wh);
		// Payment and grid fee, plus the worst-case penalty (the penalty price never exceeds
		// the contract price, and the deviation is at most Q when nothing is delivered).
		let consumer = value.saturating_add(grid_fee).saturating_add(value);
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
			if c.status == ContractStatus::Active {
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
		Ok(())
	}
}

impl<T: Config> OnVerdict for Pallet<T> {
	fn on_verdict(id: ContractId, kind: PollKind, verdict: Verdict) -> DispatchResult {
		ensure!(kind == PollKind::Approval, Error::<T>::DeliveryNotSupported);
		let mut contract = Contracts::<T>::get(id).ok_or(Error::<T>::ContractNotFound)?;
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
