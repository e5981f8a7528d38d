// Batched polls through polkadot.js: the trading center switches them on, and three trades run
// from proposal to settlement with one `verification.voteBatch` per validator and batch (the
// polls of one kind opened in a block) instead of a vote per poll.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startDevNode } from './harness.mjs';
import { community, eventsOf, keysByAddress, runTrades } from './community.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

test('trades run through batched votes', { timeout: 300000 }, async () => {
  const { api, keyring } = node;
  const keys = keysByAddress(keyring);
  const nodes = community(keyring);
  // Only the trading center switches.
  let result = await send(api, api.tx.verification.setBatchedPolls(true), nodes[0].pair);
  assert.equal(result.error?.name, 'BadOrigin');
  result = await send(api, api.tx.verification.setBatchedPolls(true), keyring.addFromUri('//Alice'));
  assert.equal(result.error, null);
  assert.ok((await api.query.verification.batchedPolls()).isTrue);

  const trades = [[0, 8], [1, 9], [4, 12]].map(([p, c]) => ({
    producer: nodes[p],
    consumer: nodes[c],
    quantityWh: 10_000,
    price: 640_000_000_000n,
    deliveredWh: 10_000,
    consumedWh: 10_000,
  }));
  const { events, contracts } = await runTrades(api, keys, trades);
  assert.equal(contracts.length, 3);
  for (const { settled } of contracts) {
    assert.equal(settled.data.transferredWh.toNumber(), 10_000);
  }
  // Every vote was a batch vote, and batches concluded both kinds of poll.
  assert.equal(eventsOf(events, api.events.verification.Voted).length, 0);
  assert.ok(eventsOf(events, api.events.verification.BatchVoted).length >= 2);
  const kinds = new Set(eventsOf(events, api.events.verification.BatchConcluded)
    .map(({ data }) => data.kind.toString()));
  assert.deepEqual([...kinds].sort(), ['Approval', 'Delivery']);
});
