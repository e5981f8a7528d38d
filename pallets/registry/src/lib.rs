//! # Registry pallet
//!
//! Admission of the community's nodes by the trading center (MODEL §1, §3 step 1).
//!
//! ## Overview
//!
//! An account applies with a [`Role`], the key of its smart meter and its declared capacity
//! (the most energy it may commit to in one contract), putting `ApplicationDeposit` on hold.
//! The trading center (`AdminOrigin`) approves or rejects the application, or registers an
//! account directly; either way the deposit is released. The trading center can suspend a
//! registered node and reinstate it, and names the trading center's own account (which
//! receives fees and rounding dust) with [`Pallet::set_trading_center`]. Only an *active* node (registered, not suspended) may trade
//! or validate: the other pallets ask through [`energy_primitives::Registry`].
//!
//! Every change of the active set is told to `OnMembershipChange` (the credit pallet opens a
//! record, the penalty pallet starts or stops a node's share).
//!
//! ## Terminology
//!
//! - **Meter key**: the account key of the node's smart meter; it may report the node's
//!   readings. A meter key belongs to at most one node.
//! - **Active**: registered and not suspended.
//!
//! ## Invariants
//!
//! - `ActiveCount` equals the number of registered nodes that are not suspended.
//! - `MeterOwner` maps exactly the meter keys of registered nodes and pending applications to
//!   their accounts.
//! - An account has at most one of: a pending application, a registration.
//! - Every pending application holds exactly `ApplicationDeposit` (as it was when it applied).

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

pub use energy_primitives::{Role, WattHours};
use energy_primitives::{OnMembershipChange, Registry};
use frame_support::{
	pallet_prelude::*,
	traits::{
		fungible::{Inspect, MutateHold},
		tokens::Precision,
	},
};

pub use pallet::*;
pub use weights::WeightInfo;

/// The balance type of the pallet's currency.
pub type BalanceOf<T> =
	<<T as Config>::Currency as Inspect<<T as frame_system::Config>::AccountId>>::Balance;

/// Whether a registered node may trade and validate.
#[derive(
	Clone, Copy, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub enum NodeStatus {
	/// May trade and validate.
	Active,
	/// Suspended by the trading center: may neither trade nor validate.
	Suspended,
}

/// A registered node.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct NodeInfo<AccountId> {
	/// What it may sign.
	pub role: Role,
	/// Its smart meter's key.
	pub meter: AccountId,
	/// The most energy, in Wh, it may commit to in one contract.
	pub capacity_wh: WattHours,
	/// Active or suspended.
	pub status: NodeStatus,
}

/// A pending application.
#[derive(
	Clone, PartialEq, Eq, Debug, Encode, Decode, DecodeWithMemTracking, MaxEncodedLen, TypeInfo,
)]
pub struct Application<AccountId, Balance> {
	/// The role applied for.
	pub role: Role,
	/// The smart meter's key.
	pub meter: AccountId,
	/// The declared capacity in Wh.
	pub capacity_wh: WattHours,
	/// The deposit held for it.
	pub deposit: Balance,
}

#[frame_support::pallet]
pub mod pallet {
	use super::*;
	use alloc::vec::Vec;
	use frame_system::pallet_prelude::*;

	/// The in-code storage version.
	const STORAGE_VERSION: StorageVersion = StorageVersion::new(0);

	#[pallet::pallet]
	#[pallet::storage_version(STORAGE_VERSION)]
	pub struct Pallet<T>(_);

	/// Configuration of the registry pallet.
	#[pallet::config]
	pub trait Config: frame_system::Config<RuntimeEvent: From<Event<Self>>> {
		/// The currency in which application deposits are held.
		type Currency: MutateHold<Self::AccountId, Reason = Self::RuntimeHoldReason>;
		/// The overarching hold reason.
		type RuntimeHoldReason: From<HoldReason>;
		/// The origin that admits, suspends and reinstates nodes: the trading center.
		type AdminOrigin: EnsureOrigin<Self::RuntimeOrigin>;
		/// Told when a node becomes active or stops being active.
		type OnMembershipChange: OnMembershipChange<Self::AccountId>;
		/// Held from an applicant until its application is decided or withdrawn.
		#[pallet::constant]
		type ApplicationDeposit: Get<BalanceOf<Self>>;
		/// The largest capacity, in Wh, a node may declare.
		#[pallet::constant]
		type MaxCapacity: Get<WattHours>;
		/// Weights of this pallet's calls.
		type WeightInfo: WeightInfo;
	}

	/// Why this pallet holds funds.
	#[pallet::composite_enum]
	pub enum HoldReason {
		/// The deposit of a pending application.
		#[codec(index = 0)]
		Application,
	}

	/// Registered nodes.
	#[pallet::storage]
	pub type Nodes<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, NodeInfo<T::AccountId>, OptionQuery>;

	/// Pending applications.
	#[pallet::storage]
	pub type Applications<T: Config> = StorageMap<
		_,
		Blake2_128Concat,
		T::AccountId,
		Application<T::AccountId, BalanceOf<T>>,
		OptionQuery,
	>;

	/// The node (or applicant) each meter key belongs to.
	#[pallet::storage]
	pub type MeterOwner<T: Config> =
		StorageMap<_, Blake2_128Concat, T::AccountId, T::AccountId, OptionQuery>;

	/// The number of active nodes.
	#[pallet::storage]
	pub type ActiveCount<T> = StorageValue<_, u32, ValueQuery>;

	/// The trading center's account: it receives the fees and rounding dust.
	#[pallet::storage]
	pub type TradingCenter<T: Config> = StorageValue<_, T::AccountId, OptionQuery>;

	/// Events of the registry pallet.
	#[pallet::event]
	#[pallet::generate_deposit(pub(super) fn deposit_event)]
	pub enum Event<T: Config> {
		/// An account applied to join.
		Applied {
			/// The applicant.
			who: T::AccountId,
			/// The role applied for.
			role: Role,
			/// Its meter key.
			meter: T::AccountId,
			/// Its declared capacity in Wh.
			capacity_wh: WattHours,
			/// The deposit held.
			deposit: BalanceOf<T>,
		},
		/// An applicant withdrew its application; its deposit was released.
		ApplicationWithdrawn {
			/// The applicant.
			who: T::AccountId,
		},
		/// The trading center rejected an application; the deposit was released.
		ApplicationRejected {
			/// The applicant.
			who: T::AccountId,
		},
		/// A node was registered (its application approved, or directly) and is active.
		Registered {
			/// The node.
			who: T::AccountId,
			/// Its role.
			role: Role,
			/// Its meter key.
			meter: T::AccountId,
			/// Its declared capacity in Wh.
			capacity_wh: WattHours,
		},
		/// The trading center suspended a node.
		Suspended {
			/// The node.
			who: T::AccountId,
		},
		/// The trading center reinstated a suspended node.
		Reinstated {
			/// The node.
			who: T::AccountId,
		},
		/// The trading center's account was set.
		TradingCenterSet {
			/// The new account.
			who: T::AccountId,
		},
	}

	/// Errors of the registry pallet.
	#[pallet::error]
	pub enum Error<T> {
		/// The account is already a registered node.
		AlreadyRegistered,
		/// The account already has a pending application.
		AlreadyApplied,
		/// The account has no pending application.
		NoApplication,
		/// The account is not a registered node.
		NotRegistered,
		/// The meter key already belongs to another node or applicant.
		MeterInUse,
		/// The declared capacity is zero.
		ZeroCapacity,
		/// The declared capacity exceeds `MaxCapacity`.
		CapacityTooLarge,
		/// The node is already suspended.
		AlreadySuspended,
		/// The node is not suspended.
		NotSuspended,
	}

	/// Genesis: the community's initial nodes.
	#[pallet::genesis_config]
	#[derive(frame_support::DefaultNoBound)]
	pub struct GenesisConfig<T: Config> {
		/// The trading center's account.
		pub trading_center: Option<T::AccountId>,
		/// Nodes registered at genesis: account, role, meter key, capacity in Wh.
		pub nodes: Vec<(T::AccountId, Role, T::AccountId, WattHours)>,
	}

	#[pallet::genesis_build]
	impl<T: Config> BuildGenesisConfig for GenesisConfig<T> {
		fn build(&self) {
			if let Some(center) = &self.trading_center {
				TradingCenter::<T>::put(center);
			}
			for (who, role, meter, capacity_wh) in &self.nodes {
				Pallet::<T>::do_register(who.clone(), *role, meter.clone(), *capacity_wh)
					.expect("genesis nodes must be valid and distinct");
			}
		}
	}

	#[pallet::hooks]
	impl<T: Config> Hooks<BlockNumberFor<T>> for Pallet<T> {
		fn integrity_test() {
			assert!(T::MaxCapacity::get() > 0, "MaxCapacity must be positive");
		}

		#[cfg(feature = "try-runtime")]
		fn try_state(_n: BlockNumberFor<T>) -> Result<(), sp_runtime::TryRuntimeError> {
			Self::do_try_state()
		}
	}

	#[pallet::call]
	impl<T: Config> Pallet<T> {
		/// Apply to join the community, holding `ApplicationDeposit`.
		///
		/// - Origin: signed, the applicant.
		/// - `role`: producer, consumer or prosumer.
		/// - `meter`: the smart meter's key; not used by any other node or applicant.
		/// - `capacity_wh`: the most energy, in Wh, the node may commit to in one contract;
		///   `1..=MaxCapacity`.
		///
		/// Errors: [`Error::AlreadyRegistered`], [`Error::AlreadyApplied`],
		/// [`Error::MeterInUse`], [`Error::ZeroCapacity`], [`Error::CapacityTooLarge`], and the
		/// currency's error when the deposit cannot be held. Emits [`Event::Applied`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(0)]
		#[pallet::weight(<T as Config>::WeightInfo::apply())]
		pub fn apply(
			origin: OriginFor<T>,
			role: Role,
			meter: T::AccountId,
			capacity_wh: WattHours,
		) -> DispatchResult {
			let who = ensure_signed(origin)?;
			ensure!(!Nodes::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
			ensure!(!Applications::<T>::contains_key(&who), Error::<T>::AlreadyApplied);
			Self::ensure_valid(&meter, capacity_wh)?;
			let deposit = T::ApplicationDeposit::get();
			T::Currency::hold(&HoldReason::Application.into(), &who, deposit)?;
			MeterOwner::<T>::insert(&meter, &who);
			Applications::<T>::insert(
				&who,
				Application { role, meter: meter.clone(), capacity_wh, deposit },
			);
			Self::deposit_event(Event::Applied { who, role, meter, capacity_wh, deposit });
			Ok(())
		}

		/// Withdraw one's pending application; its deposit is released.
		///
		/// - Origin: signed, the applicant.
		///
		/// Errors: [`Error::NoApplication`]. Emits [`Event::ApplicationWithdrawn`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(1)]
		#[pallet::weight(<T as Config>::WeightInfo::withdraw_application())]
		pub fn withdraw_application(origin: OriginFor<T>) -> DispatchResult {
			let who = ensure_signed(origin)?;
			Self::close_application(&who)?;
			Self::deposit_event(Event::ApplicationWithdrawn { who });
			Ok(())
		}

		/// Approve a pending application: the applicant becomes an active node and its deposit
		/// is released.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`: the applicant.
		///
		/// Errors: [`Error::NoApplication`]. Emits [`Event::Registered`].
		///
		/// Complexity: `O(1)` plus `OnMembershipChange::on_joined`.
		#[pallet::call_index(2)]
		#[pallet::weight(<T as Config>::WeightInfo::approve())]
		pub fn approve(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			let application = Self::close_application(&who)?;
			Self::do_register(who, application.role, application.meter, application.capacity_wh)
		}

		/// Reject a pending application; its deposit is released.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`: the applicant.
		///
		/// Errors: [`Error::NoApplication`]. Emits [`Event::ApplicationRejected`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(3)]
		#[pallet::weight(<T as Config>::WeightInfo::reject())]
		pub fn reject(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::close_application(&who)?;
			Self::deposit_event(Event::ApplicationRejected { who });
			Ok(())
		}

		/// Register an account directly, without an application.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`, `role`, `meter`, `capacity_wh`: as in [`Pallet::apply`].
		///
		/// Errors: [`Error::AlreadyRegistered`], [`Error::AlreadyApplied`] (decide the
		/// application instead), [`Error::MeterInUse`], [`Error::ZeroCapacity`],
		/// [`Error::CapacityTooLarge`]. Emits [`Event::Registered`].
		///
		/// Complexity: `O(1)` plus `OnMembershipChange::on_joined`.
		#[pallet::call_index(4)]
		#[pallet::weight(<T as Config>::WeightInfo::register())]
		pub fn register(
			origin: OriginFor<T>,
			who: T::AccountId,
			role: Role,
			meter: T::AccountId,
			capacity_wh: WattHours,
		) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			ensure!(!Applications::<T>::contains_key(&who), Error::<T>::AlreadyApplied);
			Self::do_register(who, role, meter, capacity_wh)
		}

		/// Suspend an active node: it can no longer trade or validate.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`: the node.
		///
		/// Errors: [`Error::NotRegistered`], [`Error::AlreadySuspended`].
		/// Emits [`Event::Suspended`].
		///
		/// Complexity: `O(1)` plus `OnMembershipChange::on_left`.
		#[pallet::call_index(5)]
		#[pallet::weight(<T as Config>::WeightInfo::suspend())]
		pub fn suspend(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::set_status(&who, NodeStatus::Suspended)?;
			ActiveCount::<T>::mutate(|n| *n = n.saturating_sub(1));
			T::OnMembershipChange::on_left(&who);
			Self::deposit_event(Event::Suspended { who });
			Ok(())
		}

		/// Reinstate a suspended node.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`: the node.
		///
		/// Errors: [`Error::NotRegistered`], [`Error::NotSuspended`].
		/// Emits [`Event::Reinstated`].
		///
		/// Complexity: `O(1)` plus `OnMembershipChange::on_joined`.
		#[pallet::call_index(6)]
		#[pallet::weight(<T as Config>::WeightInfo::reinstate())]
		pub fn reinstate(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			Self::set_status(&who, NodeStatus::Active)?;
			ActiveCount::<T>::mutate(|n| *n = n.saturating_add(1));
			T::OnMembershipChange::on_joined(&who);
			Self::deposit_event(Event::Reinstated { who });
			Ok(())
		}

		/// Set the trading center's account, which receives the fees and rounding dust.
		///
		/// - Origin: `AdminOrigin`.
		/// - `who`: the account.
		///
		/// Emits [`Event::TradingCenterSet`].
		///
		/// Complexity: `O(1)`.
		#[pallet::call_index(7)]
		#[pallet::weight(<T as Config>::WeightInfo::set_trading_center())]
		pub fn set_trading_center(origin: OriginFor<T>, who: T::AccountId) -> DispatchResult {
			T::AdminOrigin::ensure_origin(origin)?;
			TradingCenter::<T>::put(&who);
			Self::deposit_event(Event::TradingCenterSet { who });
			Ok(())
		}
	}
}

impl<T: Config> Pallet<T> {
	/// Check a meter key and a capacity for a new node or application.
	fn ensure_valid(meter: &T::AccountId, capacity_wh: WattHours) -> DispatchResult {
		ensure!(capacity_wh > 0, Error::<T>::ZeroCapacity);
		ensure!(capacity_wh <= T::MaxCapacity::get(), Error::<T>::CapacityTooLarge);
		ensure!(!MeterOwner::<T>::contains_key(meter), Error::<T>::MeterInUse);
		Ok(())
	}

	/// Remove `who`'s pending application, free its meter key and release its deposit.
	fn close_application(
		who: &T::AccountId,
	) -> Result<Application<T::AccountId, BalanceOf<T>>, DispatchError> {
		let application = Applications::<T>::take(who).ok_or(Error::<T>::NoApplication)?;
		MeterOwner::<T>::remove(&application.meter);
		T::Currency::release(
			&HoldReason::Application.into(),
			who,
			application.deposit,
			Precision::BestEffort,
		)?;
		Ok(application)
	}

	/// Register `who` as an active node.
	fn do_register(
		who: T::AccountId,
		role: Role,
		meter: T::AccountId,
		capacity_wh: WattHours,
	) -> DispatchResult {
		ensure!(!Nodes::<T>::contains_key(&who), Error::<T>::AlreadyRegistered);
		Self::ensure_valid(&meter, capacity_wh)?;
		MeterOwner::<T>::insert(&meter, &who);
		Nodes::<T>::insert(
			&who,
			NodeInfo { role, meter: meter.clone(), capacity_wh, status: NodeStatus::Active },
		);
		ActiveCount::<T>::mutate(|n| *n = n.saturating_add(1));
		T::OnMembershipChange::on_joined(&who);
		Self::deposit_event(Event::Registered { who, role, meter, capacity_wh });
		Ok(())
	}

	/// Move a registered node from the other status to `status`.
	fn set_status(who: &T::AccountId, status: NodeStatus) -> DispatchResult {
		Nodes::<T>::try_mutate(who, |maybe| {
			let node = maybe.as_mut().ok_or(Error::<T>::NotRegistered)?;
			match (node.status, status) {
				(NodeStatus::Suspended, NodeStatus::Suspended) =>
					Err(Error::<T>::AlreadySuspended.into()),
				(NodeStatus::Active, NodeStatus::Active) => Err(Error::<T>::NotSuspended.into()),
				_ => {
					node.status = status;
					Ok(())
				},
			}
		})
	}


	/// Check the pallet's invariants (see the crate docs).
	#[cfg(any(test, feature = "try-runtime"))]
	pub fn do_try_state() -> Result<(), sp_runtime::TryRuntimeError> {
		let mut active = 0u32;
		let mut meters = 0usize;
		for (who, node) in Nodes::<T>::iter() {
			ensure!(!Applications::<T>::contains_key(&who), "node with a pending application");
			ensure!(MeterOwner::<T>::get(&node.meter) == Some(who), "node's meter not owned");
			if node.status == NodeStatus::Active {
				active = active.saturating_add(1);
			}
			meters += 1;
		}
		for (who, application) in Applications::<T>::iter() {
			ensure!(
				MeterOwner::<T>::get(&application.meter) == Some(who.clone()),
				"applicant's meter not owned"
			);
			ensure!(
				<T::Currency as frame_support::traits::fungible::InspectHold<_>>::balance_on_hold(
					&HoldReason::Application.into(),
					&who
				) ==
					application.deposit,
				"application deposit not held"
			);
			meters += 1;
		}
		ensure!(MeterOwner::<T>::iter().count() == meters, "stray meter keys");
		ensure!(active == ActiveCount::<T>::get(), "ActiveCount differs from the active nodes");
		Ok(())
	}
}

impl<T: Config> Registry<T::AccountId> for Pallet<T> {
	fn trading_center() -> Option<T::AccountId> {
		TradingCenter::<T>::get()
	}

	fn active_role(who: &T::AccountId) -> Option<Role> {
		Nodes::<T>::get(who).filter(|n| n.status == NodeStatus::Active).map(|n| n.role)
	}

	fn capacity_wh(who: &T::AccountId) -> Option<WattHours> {
		Nodes::<T>::get(who).map(|n| n.capacity_wh)
	}

	fn node_of_meter(meter: &T::AccountId) -> Option<T::AccountId> {
		MeterOwner::<T>::get(meter).filter(|owner| Nodes::<T>::contains_key(owner))
	}
}
