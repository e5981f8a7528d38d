// The dev chain's community and the trading flow through signed extrinsics, shared by the tests
// and the demo (scripts/demo.sh): every step is an extrinsic signed by the account that would
// sign it in production (producer, consumer, their meters, the session's validators).
import assert from 'node:assert/strict';
import { send } from './harness.mjs';

/**
 * The dev chain's registered nodes in genesis order (runtime `genesis_config_presets::community`):
 * node `i` has the meter key `//meter{i}`. Alice is the trading center, not a node.
 */
export const COMMUNITY = [
  ...['Bob', 'Charlie', 'Bob//stash', 'Charlie//stash', '1', '2', '3', '4'].map((n) => [n, 'Producer']),
  ...['Dave', 'Eve', 'Dave//stash', 'Eve//stash', '5', '6', '7', '8'].map((n) => [n, 'Consumer']),
  ...['Ferdie', 'Ferdie//stash', 'One', 'Two'].map((n) => [n, 'Prosumer']),
];

/** The community's nodes: `{ index, name, role, pair, meter }` with sr25519 key pairs. */
export function community(keyring) {
  return COMMUNITY.map(([name, role], index) => ({
    index,
    name,
    role,
    pair: keyring.addFromUri(`//${name}`),
    meter: keyring.addFromUri(`//meter${index}`),
  }));
}

/** Every dev key pair by address: the community, Alice and the other well-known accounts. */
export function keysByAddress(keyring) {
  const uris = ['Alice', 'Alice//stash', ...COMMUNITY.map(([name]) => name)].map((n) => `//${n}`);
  return new Map(uris.map((uri) => {
    const pair = keyring.addFromUri(uri);
    return [pair.address, pair];
  }));
}

/** The best block's number. */
export async function bestNumber(api) {
  return (await api.rpc.chain.getHeader()).number.toNumber();
}

/** Poll `check` (async) every `everyMs` until it returns a truthy value; fail after `timeoutMs`. */
export async function waitUntil(check, what, { timeoutMs = 120000, everyMs = 1000 } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

/**
 * Sign and send every `[tx, signer]`, one transaction per signer (`utility.batchAll` when a
 * signer has several), the signers in parallel. Asserts that each succeeded and returns the
 * events of all of them, in the order of the signers' first appearance.
 */
export async function sendAll(api, items) {
  const bySigner = new Map();
  for (const [tx, signer] of items) {
    if (!bySigner.has(signer.address)) bySigner.set(signer.address, { signer, txs: [] });
    bySigner.get(signer.address).txs.push(tx);
  }
  const results = await Promise.all([...bySigner.values()].map(async ({ signer, txs }) => {
    const tx = txs.length === 1 ? txs[0] : api.tx.utility.batchAll(txs);
    const result = await send(api, tx, signer);
    assert.equal(result.error?.name ?? null, null, `transaction by ${signer.address}: ${JSON.stringify(result.error)}`);
    return result;
  }));
  return results.flatMap((r) => r.events);
}

/** The events of `events` that `kind` (e.g. `api.events.market.ContractSettled`) matches. */
export function eventsOf(events, kind) {
  return events.filter(({ event }) => kind.is(event)).map(({ event }) => event);
}

/**
 * The session's validators vote `verdictOf(poll)` on every poll of `polls` (`{ id, kind }`)
 * until all have concluded; each validator batches its votes. A poll in a batch (batched polls,
 * `verification.setBatchedPolls`) is voted on with one `verification.voteBatch` per batch, which
 * gives a verdict for each of the batch's polls in its order. Returns the events.
 */
export async function voteUntilConcluded(api, keys, polls, verdictOf) {
  const events = [];
  const validators = (await api.call.verificationApi.validators()).map(([account]) => account.toString());
  for (const validator of validators) {
    const pair = keys.get(validator);
    assert.ok(pair, `validator ${validator} is a dev account`);
  }
  for (const validator of validators) {
    const txs = [];
    const batches = new Map();
    for (const poll of polls) {
      const stored = await api.query.verification.polls(poll.id, poll.kind);
      if (stored.isNone) continue;
      const batch = stored.unwrap().batch;
      if (batch.isNone) {
        txs.push(api.tx.verification.vote(poll.id, poll.kind, verdictOf(poll)));
        continue;
      }
      const { opened, page } = batch.unwrap();
      batches.set(`${poll.kind} ${opened} ${page}`, { kind: poll.kind, batch: [opened, page] });
    }
    for (const { kind, batch } of batches.values()) {
      const subjects = await api.call.verificationApi.batchPolls(kind, batch);
      const verdicts = subjects.map((id) => verdictOf({ id: id.toNumber(), kind }));
      txs.push(api.tx.verification.voteBatch(kind, batch, verdicts));
    }
    if (txs.length === 0) break;
    events.push(...await sendAll(api, txs.map((tx) => [tx, keys.get(validator)])));
  }
  for (const poll of polls) {
    assert.ok((await api.query.verification.polls(poll.id, poll.kind)).isNone, `poll ${poll.kind} of ${poll.id} concluded`);
  }
  return events;
}

/**
 * Run `trades` through their whole lifecycle, all at once, and wait for their settlement:
 * proposal by the producer, acceptance by the consumer, the validators' approval votes, both
 * meters' readings after the delivery window, the validators' attestation of the quantities,
 * and settlement by the market's block hook.
 *
 * A trade is `{ producer, consumer, quantityWh, price, deliveredWh, consumedWh }` where the
 * parties are community nodes (`community()`), `price` in the smallest unit per kWh.
 * Returns `contracts`: per trade in order, `{ id, trade, approved, settled }` with its
 * `ContractApproved` and `ContractSettled` events; `events`: the event records of the trades'
 * transactions; `hookEvents`: the block hooks' event records from the delivery window's end to
 * the last settlement (settlements, penalty distributions, dust).
 */
export async function runTrades(api, keys, trades) {
  const events = [];
  const start = (await bestNumber(api)) + 4;
  const end = start + 1;
  const proposed = await sendAll(api, trades.map((t) => [
    api.tx.market.propose(t.consumer.pair.address, 'Producer', t.quantityWh, t.price, start, end),
    t.producer.pair,
  ]));
  events.push(...proposed);
  // Match the proposals to the trades: same parties, quantity and price, in order.
  const unmatched = eventsOf(proposed, api.events.market.ContractProposed);
  const ids = trades.map((t) => {
    const at = unmatched.findIndex(({ data }) => data.producer.toString() === t.producer.pair.address &&
      data.consumer.toString() === t.consumer.pair.address &&
      data.quantityWh.toNumber() === t.quantityWh && data.price.toBigInt() === BigInt(t.price));
    assert.ok(at >= 0, 'each trade was proposed');
    return unmatched.splice(at, 1)[0].data.id.toNumber();
  });

  events.push(...await sendAll(api, trades.map((t, i) => [api.tx.market.accept(ids[i]), t.consumer.pair])));
  const approvalVotes = await voteUntilConcluded(api, keys, ids.map((id) => ({ id, kind: 'Approval' })), () => 'Approve');
  events.push(...approvalVotes);
  const approved = ids.map((id) => {
    const event = eventsOf(approvalVotes, api.events.market.ContractApproved).find(({ data }) => data.id.toNumber() === id);
    assert.ok(event, `contract ${id} approved`);
    return event;
  });

  await waitUntil(async () => (await bestNumber(api)) > end, 'the end of the delivery window');
  events.push(...await sendAll(api, trades.flatMap((t, i) => [
    [api.tx.market.reportReading(ids[i], 'Producer', t.deliveredWh), t.producer.meter],
    [api.tx.market.reportReading(ids[i], 'Consumer', t.consumedWh), t.consumer.meter],
  ])));
  const byId = new Map(ids.map((id, i) => [id, trades[i]]));
  events.push(...await voteUntilConcluded(api, keys, ids.map((id) => ({ id, kind: 'Delivery' })), ({ id }) => ({
    Quantities: { deliveredWh: byId.get(id).deliveredWh, consumedWh: byId.get(id).consumedWh },
  })));

  // The market's `on_initialize` settles attested contracts; collect its events block by block.
  const settled = new Map();
  await waitUntil(async () => {
    for (const id of ids) {
      if (!settled.has(id) && (await api.query.market.contracts(id)).isNone) settled.set(id, null);
    }
    return settled.size === ids.length;
  }, 'the settlement of every contract', { everyMs: 2000 });
  const to = await bestNumber(api);
  const hookEvents = [];
  for (let n = end; n <= to; n++) {
    const at = await api.at(await api.rpc.chain.getBlockHash(n));
    const records = (await at.query.system.events()).filter(({ phase }) => phase.isInitialization);
    hookEvents.push(...records);
    for (const { event } of records) {
      if (api.events.market.ContractSettled.is(event) && settled.has(event.data.id.toNumber())) {
        settled.set(event.data.id.toNumber(), event);
      }
    }
  }
  return {
    events,
    hookEvents,
    contracts: ids.map((id, i) => {
      assert.ok(settled.get(id), `contract ${id} has a ContractSettled event`);
      return { id, trade: trades[i], approved: approved[i], settled: settled.get(id) };
    }),
  };
}
