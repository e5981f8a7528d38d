// Offers and demands: a producer publishes a supply offer, a consumer a demand; a counterparty
// answers with a contract proposal; the owner withdraws one and the other expires when its
// window starts. Bad inputs come back as the documented module errors and change nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startDevNode } from './harness.mjs';
import { bestNumber, eventsOf, waitUntil } from './community.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

test('supply offers and demands: post, answer, cancel, expire', { timeout: 300000 }, async () => {
  const { api, keyring } = node;
  const bob = keyring.addFromUri('//Bob'); // a producer
  const dave = keyring.addFromUri('//Dave'); // a consumer
  const price = 650_000_000_000n;
  let start = (await bestNumber(api)) + 20;
  let end = start + 2;

  // Refused offers, each with its named error and no change to the offers or their counter.
  const capacity = (await api.query.registry.nodes(bob.address)).unwrap().capacityWh.toNumber();
  const maxPrice = api.consts.market.maxPrice.toBigInt();
  const refused = [
    [api.tx.market.postOffer('Consumer', 10_000, null, start, end), bob, 'ConsumerRoleMismatch'],
    [api.tx.market.postOffer('Producer', 10_000, null, start, end), dave, 'ProducerRoleMismatch'],
    [api.tx.market.postOffer('Producer', 10_000, null, start, end), bob, 'PriceRequired'],
    [api.tx.market.postOffer('Producer', 0, price, start, end), bob, 'ZeroQuantity'],
    [api.tx.market.postOffer('Producer', capacity + 1, price, start, end), bob, 'QuantityTooLarge'],
    [api.tx.market.postOffer('Producer', 10_000, maxPrice + 1n, start, end), bob, 'PriceOutOfBand'],
    [api.tx.market.postOffer('Producer', 10_000, price, end, start), bob, 'BadWindow'],
    [api.tx.market.postOffer('Producer', 10_000, price, start, end), keyring.addFromUri('//Alice//stash'), 'NotActive'],
  ];
  const nextId = (await api.query.market.nextOfferId()).toNumber();
  // All at once, with explicit nonces for signers that send several.
  const nonces = new Map();
  const signed = [];
  for (const [tx, signer] of refused) {
    if (!nonces.has(signer.address)) nonces.set(signer.address, (await api.rpc.system.accountNextIndex(signer.address)).toNumber());
    const nonce = nonces.get(signer.address);
    nonces.set(signer.address, nonce + 1);
    signed.push([tx, signer, nonce]);
  }
  const results = await Promise.all(signed.map(([tx, signer, nonce]) => send(api, tx, signer, { nonce })));
  results.forEach((result, i) => assert.equal(result.error?.name, refused[i][2]));
  assert.equal((await api.query.market.nextOfferId()).toNumber(), nextId, 'no offer was stored');
  assert.equal((await api.query.market.offers.entries()).length, 0);

  // A supply offer and a demand (a demand's price cap is optional).
  start = (await bestNumber(api)) + 8;
  end = start + 2;
  let result = await send(api, api.tx.market.postOffer('Producer', 50_000, price, start, end), bob);
  assert.equal(result.error, null);
  const [supply] = eventsOf(result.events, api.events.market.OfferPosted);
  assert.equal(supply.data.owner.toString(), bob.address);
  assert.equal(supply.data.side.toString(), 'Producer');
  const supplyId = supply.data.id.toNumber();
  result = await send(api, api.tx.market.postOffer('Consumer', 30_000, null, start, end), dave);
  assert.equal(result.error, null);
  const [demand] = eventsOf(result.events, api.events.market.OfferPosted);
  const demandId = demand.data.id.toNumber();
  const offer = (await api.query.market.offers(supplyId)).unwrap();
  assert.equal(offer.quantityWh.toNumber(), 50_000);
  assert.equal(offer.price.unwrap().toBigInt(), price);
  assert.equal((await api.query.market.openOffers(bob.address)).toNumber(), 1);

  // Dave answers Bob's offer with a proposal on its terms (an offer is a notice, not a contract).
  result = await send(api, api.tx.market.propose(bob.address, 'Consumer', 50_000, price, start, end), dave);
  assert.equal(result.error, null);
  const [proposed] = eventsOf(result.events, api.events.market.ContractProposed);
  assert.equal(proposed.data.producer.toString(), bob.address);
  assert.equal(proposed.data.consumer.toString(), dave.address);

  // Only the owner withdraws an offer.
  result = await send(api, api.tx.market.cancelOffer(supplyId), dave);
  assert.equal(result.error?.name, 'NotOfferOwner');
  assert.ok((await api.query.market.offers(supplyId)).isSome);
  result = await send(api, api.tx.market.cancelOffer(demandId), dave);
  assert.equal(result.error, null);
  assert.equal(eventsOf(result.events, api.events.market.OfferCancelled)[0].data.id.toNumber(), demandId);
  assert.ok((await api.query.market.offers(demandId)).isNone);
  result = await send(api, api.tx.market.cancelOffer(demandId), dave);
  assert.equal(result.error?.name, 'OfferNotFound');

  // Bob's offer expires when its window starts: the hook removes it and frees Bob's slot.
  await waitUntil(async () => (await bestNumber(api)) >= start, 'the window start');
  const at = await api.at(await api.rpc.chain.getBlockHash(start));
  const expired = eventsOf(await at.query.system.events(), api.events.market.OfferExpired);
  assert.deepEqual(expired.map(({ data }) => data.id.toNumber()), [supplyId]);
  assert.ok((await api.query.market.offers(supplyId)).isNone);
  assert.equal((await api.query.market.openOffers(bob.address)).toNumber(), 0);
});
