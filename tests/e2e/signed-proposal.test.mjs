// A proposal and its acceptance in one transaction: the consumer signs an acceptance of the
// terms off chain with polkadot.js, the producer submits `market.proposeSigned` with it, and the
// validators' approval poll opens at once. A replayed or forged acceptance comes back as the
// documented module error and changes nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { stringToU8a, u8aConcat } from '@polkadot/util';
import { send, startDevNode } from './harness.mjs';
import { bestNumber, eventsOf } from './community.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

/**
 * The message `pallet_market::Acceptance::message` builds: the domain tag, then the SCALE
 * encoding of (genesis hash, proposer, nonce, counterparty, side, quantity Wh, price,
 * window start, window end).
 */
function acceptanceMessage(api, { proposer, nonce, counterparty, side, quantityWh, price, start, end }) {
  const encoded = api.createType(
    '(H256, AccountId32, u32, AccountId32, PalletMarketSide, u64, u128, u32, u32)',
    [api.genesisHash, proposer, nonce, counterparty, side, quantityWh, price, start, end],
  );
  return u8aConcat(stringToU8a('dpoa-market/acceptance'), encoded.toU8a());
}

test('propose_signed: one transaction for proposal and acceptance', { timeout: 300000 }, async () => {
  const { api, keyring } = node;
  const bob = keyring.addFromUri('//Bob'); // a producer
  const dave = keyring.addFromUri('//Dave'); // a consumer
  const eve = keyring.addFromUri('//Eve'); // another consumer
  const start = (await bestNumber(api)) + 20;
  const terms = { proposer: bob.address, counterparty: dave.address, side: 'Producer', quantityWh: 40_000, price: 640_000_000_000n, start, end: start + 2 };
  const nonce = (await api.query.market.proposalNonces(bob.address)).toNumber();
  const signature = { Sr25519: dave.sign(acceptanceMessage(api, { ...terms, nonce })) };
  const tx = (sig, n = nonce) => api.tx.market.proposeSigned(dave.address, 'Producer', terms.quantityWh, terms.price, start, start + 2, n, sig);

  // Forged: Eve's signature for Dave, and Dave's signature of other terms.
  let result = await send(api, tx({ Sr25519: eve.sign(acceptanceMessage(api, { ...terms, nonce })) }), bob);
  assert.equal(result.error?.name, 'BadAcceptanceSignature');
  result = await send(api, tx({ Sr25519: dave.sign(acceptanceMessage(api, { ...terms, nonce, quantityWh: 1 })) }), bob);
  assert.equal(result.error?.name, 'BadAcceptanceSignature');
  assert.equal((await api.query.market.proposalNonces(bob.address)).toNumber(), nonce, 'no nonce spent');
  assert.equal((await api.query.market.contracts.entries()).length, 0, 'no contract');

  result = await send(api, tx(signature), bob);
  assert.equal(result.error, null);
  const [proposed] = eventsOf(result.events, api.events.market.ContractProposed);
  const id = proposed.data.id.toNumber();
  assert.equal(proposed.data.consumer.toString(), dave.address);
  const [accepted] = eventsOf(result.events, api.events.market.ContractAccepted);
  assert.equal(accepted.data.id.toNumber(), id);
  assert.equal((await api.query.market.contracts(id)).unwrap().status.toString(), 'AwaitingApproval');
  assert.ok((await api.query.verification.polls(id, 'Approval')).isSome, 'the approval poll is open');
  assert.equal((await api.query.market.proposalNonces(bob.address)).toNumber(), nonce + 1);

  // Replayed: its nonce is spent.
  result = await send(api, tx(signature), bob);
  assert.equal(result.error?.name, 'StaleProposalNonce');
  assert.equal((await api.query.market.contracts.entries()).length, 1);
});
