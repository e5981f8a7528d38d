// Contracts with a producer default, a consumer default and both, twice: the first default is
// a first offence (credit falls, no penalty, MODEL R6); the second costs the penalty price the
// credit API quoted, the harmed party and the community are owed their shares (MODEL §7), and
// they claim them. Every party's balance moves by exactly what the settlement event says.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { send, startDevNode } from './harness.mjs';
import { community, eventsOf, keysByAddress, runTrades } from './community.mjs';

let node;
before(async () => { node = await startDevNode(); });
after(async () => { await node?.stop(); });

const Q = 80_000;

/** `price` per kWh times `wh`, rounded down (the runtime's `energy_cost`). */
const cost = (price, wh) => (BigInt(price) * BigInt(wh)) / 1000n;

/** Free plus held balance. */
async function total(api, address) {
  const { data } = await api.query.system.account(address);
  return data.free.toBigInt() + data.reserved.toBigInt();
}

async function held(api, address) {
  return (await api.query.balances.holds(address)).reduce((sum, h) => sum + h.amount.toBigInt(), 0n);
}

/** Transaction fees `address` paid in `records`. */
function feesOf(api, records, address) {
  return eventsOf(records, api.events.transactionPayment.TransactionFeePaid)
    .filter(({ data }) => data.who.toString() === address)
    .reduce((sum, { data }) => sum + data.actualFee.toBigInt() + data.tip.toBigInt(), 0n);
}

async function credit(api, address) {
  return (await api.call.creditApi.creditRecord(address)).unwrap().credit.toNumber();
}

/**
 * Run the three contracts and check each settlement against the model and each party's
 * balance against the settlement. Returns the run.
 */
async function round(api, keys, trades) {
  const parties = trades.flatMap((t) => [t.producer, t.consumer]);
  const before = await Promise.all(parties.map((p) => total(api, p.pair.address)));
  // What a default would cost each party now (the credit API's quote).
  const quotes = await Promise.all(trades.flatMap((t) => [t.producer, t.consumer]
    .map((p) => api.call.creditApi.penaltyQuote(p.pair.address, t.price).then((q) => q.unwrap()))));
  const run = await runTrades(api, keys, trades);
  const fee = api.consts.market.contractFee.toBigInt();
  const gridFee = api.consts.market.gridFee.toBigInt();
  const gridPrice = api.consts.market.gridPrice.toBigInt();
  const feedIn = api.consts.market.feedInPrice.toBigInt();
  for (const [i, { trade, approved, settled }] of run.contracts.entries()) {
    const s = settled.data;
    const producerDefault = trade.deliveredWh !== Q;
    const consumerDefault = trade.consumedWh !== Q;
    assert.equal(s.producerDefault.isTrue, producerDefault, 'producer default');
    assert.equal(s.consumerDefault.isTrue, consumerDefault, 'consumer default');
    const transferred = Math.min(trade.deliveredWh, trade.consumedWh, Q);
    assert.equal(s.transferredWh.toNumber(), transferred);
    assert.equal(s.payment.toBigInt(), cost(trade.price, transferred));
    assert.equal(s.gridFee.toBigInt(), cost(gridFee, transferred));
    assert.equal(s.boughtFromGridWh.toNumber(), Math.min(trade.consumedWh, Q) - transferred);
    assert.equal(s.soldToGridWh.toNumber(), Math.min(trade.deliveredWh, Q) - transferred);
    // The penalty is the quoted price (liable only after a first offence) times the deviation.
    for (const [side, defaulted, dealt, quote] of [
      ['producer', producerDefault, trade.deliveredWh, quotes[2 * i]],
      ['consumer', consumerDefault, trade.consumedWh, quotes[2 * i + 1]],
    ]) {
      const price = defaulted && quote.liable.isTrue ? quote.penaltyPrice.toBigInt() : 0n;
      assert.equal(s[`${side}PenaltyPrice`].toBigInt(), price, `${side} penalty price`);
      assert.equal(s[`${side}Penalty`].toBigInt(), cost(price, Math.abs(Q - dealt)), `${side} penalty`);
    }
    // Holds: on while active, all released after settlement.
    assert.ok(approved.data.consumerHeld.toBigInt() > 0n && approved.data.producerHeld.toBigInt() > 0n);
    // Balances move by exactly the settlement's amounts, the contract fee and the fees paid.
    const [producer, consumer] = [trade.producer.pair.address, trade.consumer.pair.address];
    assert.equal(await held(api, producer), 0n);
    assert.equal(await held(api, consumer), 0n);
    const feedInPaid = s.gridPaid.isTrue ? cost(feedIn, s.soldToGridWh.toNumber()) : 0n;
    assert.equal(
      await total(api, producer) - before[2 * i],
      s.payment.toBigInt() + feedInPaid - fee - s.producerPenalty.toBigInt() - feesOf(api, run.events, producer),
      'producer balance',
    );
    assert.equal(
      await total(api, consumer) - before[2 * i + 1],
      -s.payment.toBigInt() - cost(gridPrice, s.boughtFromGridWh.toNumber()) - s.gridFee.toBigInt()
        - fee - s.consumerPenalty.toBigInt() - feesOf(api, run.events, consumer),
      'consumer balance',
    );
  }
  return run;
}

test('producer, consumer and both default; penalties are owed and claimed', { timeout: 600000 }, async () => {
  const { api, keyring } = node;
  const keys = keysByAddress(keyring);
  const nodes = community(keyring);
  // Parties that are not validators, so that their verification streaks (which enter the
  // penalty price) do not change while the polls run.
  const validators = new Set((await api.call.verificationApi.validators()).map(([a]) => a.toString()));
  const free = nodes.filter((n) => !validators.has(n.pair.address));
  const producers = free.filter((n) => n.role === 'Producer');
  const consumers = free.filter((n) => n.role === 'Consumer');
  const price = 640_000_000_000n;
  const trades = [
    { producer: producers[0], consumer: consumers[0], quantityWh: Q, price, deliveredWh: 40_000, consumedWh: Q },
    { producer: producers[1], consumer: consumers[1], quantityWh: Q, price, deliveredWh: Q, consumedWh: 40_000 },
    { producer: producers[2], consumer: consumers[2], quantityWh: Q, price, deliveredWh: 50_000, consumedWh: 30_000 },
  ];
  const defaulters = [trades[0].producer, trades[1].consumer, trades[2].producer, trades[2].consumer];
  const harmed = [trades[0].consumer, trades[1].producer];

  // First offences: credit 100 -> 99, no penalty.
  let run = await round(api, keys, trades);
  for (const { settled } of run.contracts) {
    assert.equal(settled.data.producerPenalty.toBigInt() + settled.data.consumerPenalty.toBigInt(), 0n);
  }
  for (const n of defaulters) assert.equal(await credit(api, n.pair.address), 99, `${n.name} after one default`);
  for (const n of harmed) assert.equal(await credit(api, n.pair.address), 100, `${n.name} fulfilled`);

  // Second offences: 99 -> 98 (Fibonacci 1, 1), liable at the quoted penalty price.
  const shareholders = nodes.map((n) => n.pair.address);
  const receivedBefore = await Promise.all(shareholders.map((a) => api.call.penaltyApi.received(a)));
  run = await round(api, keys, trades);
  for (const n of defaulters) assert.equal(await credit(api, n.pair.address), 98, `${n.name} after two defaults`);
  const penalties = run.contracts.map(({ settled }) => settled.data.producerPenalty.toBigInt() + settled.data.consumerPenalty.toBigInt());
  for (const p of penalties) assert.ok(p > 0n, 'a second default is penalised');

  // The split: mu of a one-sided default's penalty to the harmed party, none when both default.
  const mu = (await api.call.creditApi.params()).mu.toBigInt(); // parts per billion
  const distributed = eventsOf(run.hookEvents, api.events.penalty.Distributed);
  assert.equal(distributed.length, 4, 'one distribution per penalty');
  for (const [i, who] of [[0, harmed[0]], [1, harmed[1]]]) {
    const d = distributed.find(({ data }) => data.counterparty.isSome && data.counterparty.unwrap().toString() === who.pair.address);
    assert.ok(d, `${who.name} gets a share`);
    assert.equal(d.data.counterpartyShare.toBigInt(), penalties[i] * mu / 1_000_000_000n);
    assert.equal(d.data.counterpartyShare.toBigInt() + d.data.communityShare.toBigInt(), penalties[i]);
  }
  const both = distributed.filter(({ data }) => data.counterparty.isNone);
  assert.equal(both.length, 2, 'both defaulted: no counterparty share');
  assert.equal(both.reduce((sum, { data }) => sum + data.communityShare.toBigInt(), 0n), penalties[2]);

  // Conservation: what the nodes were credited plus the dust paid to the trading center is the
  // penalties, less under one unit per node of rounding that stays in the pot.
  const receivedAfter = await Promise.all(shareholders.map((a) => api.call.penaltyApi.received(a)));
  const credited = receivedAfter.reduce((sum, r, i) => sum + r.toBigInt() - receivedBefore[i].toBigInt(), 0n);
  const dust = eventsOf(run.hookEvents, api.events.penalty.DustPaid).reduce((sum, { data }) => sum + data.amount.toBigInt(), 0n);
  const total_ = penalties.reduce((a, b) => a + b, 0n);
  assert.ok(credited + dust <= total_ && total_ - credited - dust <= BigInt(shareholders.length + 1),
    `credited ${credited} + dust ${dust} vs penalties ${total_}`);
  // Every node outside the trades shares in the community part.
  const bystanders = nodes.filter((n) => !trades.some((t) => t.producer === n || t.consumer === n));
  for (const n of bystanders) {
    const i = shareholders.indexOf(n.pair.address);
    assert.ok(receivedAfter[i].toBigInt() > receivedBefore[i].toBigInt(), `${n.name} is owed a share`);
  }

  // Claims: the harmed consumer and a bystander claim exactly what the API says they can.
  for (const n of [harmed[0], bystanders[0]]) {
    const claimable = (await api.call.penaltyApi.claimable(n.pair.address)).toBigInt();
    assert.ok(claimable > 0n);
    const balance = await total(api, n.pair.address);
    const result = await send(api, api.tx.penalty.claim(), n.pair);
    assert.equal(result.error, null);
    const [claimed] = eventsOf(result.events, api.events.penalty.Claimed);
    assert.equal(claimed.data.who.toString(), n.pair.address);
    assert.equal(claimed.data.amount.toBigInt(), claimable);
    assert.equal(await total(api, n.pair.address) - balance, claimable - feesOf(api, result.events, n.pair.address));
    assert.equal((await api.call.penaltyApi.claimable(n.pair.address)).toBigInt(), 0n);

    // Claiming again: NothingToClaim, and the record is unchanged.
    const record = (await api.query.penalty.shares(n.pair.address)).toJSON();
    const again = await send(api, api.tx.penalty.claim(), n.pair);
    assert.equal(again.error?.name, 'NothingToClaim');
    assert.deepEqual((await api.query.penalty.shares(n.pair.address)).toJSON(), record);
  }
  // An account that is not a node has nothing to claim.
  const outsider = keyring.addFromUri('//Alice//stash');
  const result = await send(api, api.tx.penalty.claim(), outsider);
  assert.equal(result.error?.name, 'NothingToClaim');
});
