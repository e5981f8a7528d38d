// The README's `@polkadot/api` walkthrough: its copy of examples/first-trade.mjs is the file,
// and the file settles a trade against a fresh dev node.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { startDevNode } from './harness.mjs';
import { README } from './extrinsics.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const EXAMPLE = join(HERE, 'examples', 'first-trade.mjs');

test("the README's example is examples/first-trade.mjs", () => {
  const readme = readFileSync(README, 'utf8');
  const begin = readme.indexOf('<!-- example:begin');
  const end = readme.indexOf('<!-- example:end -->');
  assert.ok(begin >= 0 && end > begin, 'README.md has the example markers');
  const block = readme.slice(begin, end).match(/```js\n([\s\S]*?)```/);
  assert.ok(block, 'a js code block between the markers');
  assert.equal(block[1], readFileSync(EXAMPLE, 'utf8'));
  const lines = block[1].split('\n').filter((l) => l.trim() !== '' && !l.startsWith('//'));
  assert.ok(lines.length <= 21, `the example stays short: ${lines.length} lines`);
});

test('examples/first-trade.mjs settles a trade on a fresh dev node', { timeout: 300000 }, async () => {
  const node = await startDevNode();
  try {
    const { stdout } = await promisify(execFile)(process.execPath, [EXAMPLE], {
      cwd: HERE, env: { ...process.env, WS: node.url }, timeout: 240000,
    });
    assert.match(stdout, /ContractSettled/);
    assert.match(stdout, /producerDefault: false/);
    assert.match(stdout, /fulfilledStreak: '1'/);
  } finally {
    await node.stop();
  }
});
