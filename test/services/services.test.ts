// Real peers no one here wrote: Debian's atheme-services and anope link to tslink over
// loopback with their UnrealIRCd protocol module, burst their bots, and answer a NickServ
// REGISTER sent from the network. Skipped (with the reason) when the packages are missing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { ANOPE_BIN, ATHEME_BIN, anope, atheme, startNode, stopChild, waitFor, type Harness } from './peers.ts';
import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { main } from '../../src/cli/main.ts';

/** The README's services check, without captures: `tslink map` and `tslink rpc user.list` over the node's rpc socket. */
async function operatorView(h: Harness): Promise<void> {
  const run = async (argv: string[]): Promise<string> => {
    let out = '', err = '';
    const code = await main([...argv, '--socket', join(h.dir, 'data', 'rpc.socket')], { out: (s) => { out += s; }, err: (s) => { err += s; } });
    assert.equal(code, 0, `tslink ${argv.join(' ')}: exit ${code}: ${err}`);
    return out;
  };
  const map = await run(['map']);
  assert.match(map, /services\.test/, `tslink map shows services.test:\n${map}`);
  const users = JSON.parse(await run(['rpc', 'user.list'])) as unknown;
  const nicks = JSON.stringify(users);
  assert.ok(nicks.includes('"NickServ"') && nicks.includes('"ChanServ"'), `tslink rpc user.list shows NickServ and ChanServ: ${nicks.slice(0, 400)}`);
}

async function registerFlow(h: Harness, services: ChildProcess, label: string): Promise<void> {
  const e = h.node.engine;
  const exited = () => services.exitCode !== null;
  await waitFor(() => !!e.net.server('services.test') || exited(), 20_000, `${label} to link`);
  assert.ok(!exited(), `${label} exited early`);
  await waitFor(() => !!e.net.userByNick('NickServ') && !!e.net.server('services.test')?.synced, 20_000, `${label} burst (NickServ + EOS)`);
  const svc = e.net.server('services.test')!;
  assert.ok(svc.ulined, 'services.test is U-lined');
  const bots = [...svc.users].map((u) => u.nick).sort();
  assert.ok(bots.includes('NickServ') && bots.includes('ChanServ'), `bots: ${bots.join(',')}`);
  const now = Math.floor(Date.now() / 1000);
  e.local(`:0TS UID alice 0 ${now} alice localhost 0TSAAAAAA 0 +i * * fwAAAQ== :Alice Test`);
  h.node.pump();
  await new Promise((r) => setTimeout(r, 300));
  e.local(`:0TSAAAAAA PRIVMSG NickServ@services.test :REGISTER s3cretpassw0rd alice@example.test`);
  h.node.pump();
  const alice = () => e.net.user('0TSAAAAAA');
  await waitFor(() => alice()?.account === 'alice', 20_000, `${label} to log alice in after REGISTER`);
  assert.equal(alice()!.account, 'alice');
}

test('atheme-services links over loopback, bursts its bots and answers NickServ REGISTER', { timeout: 60_000 }, async (t) => {
  if (!existsSync(ATHEME_BIN)) { t.skip(`${ATHEME_BIN} not installed (apt-get install atheme-services)`); return; }
  const h = await startNode();
  const svc = atheme(h);
  try {
    await registerFlow(h, svc, 'Atheme');
    await operatorView(h);
  } finally {
    await stopChild(svc);
    await h.stop();
  }
});

test('anope links over loopback, bursts its bots and answers NickServ REGISTER', { timeout: 60_000 }, async (t) => {
  if (!existsSync(ANOPE_BIN)) { t.skip(`${ANOPE_BIN} not installed (apt-get install anope)`); return; }
  const h = await startNode();
  const svc = anope(h);
  try {
    await registerFlow(h, svc, 'Anope');
    await operatorView(h);
  } finally {
    await stopChild(svc);
    await h.stop();
  }
});
