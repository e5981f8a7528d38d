// Shared harness: start the built `dpoa-node --dev --tmp` on free ports, connect polkadot.js,
// and stop the node when the tests end (also when one fails).
import { ApiPromise, WsProvider } from '@polkadot/api';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The node binary: $NODE_BIN, else the release build in $CARGO_TARGET_DIR (or the default). */
export function nodeBin() {
  if (process.env.NODE_BIN) return process.env.NODE_BIN;
  const target = process.env.CARGO_TARGET_DIR ?? join(homedir(), '.cache', 'dpoa-target');
  return join(target, 'release', 'dpoa-node');
}

/** A free TCP port on 127.0.0.1. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Start a dev node and connect to it. Returns `{ api, keyring, url, log, stop }`; `stop()`
 * disconnects and kills the node. `chainSpec`: a chain spec file to use instead of the `dev`
 * preset (its chain type should be `Development`, so that the node holds the dev keys).
 */
export async function startDevNode({ chainSpec } = {}) {
  await cryptoWaitReady();
  const rpcPort = await freePort();
  const p2pPort = await freePort();
  const node = spawn(
    nodeBin(),
    ['--dev', '--tmp', '--rpc-port', String(rpcPort), '--port', String(p2pPort),
      '--no-prometheus', '--no-telemetry', '--no-mdns',
      ...(chainSpec ? ['--chain', chainSpec] : [])],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let log = '';
  node.stderr.on('data', (chunk) => { log = (log + chunk).slice(-20000); });
  const exited = new Promise((resolve) => node.on('exit', resolve));
  const kill = async () => {
    if (node.exitCode === null && node.signalCode === null) {
      node.kill('SIGTERM');
      const timer = setTimeout(() => node.kill('SIGKILL'), 20000);
      await exited;
      clearTimeout(timer);
    }
  };
  // Kill the node even if the test process dies abruptly.
  process.once('exit', () => { if (node.exitCode === null) node.kill('SIGKILL'); });
  let api;
  try {
    // Wait for the RPC server, then connect.
    const deadline = Date.now() + 60000;
    for (;;) {
      if (node.exitCode !== null) throw new Error(`dpoa-node exited early:\n${log}`);
      try {
        const reply = await fetch(`http://127.0.0.1:${rpcPort}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json' },
          body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'system_health', params: [] }),
        });
        if (reply.ok) break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`node RPC did not come up: ${e}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    api = await ApiPromise.create({ provider: new WsProvider(`ws://127.0.0.1:${rpcPort}`), noInitWarn: true });
  } catch (e) {
    await kill();
    throw e;
  }
  const keyring = new Keyring({ type: 'sr25519' });
  return {
    api,
    keyring,
    url: `ws://127.0.0.1:${rpcPort}`,
    log: () => log,
    stop: async () => {
      await api.disconnect().catch(() => {});
      await kill();
    },
  };
}

/**
 * Sign and send `tx` with `signer` (and signing `options`, e.g. `{ nonce }`), resolve when it is
 * in a block with `{ events, error, blockHash }`; `error` is the dispatch error, decoded with
 * `api.registry.findMetaError` when it is a module error.
 */
export function send(api, tx, signer, options = {}) {
  return new Promise((resolve, reject) => {
    let unsub;
    tx.signAndSend(signer, options, ({ status, events, dispatchError }) => {
      if (status.isInBlock || status.isFinalized) {
        if (unsub) unsub();
        let error = null;
        if (dispatchError) {
          error = dispatchError.isModule
            ? api.registry.findMetaError(dispatchError.asModule)
            : { name: dispatchError.toString() };
        }
        resolve({ events, error, blockHash: status.isInBlock ? status.asInBlock : status.asFinalized });
      }
    }).then((u) => { unsub = u; }, reject);
  });
}
