// The query commands in UnrealIRCd 6's formats: LIST (list.c), ISON (ison.c), USERHOST
// (userhost.c), VERSION, INFO (serv.c), ADMIN (admin.c), TIME (time.c), MAP (map.c), LINKS
// (links.c), MOTD (motd.c).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { leafNode, register, TIMEOUT, KEYS } from './clientHarness.ts';
import { cloakHost } from '../../src/client/cloak.ts';
import { longDate } from '../../src/client/commands/time.ts';

const BOB = ':001 UID bob 0 1795305700 bob host-9.example.org 001AAAAAB 0 +iwx * Clk-X.example.org xhICDA== :Bob';
const CAROL = ':001 UID carol 0 1795305701 carol 198.51.100.3 001AAAAAC 0 +w * * xjNkAw== :Carol';
const host = cloakHost('192.0.2.10', { keys: KEYS });

function setup(cfg = {}) {
  const n = leafNode({ cfg, burst: [BOB, CAROL,
    ':001 SJOIN 1795305000 #lobby +nt :@001AAAAAB 001AAAAAC', 'TOPIC #lobby bob!bob@Clk-X.example.org 1795305100 :Welcome',
    ':001 SJOIN 1795305000 #hidden +s :001AAAAAB', ':001 SJOIN 1795305000 #priv +p :001AAAAAB'] });
  register(n, 'a', 'alice');
  n.pump();
  return n;
}
const lines = (n: ReturnType<typeof leafNode>, cmd: string) => { n.clients.receive('a', cmd); return n.pump().get('a') ?? []; };

test('LIST: 321, 322 "<#chan> <users> :[+modes] <topic>", +p as "*", +s hidden from non-members, 323', { timeout: TIMEOUT }, () => {
  const n = setup();
  const got = lines(n, 'LIST');
  assert.equal(got[0], ':tslink.test 321 alice Channel :Users  Name');
  assert.deepEqual(got.slice(1, -1).sort(), [':tslink.test 322 alice #lobby 2 :[+nt] Welcome', ':tslink.test 322 alice * 1 : '].sort());
  assert.equal(got.at(-1), ':tslink.test 323 alice :End of /LIST');
  assert.deepEqual(lines(n, 'LIST >1'), [':tslink.test 321 alice Channel :Users  Name', ':tslink.test 322 alice #lobby 2 :[+nt] Welcome', ':tslink.test 323 alice :End of /LIST']);
  assert.deepEqual(lines(n, 'LIST #lob*'), [':tslink.test 321 alice Channel :Users  Name', ':tslink.test 322 alice #lobby 2 :[+nt] Welcome', ':tslink.test 323 alice :End of /LIST']);
  assert.deepEqual(lines(n, 'LIST #hidden'), [':tslink.test 321 alice Channel :Users  Name', ':tslink.test 323 alice :End of /LIST']);
  assert.equal(lines(n, 'LIST ?')[0], ':tslink.test 334 alice :   Usage: /LIST <options>');
  assert.equal(lines(n, 'LIST Cx5')[1], ':tslink.test 521 alice :Bad list syntax, type /quote list ? or /raw list ?');
});

test('ISON: 303 with the names given of those online, each followed by a space; nick!mask matches user@host', { timeout: TIMEOUT }, () => {
  const n = setup();
  assert.deepEqual(lines(n, 'ISON BOB nobody carol'), [':tslink.test 303 alice :BOB carol ']);
  assert.deepEqual(lines(n, 'ISON :bob!bob@Clk-* carol!x@*'), [':tslink.test 303 alice :bob!bob@Clk-* ']);
  assert.deepEqual(lines(n, 'ISON'), [':tslink.test 461 alice ISON :Not enough parameters']);
});

test('USERHOST: one 302 with five slots; - when away, the shown host of others, the real host of oneself', { timeout: TIMEOUT }, () => {
  const n = setup();
  n.engine.receive('hub', ':001AAAAAC AWAY :gone');
  n.pump();
  assert.deepEqual(lines(n, 'USERHOST bob carol nobody alice'), [':tslink.test 302 alice :bob=+bob@Clk-X.example.org carol=-carol@198.51.100.3 alice=+alice@192.0.2.10  ']);
});

test('VERSION: 351 "<version>. <server> :0 [*=<protocol>]" then the 005 lines; TIME: 391; INFO: 371 lines and 374', { timeout: TIMEOUT }, () => {
  const n = setup();
  const v = lines(n, 'VERSION');
  assert.equal(v[0], ':tslink.test 351 alice tslink-0.1.0. tslink.test :0 [*=6100]');
  assert.ok(v.slice(1).length > 0 && v.slice(1).every((l) => / 005 alice .* :are supported by this server$/.test(l)), v.join('\n'));
  assert.deepEqual(lines(n, 'TIME'), [`:tslink.test 391 alice tslink.test :${longDate(n.engine.now())}`]);
  assert.equal(longDate(1796657452), 'Monday December 7 2026 -- 15:30 +00:00');
  const info = lines(n, 'INFO');
  assert.match(info[0], /^:tslink\.test 371 alice :========== tslink-0\.1\.0 ==========$/);
  assert.equal(info.at(-1), ':tslink.test 374 alice :End of /INFO list.');
});

test('ADMIN: 423 without admin lines; 256, 257, 258, 259 with them', { timeout: TIMEOUT }, () => {
  assert.deepEqual(lines(setup(), 'ADMIN'), [':tslink.test 423 alice tslink.test :No administrative info available']);
  const n = setup({ admin: ['Ann Admin', 'ann', 'ann@example.org'] });
  assert.deepEqual(lines(n, 'ADMIN'), [
    ':tslink.test 256 alice :Administrative info about tslink.test',
    ':tslink.test 257 alice :Ann Admin', ':tslink.test 258 alice :ann', ':tslink.test 259 alice :ann@example.org',
  ]);
});

test('MAP draws the server tree as map.c does (006, 018, 007); LINKS lists every server (364, 365)', { timeout: TIMEOUT }, () => {
  const n = setup();
  n.engine.receive('hub', ':001 SID far.test 2 002 :Far away');
  n.engine.receive('hub', ':002 UID erin 0 1795305703 erin 203.0.113.5 002AAAAAE 0 +w * * y3EABQ== :Erin');
  n.pump();
  assert.deepEqual(lines(n, 'MAP'), [
    // The widest is far.test at depth 2 (8 + 2×2 = 12, + 2): every name's dashes end in one column.
    ':tslink.test 006 alice :tslink.test ---- | Users: 1 (25.00%)',
    ':tslink.test 006 alice :`-hub.test ----- | Users: 2 (50.00%)',
    ':tslink.test 006 alice :  `-far.test --- | Users: 1 (25.00%)',
    ':tslink.test 018 alice :3 servers and 4 users, average 1.33 users per server',
    ':tslink.test 007 alice :End of /MAP',
  ]);
  n.engine.receive('hub', ':001 SID blank.test 2 003 :');
  assert.deepEqual(lines(n, 'LINKS'), [
    ':tslink.test 364 alice blank.test hub.test :2 (Unknown Location)',
    ':tslink.test 364 alice far.test hub.test :2 Far away',
    ':tslink.test 364 alice hub.test tslink.test :1 Fake leaf',
    ':tslink.test 364 alice tslink.test tslink.test :0 tslink leaf',
    ':tslink.test 365 alice * :End of /LINKS list.',
  ]);
});

test('MOTD: 422 without one; 375, 372 per line, 376 with one', { timeout: TIMEOUT }, () => {
  assert.deepEqual(lines(setup(), 'MOTD'), [':tslink.test 422 alice :MOTD File is missing']);
  assert.deepEqual(lines(setup({ motd: ['Hello', 'World'] }), 'MOTD'), [
    ':tslink.test 375 alice :- tslink.test Message of the Day - ', ':tslink.test 372 alice :- Hello', ':tslink.test 372 alice :- World', ':tslink.test 376 alice :End of /MOTD command.',
  ]);
  void host;
});
