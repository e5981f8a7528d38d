// The project's pallets document every call, event, error and storage item in the metadata,
// finalised heads arrive through `chain_subscribeFinalizedHeads`, and the README's table of
// extrinsics is the one the metadata generates.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { startDevNode } from './harness.mjs';
import { extrinsicsTable, readmeTable } from './extrinsics.mjs';

const PALLETS = ['Dpoa', 'Credit', 'Registry', 'Penalty', 'Verification', 'Market', 'Finality'];

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

test('every call, event, error and storage item of the project pallets has docs', () => {
  const { api } = node;
  const metadata = api.runtimeMetadata.asLatest;
  const missing = [];
  const variants = (typeId) => api.registry.lookup.getSiType(typeId).def.asVariant.variants;
  for (const name of PALLETS) {
    const pallet = metadata.pallets.find((p) => p.name.toString() === name);
    assert.ok(pallet, `pallet ${name} is in the metadata`);
    for (const [kind, field] of [['call', 'calls'], ['event', 'events'], ['error', 'errors']]) {
      if (pallet[field].isNone) continue;
      for (const v of variants(pallet[field].unwrap().type)) {
        if (v.docs.length === 0 || v.docs.join('').trim() === '') missing.push(`${name} ${kind} ${v.name}`);
      }
    }
    if (pallet.storage.isSome) {
      for (const item of pallet.storage.unwrap().items) {
        if (item.docs.join('').trim() === '') missing.push(`${name} storage ${item.name}`);
      }
    }
  }
  assert.deepEqual(missing, [], `undocumented: ${missing.join(', ')}`);
});

test('finalised heads arrive through chain_subscribeFinalizedHeads', async () => {
  const { api } = node;
  const numbers = await new Promise((resolve, reject) => {
    const seen = [];
    const timer = setTimeout(() => reject(new Error(`only ${seen} in 60 s`)), 60000);
    api.rpc.chain.subscribeFinalizedHeads((header) => {
      seen.push(header.number.toNumber());
      if (seen.length === 2) {
        clearTimeout(timer);
        resolve(seen);
      }
    }).catch(reject);
  });
  assert.ok(numbers[1] > numbers[0], `finalised heads advance: ${numbers}`);
  const best = (await api.rpc.chain.getHeader()).number.toNumber();
  assert.ok(best - numbers[1] <= 3, `finality keeps up: best #${best}, finalised #${numbers[1]}`);
});

test("the README's table of extrinsics matches the metadata", () => {
  assert.equal(readmeTable(), extrinsicsTable(node.api),
    'README.md is out of date: run `cd tests/e2e && node extrinsics.mjs --write`');
});
