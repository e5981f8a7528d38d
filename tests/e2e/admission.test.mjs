// Admission by the trading center: an account applies, the trading center approves; bad inputs
// come back as the documented module errors and change nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startDevNode } from './harness.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

test('Alice//stash applies and the trading center admits it', async () => {
  const { api, keyring } = node;
  const alice = keyring.addFromUri('//Alice');
  const stash = keyring.addFromUri('//Alice//stash');
  const meter = keyring.addFromUri('//Alice//stash//meter');

  // Approving an account that never applied: a named error, nothing changed.
  const before = await api.query.registry.applications(stash.address);
  let result = await send(api, api.tx.registry.approve(stash.address), alice);
  assert.equal(result.error?.name, 'NoApplication');
  assert.deepEqual((await api.query.registry.applications(stash.address)).toJSON(), before.toJSON());

  result = await send(api, api.tx.registry.apply('Prosumer', meter.address, 50_000), stash);
  assert.equal(result.error, null);
  assert.ok(result.events.some(({ event }) => api.events.registry.Applied.is(event)), 'Applied');
  assert.ok((await api.query.registry.applications(stash.address)).isSome);

  // Applying twice is refused.
  result = await send(api, api.tx.registry.apply('Prosumer', meter.address, 50_000), stash);
  assert.equal(result.error?.name, 'AlreadyApplied');

  // Only the trading center approves.
  result = await send(api, api.tx.registry.approve(stash.address), keyring.addFromUri('//Bob'));
  assert.equal(result.error?.name ?? result.error, 'BadOrigin');

  result = await send(api, api.tx.registry.approve(stash.address), alice);
  assert.equal(result.error, null);
  assert.ok(result.events.some(({ event }) => api.events.registry.Registered.is(event)), 'Registered');
  const record = await api.call.creditApi.creditRecord(stash.address);
  assert.ok(record.isSome, 'a credit record opened');
  assert.equal(record.unwrap().credit.toNumber(), 100);
});
