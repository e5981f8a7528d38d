// A whole contract through signed extrinsics from dev accounts: proposal, acceptance, the
// validators' approval votes, both meters' readings, the validators' attestation, settlement by
// the block hook; holds are released and credit is read through the runtime API.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startDevNode } from './harness.mjs';
import { keysByAddress, voteUntilConcluded, waitUntil, bestNumber } from './community.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

test('a contract from proposal to settlement, without default', { timeout: 300000 }, async () => {
  const { api, keyring } = node;
  const keys = keysByAddress(keyring);
  const bob = keyring.addFromUri('//Bob');
  const dave = keyring.addFromUri('//Dave');
  const bobMeter = keyring.addFromUri('//meter0');
  const daveMeter = keyring.addFromUri('//meter8');
  const held = async (who) => (await api.query.balances.holds(who.address))
    .reduce((sum, h) => sum + h.amount.toBigInt(), 0n);

  const now = (await api.rpc.chain.getHeader()).number.toNumber();
  let result = await send(api, api.tx.market.propose(dave.address, 'Producer', 80_000, 640_000_000_000n, now + 3, now + 4), bob);
  assert.equal(result.error, null);
  const proposed = result.events.find(({ event }) => api.events.market.ContractProposed.is(event));
  const id = proposed.event.data.id.toNumber();

  // A bad input: the producer cannot accept its own proposal.
  result = await send(api, api.tx.market.accept(id), bob);
  assert.equal(result.error?.name, 'NotCounterparty');

  result = await send(api, api.tx.market.accept(id), dave);
  assert.equal(result.error, null);
  await voteUntilConcluded(api, keys, [{ id, kind: 'Approval' }], () => 'Approve');
  assert.ok(await held(dave) > 0n && await held(bob) > 0n, 'approved: funds on hold');

  const contract = (await api.query.market.contracts(id)).unwrap();
  await waitUntil(async () => (await bestNumber(api)) > contract.windowEnd.toNumber(), 'the end of the window');
  result = await send(api, api.tx.market.reportReading(id, 'Producer', 80_000), bobMeter);
  assert.equal(result.error, null);
  result = await send(api, api.tx.market.reportReading(id, 'Consumer', 80_000), daveMeter);
  assert.equal(result.error, null);
  await voteUntilConcluded(api, keys, [{ id, kind: 'Delivery' }], () => ({ Quantities: { deliveredWh: 80_000, consumedWh: 80_000 } }));

  // The block hook settles it.
  for (let i = 0; i < 20 && (await api.query.market.contracts(id)).isSome; i++) {
    await new Promise((r) => setTimeout(r, 2000));
  }
  assert.ok((await api.query.market.contracts(id)).isNone, 'settled');
  assert.equal(await held(bob), 0n);
  assert.equal(await held(dave), 0n);
  const record = (await api.call.creditApi.creditRecord(bob.address)).unwrap();
  assert.equal(record.credit.toNumber(), 100);
  assert.ok(record.fulfilledStreak.toNumber() >= 1);
});
