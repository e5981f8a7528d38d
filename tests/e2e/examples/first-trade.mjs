// One contract from proposal to settlement on a running `dpoa-node --dev` (README walkthrough).
import { ApiPromise, Keyring, WsProvider } from '@polkadot/api';
const api = await ApiPromise.create({ provider: new WsProvider(process.env.WS ?? 'ws://127.0.0.1:9944'), noInitWarn: true });
const key = (name) => new Keyring({ type: 'sr25519' }).addFromUri(`//${name}`);
const validatorKey = new Map('Bob Charlie Dave Eve Ferdie'.split(' ').flatMap((n) => [n, `${n}//stash`])
  .concat('One Two 1 2 3 4 5 6 7 8'.split(' ')).map(key).map((pair) => [pair.address, pair])); // the dev community
const send = (tx, who) => new Promise((ok, fail) => tx.signAndSend(who, ({ status, events, dispatchError }) =>
  (dispatchError ? fail(new Error(dispatchError.toString())) : status.isInBlock && ok(events))).catch(fail));
const vote = async (id, kind, verdict) => { for (const [v] of await api.call.verificationApi.validators())
  if ((await api.query.verification.polls(id, kind)).isSome) await send(api.tx.verification.vote(id, kind, verdict), validatorKey.get(v.toString())); };
const [bob, dave] = [key('Bob'), key('Dave')], end = (await api.rpc.chain.getHeader()).number.toNumber() + 5;
const id = (await send(api.tx.market.propose(dave.address, 'Producer', 10_000, 640_000_000_000n, end, end), bob)) // 10 kWh at 0.64
  .find(({ event }) => api.events.market.ContractProposed.is(event)).event.data.id.toNumber();
await send(api.tx.market.accept(id), dave);
await vote(id, 'Approval', 'Approve');
while ((await api.rpc.chain.getHeader()).number.toNumber() <= end) await new Promise((r) => setTimeout(r, 1000));
await Promise.all([['Producer', 'meter0'], ['Consumer', 'meter8']].map(([side, meter]) => send(api.tx.market.reportReading(id, side, 10_000), key(meter))));
const settled = new Promise((ok) => api.query.system.events((records) => records.forEach(({ event }) =>
  api.events.market.ContractSettled.is(event) && event.data.id.toNumber() === id && ok(event.data.toHuman()))));
await vote(id, 'Delivery', { Quantities: { deliveredWh: 10_000, consumedWh: 10_000 } });
console.log('ContractSettled', await settled, 'Bob:', (await api.call.creditApi.creditRecord(bob.address)).toHuman());
await api.disconnect();
