//! Benchmarks of the finality pallet, at their worst case: a full session snapshot
//! (`MaxValidators`), the signer last in it, and the attestation that completes the quorum.

use super::*;
use dpoa_consensus_primitives::KEY_TYPE;
use frame_benchmarking::v2::*;
use frame_support::traits::{Authorize, Hooks};
use frame_system::RawOrigin;

/// `n` validator keys: the last one a fresh key in the benchmark keystore (the signer), the
/// others fixed public keys (their signatures are not checked again once recorded).
fn keys(n: u32) -> Vec<ValidatorId> {
	let mut keys: Vec<ValidatorId> = (1..n)
		.map(|i| {
			let mut raw = [0u8; 32];
			raw[..4].copy_from_slice(&i.to_le_bytes());
			ValidatorId::from_raw(raw)
		})
		.collect();
	if n > 0 {
		keys.push(sp_io::crypto::sr25519_generate(KEY_TYPE, None));
	}
	keys
}

/// A stand-in signature of a recorded attestation.
fn recorded_signature(i: u8) -> AttestationSignature {
	AttestationSignature::from_raw([i; 64])
}

/// `key`'s signed attestation.
fn sign(key: &ValidatorId, attestation: Attestation) -> SignedAttestation {
	let signature = sp_io::crypto::sr25519_sign(KEY_TYPE, key, &attestation.payload())
		.expect("the key is in the keystore; qed");
	SignedAttestation { attestation, validator: *key, signature }
}

/// At block 10, block 5 (session 0) has a snapshot of `MaxValidators` validators of weight 1
/// and `existing` attestations short of a quorum that one more completes. Returns the keys and
/// the attestation of block 5.
fn attested_block<T: Config>(existing: u32) -> (Vec<ValidatorId>, Attestation) {
	let max = T::MaxValidators::get();
	let set = keys(max);
	frame_system::Pallet::<T>::set_block_number(10u32.into());
	let hash = H256::repeat_byte(5);
	frame_system::BlockHash::<T>::insert(BlockNumberFor::<T>::from(5u32), hash);
	BlockSession::<T>::insert(5, 0);
	SessionValidators::<T>::insert(0, BoundedVec::truncate_from(set.iter().map(|k| (*k, 1u128)).collect()));
	// `existing` is short of 2/3 of this total and `existing + 1` reaches it.
	SessionWeight::<T>::insert(0, (3 * (existing as u128 + 1)) / 2);
	let attestation = Attestation { session: 0, number: 5, hash };
	let signatures: Vec<_> =
		set.iter().take(existing as usize).map(|k| (*k, recorded_signature(1))).collect();
	if existing > 0 {
		Pending::<T>::insert(5, Attestations::<T> {
			hash,
			session: 0,
			weight: existing as u128,
			signatures: BoundedVec::truncate_from(signatures),
		});
	}
	(set, attestation)
}

#[benchmarks]
mod benchmarks {
	use super::*;

	#[benchmark]
	fn attest(n: Linear<0, { T::MaxValidators::get() - 1 }>) {
		let (set, attestation) = attested_block::<T>(n);
		let signed = sign(set.last().expect("MaxValidators > 0"), attestation);

		#[extrinsic_call]
		_(RawOrigin::Authorized, signed);

		assert!(Justified::<T>::contains_key(5));
	}

	#[benchmark]
	fn authorize_attest(n: Linear<0, { T::MaxValidators::get() - 1 }>) -> Result<(), BenchmarkError> {
		let (set, attestation) = attested_block::<T>(n);
		let call = Call::<T>::attest { signed: sign(set.last().expect("MaxValidators > 0"), attestation) };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call has an authorize function")?
				.map_err(|_| "the attestation is valid")?;
		}

		Ok(())
	}

	#[benchmark]
	fn report_equivocation(n: Linear<1, { T::MaxValidators::get() }>) {
		let (_, attestation) = attested_block::<T>(0);
		// The offender is the last of a snapshot of `n`.
		let set = keys(n);
		SessionValidators::<T>::insert(0, BoundedVec::truncate_from(set.iter().map(|k| (*k, 1u128)).collect()));
		let offender = set[(n - 1) as usize];
		T::BenchmarkHelper::make_validator(&account_of(&offender));
		let first = sign(&offender, attestation);
		let second = sign(&offender, Attestation { hash: H256::repeat_byte(6), ..attestation });

		#[extrinsic_call]
		_(RawOrigin::Authorized, first, second);

		assert!(Reported::<T>::contains_key(5, offender));
	}

	#[benchmark]
	fn authorize_report_equivocation(n: Linear<1, { T::MaxValidators::get() }>) -> Result<(), BenchmarkError> {
		let (_, attestation) = attested_block::<T>(0);
		let set = keys(n);
		SessionValidators::<T>::insert(0, BoundedVec::truncate_from(set.iter().map(|k| (*k, 1u128)).collect()));
		let offender = set[(n - 1) as usize];
		let first = sign(&offender, attestation);
		let second = sign(&offender, Attestation { hash: H256::repeat_byte(6), ..attestation });
		let call = Call::<T>::report_equivocation { first, second };

		#[block]
		{
			call.authorize(TransactionSource::External)
				.ok_or("the call has an authorize function")?
				.map_err(|_| "the report is valid")?;
		}

		Ok(())
	}

	/// Pruning a block that leaves the window with a full pending and justified record and `r`
	/// equivocation reports, the last block of its session.
	#[benchmark]
	fn on_initialize(r: Linear<0, { T::MaxValidators::get() }>) {
		let max = T::MaxValidators::get();
		let (set, attestation) = attested_block::<T>(max - 1);
		let record = Pending::<T>::get(5).expect("attested");
		Justified::<T>::insert(5, record);
		for key in set.iter().take(r as usize) {
			Reported::<T>::insert(5, key, ());
		}
		let _ = attestation;
		let now: BlockNumberFor<T> = (5 + T::AttestationWindow::get() + 1).into();
		frame_system::Pallet::<T>::set_block_number(now);

		#[block]
		{
			Pallet::<T>::on_initialize(now);
		}

		assert!(!SessionValidators::<T>::contains_key(0));
		assert_eq!(Reported::<T>::iter_prefix(5).count(), 0);
	}

	/// Recording a block of a new session: a snapshot of `MaxValidators` validators.
	#[benchmark]
	fn on_finalize() {
		for key in keys(T::MaxValidators::get()) {
			T::BenchmarkHelper::make_validator(&account_of(&key));
		}
		let session = T::Validators::session();
		SessionValidators::<T>::remove(session);
		let now = frame_system::Pallet::<T>::block_number();

		#[block]
		{
			Pallet::<T>::on_finalize(now);
		}

		assert!(SessionValidators::<T>::contains_key(session));
	}

	impl_benchmark_test_suite!(Pallet, crate::mock::new_test_ext(), crate::mock::Test);
}
