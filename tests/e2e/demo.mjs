// The paper's Tables 2/3 on a live dev chain: the 20-node dev community gets the paper's credits
// and verification streaks at genesis, runs the period's 13 contracts end to end through signed
// extrinsics (proposal, acceptance, the validators' approval, meter readings, the validators'
// attestation, settlement) and prints the settlement as the paper's tables do.
//
//   node demo.mjs [SCENARIO.json]      (scripts/demo.sh runs it; default: table_2_3.json)
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBin, startDevNode } from './harness.mjs';
import { community, eventsOf, keysByAddress, runTrades } from './community.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
/** The default scenario: the paper's Tables 2/3. */
export const TABLE_2_3 = join(HERE, '..', 'scenarios', 'table_2_3.json');
const UNIT = 10n ** 12n;

/** Currency units (a decimal, up to 6 places) in the smallest unit. */
const units = (x) => BigInt(Math.round(x * 1e6)) * (UNIT / 10n ** 6n);
/** The smallest unit as a decimal number of units. */
const asUnits = (b) => Number(b) / Number(UNIT);

/**
 * Map the scenario's nodes onto the dev community: producers onto the producers and then the
 * prosumers, consumers onto the consumers and then the remaining prosumers.
 */
export function assign(scenario, nodes) {
  const pools = {
    producer: nodes.filter((n) => n.role === 'Producer'),
    consumer: nodes.filter((n) => n.role === 'Consumer'),
  };
  const prosumers = nodes.filter((n) => n.role === 'Prosumer');
  const byId = new Map();
  for (const s of scenario.nodes) {
    const pool = pools[s.role] ?? [];
    const node = pool.shift() ?? prosumers.shift();
    if (!node) throw new Error(`the dev community has no node left for ${s.id}`);
    byId.set(s.id, { ...s, node });
  }
  if (scenario.periods.length !== 1) throw new Error('the demo runs scenarios of one period');
  return byId;
}

/** A chain spec of the dev chain whose genesis gives each mapped node its scenario credit. */
function chainSpec(byId, dir) {
  const spec = JSON.parse(execFileSync(nodeBin(), ['build-spec', '--chain', 'dev'], {
    stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20,
  }));
  const patch = spec.genesis.runtimeGenesis.patch;
  patch.credit = {
    ...(patch.credit ?? {}),
    records: [...byId.values()].map((s) => [s.node.pair.address, s.credit ?? 100, s.verification_streak ?? 0]),
  };
  spec.name = 'DPoA Energy Development (Tables 2/3 demo)';
  const file = join(dir, 'demo-spec.json');
  writeFileSync(file, JSON.stringify(spec));
  return file;
}

/**
 * Run the scenario on a fresh dev node. Returns `{ validators, trades, nodes }`: the session's
 * validators (scenario ids), per trade the scenario's trade with its settlement, and per node
 * its credit before and after and the penalty share it was credited.
 */
export async function runDemo(scenarioFile = TABLE_2_3, { log = () => {} } = {}) {
  const scenario = JSON.parse(readFileSync(scenarioFile, 'utf8'));
  const dir = mkdtempSync(join(tmpdir(), 'dpoa-demo-'));
  let node;
  try {
    // The keyring is needed to map accounts before the node exists.
    const { Keyring } = await import('@polkadot/keyring');
    const { cryptoWaitReady } = await import('@polkadot/util-crypto');
    await cryptoWaitReady();
    const byId = assign(scenario, community(new Keyring({ type: 'sr25519' })));
    node = await startDevNode({ chainSpec: chainSpec(byId, dir) });
    const { api, keyring } = node;
    const nodes = community(keyring);
    const byAddress = new Map([...byId.values()].map((s) => [s.node.pair.address, s]));
    for (const s of byId.values()) s.node = nodes[s.node.index];
    log(`dev node up; ${byId.size} scenario nodes mapped onto the dev community`);

    const validators = (await api.call.verificationApi.validators()).map(([a]) => byAddress.get(a.toString())?.id ?? a.toString());
    log(`session validators: ${validators.join(', ')}`);
    const record = async (s) => (await api.call.creditApi.creditRecord(s.node.pair.address)).unwrap();
    const before = new Map();
    for (const s of byId.values()) {
      before.set(s.id, { record: await record(s), received: (await api.call.penaltyApi.received(s.node.pair.address)).toBigInt() });
    }

    const period = scenario.periods[0];
    const trades = period.trades.map((t) => ({
      producer: byId.get(t.producer).node,
      consumer: byId.get(t.consumer).node,
      quantityWh: Math.round(t.quantity_kwh * 1000),
      price: units(t.price),
      deliveredWh: Math.round(t.delivered_kwh * 1000),
      consumedWh: Math.round(t.consumed_kwh * 1000),
    }));
    log(`running ${trades.length} contracts: proposal, acceptance, approval votes, readings, attestation, settlement`);
    const run = await runTrades(api, keysByAddress(keyring), trades);

    const result = {
      validators,
      dust: asUnits(eventsOf(run.hookEvents, api.events.penalty.DustPaid).reduce((s, { data }) => s + data.amount.toBigInt(), 0n)),
      trades: run.contracts.map(({ id, settled }, i) => {
        const s = settled.data;
        return {
          id,
          ...period.trades[i],
          producer_default: s.producerDefault.isTrue,
          consumer_default: s.consumerDefault.isTrue,
          producer_penalty_price: asUnits(s.producerPenaltyPrice.toBigInt()),
          producer_penalty: asUnits(s.producerPenalty.toBigInt()),
          consumer_penalty_price: asUnits(s.consumerPenaltyPrice.toBigInt()),
          consumer_penalty: asUnits(s.consumerPenalty.toBigInt()),
        };
      }),
      nodes: [],
    };
    for (const s of byId.values()) {
      const after = await record(s);
      const received = (await api.call.penaltyApi.received(s.node.pair.address)).toBigInt();
      result.nodes.push({
        id: s.id,
        account: s.node.name,
        credit_before: before.get(s.id).record.credit.toNumber(),
        credit: after.credit.toNumber(),
        verification_streak: after.verificationStreak.toNumber(),
        penalty_received: asUnits(received - before.get(s.id).received),
        paper: period.paper?.[s.id],
      });
    }
    return result;
  } finally {
    await node?.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x, places) => (x === undefined ? '' : x.toFixed(places));

/** The result as the paper's Table 2 (contracts and penalties) and Table 3 (credit and shares). */
export function formatTables(result) {
  const lines = [];
  lines.push(`Session validators (drawn by credit): ${result.validators.join(', ')}`, '');
  lines.push('Table 2: contracts and penalties (paper in brackets)');
  lines.push('| producer | consumer | Q kWh | price | delivered | consumed | default | penalty price | penalty |');
  lines.push('|---|---|---|---|---|---|---|---|---|');
  for (const t of result.trades) {
    const who = t.producer_default && t.consumer_default ? 'both' : t.producer_default ? 'producer' : t.consumer_default ? 'consumer' : '-';
    const price = t.producer_penalty_price + t.consumer_penalty_price;
    const penalty = t.producer_penalty + t.consumer_penalty;
    const paper = t.paper ? ` [${fmt(t.paper.producer_penalty ?? t.paper.consumer_penalty, 2)}]` : '';
    lines.push(`| ${t.producer} | ${t.consumer} | ${t.quantity_kwh} | ${t.price} | ${t.delivered_kwh} | ${t.consumed_kwh} | ${who} | ${fmt(price, 6)} | ${fmt(penalty, 6)}${paper} |`);
  }
  lines.push('', 'Table 3: credit and penalty shares received (paper in brackets)');
  lines.push('| node | dev account | credit before | credit after | verification streak | received |');
  lines.push('|---|---|---|---|---|---|');
  for (const n of result.nodes) {
    const paper = n.paper?.penalty_received !== undefined ? ` [${fmt(n.paper.penalty_received, 3)}]` : '';
    lines.push(`| ${n.id} | ${n.account} | ${n.credit_before} | ${n.credit} | ${n.verification_streak} | ${fmt(n.penalty_received, 6)}${paper} |`);
  }
  const paid = result.trades.reduce((s, t) => s + t.producer_penalty + t.consumer_penalty, 0);
  const received = result.nodes.reduce((s, n) => s + n.penalty_received, 0);
  lines.push('', `Penalties paid ${fmt(paid, 6)}; shares credited ${fmt(received, 6)}; dust to the trading center ${fmt(result.dust, 6)}.`);
  return lines.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const file = process.argv[2] ?? TABLE_2_3;
  const result = await runDemo(file, { log: (m) => console.error(`demo: ${m}`) });
  console.log(formatTables(result));
  process.exit(0);
}
