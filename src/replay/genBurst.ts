// Synthetic burst generator: a valid capture of a synthetic network, deterministic per seed.
// The peer ('<') is a hub with servers behind it that bursts users, channels and bans to the
// recording leaf ('>'), which answers with EOS and finally SQUITs itself.
export interface GenOptions { users: number; channels: number; tkl: number; servers: number; seed: number; baseTs?: number }

/** mulberry32: small, fast, deterministic PRNG. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYL = ['ka', 'ri', 'mo', 'zen', 'ta', 'lu', 'vin', 'sa', 'dor', 'el', 'ja', 'nox', 'pi', 'ro', 'qu', 'be', 'ash', 'tor', 'mi', 'ul'];
const WORDS = ['linux', 'help', 'dev', 'chat', 'music', 'games', 'news', 'ops', 'code', 'radio', 'anime', 'rust', 'go', 'web', 'sec'];
const REALNAMES = ['Just a user', 'Night owl', 'Coffee addict', 'IRC enthusiast', 'Dev team', 'Bot Operator', 'Nobody special', 'Élodie from Lyon', '日本語 user'];
const B32 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

export function generateBurst(o: GenOptions): string[] {
  const r = rng(o.seed);
  const pick = <T>(a: readonly T[]): T => a[Math.floor(r() * a.length)];
  const int = (lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));
  const base = o.baseTs ?? 1795305000;
  const rows: string[] = [];
  let ms = 0;
  const row = (dir: '<' | '>', line: string) => rows.push(`+${String(ms).padStart(6, '0')} ${dir} ${line}`);
  const utf8 = (s: string) => Buffer.from(s, 'utf8').toString('latin1');
  const tags = () => `@msgid=${Array.from({ length: 22 }, () => B32[int(0, 35)]).join('')};time=2026-11-22T00:00:${String(int(10, 59))}.${String(int(100, 999))}Z`;

  rows.push(`# tslink gen-burst v1: users=${o.users} channels=${o.channels} tkl=${o.tkl} servers=${o.servers} seed=${o.seed}`);
  row('>', 'PASS :*');
  row('>', 'PROTOCTL EAUTH=leaf.gen.test,6100,tslink,tslink-gen');
  row('>', 'PROTOCTL SERVERS=');
  row('>', 'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS');
  row('>', `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${base} PREFIX=(qaohv)~&@%+ SID=0AA MLOCK TS=${base + 700} EXTSWHOIS`);
  row('>', 'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES');
  row('>', 'SERVER leaf.gen.test 1 :U6100-tslink-0AA generated leaf');
  ms = 1;
  row('<', 'PASS :*');
  row('<', 'PROTOCTL EAUTH=hub.gen.test,6100,tslink,tslink-gen');
  row('<', 'PROTOCTL SERVERS=*001');
  row('<', 'PROTOCTL NOQUIT NICKv2 SJOIN SJOIN2 UMODE2 VL SJ3 TKLEXT TKLEXT2 NICKIP ESVID NEXTBANS SJSBY MTAGS');
  row('<', `PROTOCTL CHANMODES=beI,fkL,lFH,cdimnprstzCDGKMNOPQRSTVZ USERMODES=diopqrstwxzBDGHIRSTWZ BOOTED=${base} PREFIX=(qaohv)~&@%+ SID=001 MLOCK TS=${base + 700} EXTSWHOIS`);
  row('<', 'PROTOCTL NICKCHARS= CHANNELCHARS=utf8 BIGLINES');
  row('<', 'SERVER hub.gen.test 1 :U6100-tslink-001 generated hub');
  row('<', ':001 MD client 001 creationtime :0');

  // Servers: the hub plus servers-1 behind it (a few chained one level deeper).
  const sids = ['001'];
  for (let i = 1; i < o.servers; i++) {
    const sid = `${1 + (i % 9)}${B32[10 + Math.floor(i / 26) % 26]}${B32[10 + (i % 26)]}`;
    const up = i > 3 && r() < 0.3 ? sids[int(1, sids.length - 1)] : '001';
    const hop = up === '001' ? 2 : 3;
    row('<', `:${up} SID s${i}.gen.test ${hop} ${sid} :generated server ${i}`);
    row('<', `:${sid} EOS`);
    sids.push(sid);
  }

  // Users.
  const uids: string[] = [];
  const nicks = new Set<string>();
  const perServerCounter = new Map<string, number>();
  for (let i = 0; i < o.users; i++) {
    const sid = sids[i % sids.length];
    const n = perServerCounter.get(sid) ?? 0;
    perServerCounter.set(sid, n + 1);
    let uidTail = '';
    for (let k = 0, v = n; k < 6; k++, v = Math.floor(v / 36)) uidTail = B32[v % 36] + uidTail;
    const uid = sid + uidTail;
    let nick = pick(SYL) + pick(SYL) + (r() < 0.5 ? pick(SYL) : '') + (r() < 0.6 ? String(int(0, 999)) : '');
    nick = (r() < 0.3 ? nick[0].toUpperCase() + nick.slice(1) : nick).slice(0, 24);
    while (nicks.has(nick.toLowerCase())) nick = `${nick.slice(0, 20)}_${int(0, 9999)}`;
    nicks.add(nick.toLowerCase());
    const ts = base + int(0, 600);
    const v6 = r() < 0.25;
    const ipBytes = v6 ? Buffer.from([0x20, 0x01, 0x0d, 0xb8, ...Array.from({ length: 12 }, () => int(0, 255))]) : Buffer.from([int(1, 223), int(0, 255), int(0, 255), int(1, 254)]);
    const host = v6 ? `2001:db8:${ipBytes.readUInt16BE(4).toString(16)}:${ipBytes.readUInt16BE(6).toString(16)}:0:0:0:${ipBytes.readUInt16BE(14).toString(16)}` : [...ipBytes].join('.');
    const modes = '+' + ['i', 'w', 'x'].filter(() => r() < 0.7).join('') + (r() < 0.05 ? 'o' : '') + (r() < 0.05 ? 'B' : '') + (r() < 0.1 ? 'G' : '');
    const cloak = `${int(0, 0xffffff).toString(16).toUpperCase()}.${int(0, 0xffffff).toString(16).toUpperCase()}.IP`;
    const account = r() < 0.2 ? nick.toLowerCase().replace(/[^a-z0-9]/g, '') || '0' : '0';
    const created = ts - int(0, 100);
    row('<', `@s2s-md/creationtime=${created} :${sid} UID ${nick} 0 ${ts} ${nick.toLowerCase().replace(/[^a-z]/g, '').slice(0, 9) || 'user'} ${host} ${uid} ${account} ${modes === '+' ? '+' : modes} * ${cloak} ${ipBytes.toString('base64')} :${utf8(pick(REALNAMES))}`);
    row('<', `:${sid} MD client ${uid} creationtime :${created}`);
    if (r() < 0.08) row('<', `:${uid} AWAY :${utf8('away, back soon ' + pick(['😴', '☕', 'zz']))}`);
    uids.push(uid);
  }

  // Channels: 1-50 members, SJSBY list entries, split at ~504 bytes like UnrealIRCd.
  const chanNames = new Set<string>();
  for (let c = 0; c < o.channels; c++) {
    let name = `#${pick(WORDS)}${c}`;
    if (chanNames.has(name)) name += 'x';
    chanNames.add(name);
    const ts = base + int(0, 500);
    const nMembers = Math.min(uids.length, int(1, 50));
    const members = new Set<string>();
    while (members.size < nMembers) members.add(uids[int(0, uids.length - 1)]);
    const items = [...members].map((u, k) => (k === 0 ? '@' : r() < 0.1 ? '+' : r() < 0.03 ? '%' : '') + u);
    const setter = `${pick(SYL)}${pick(SYL)}!user@${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
    for (let b = int(0, 4); b > 0; b--) items.push(`<${ts + 1},${setter}>&*!*@${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.*`);
    if (r() < 0.2) items.push(`<${ts + 1},${setter}>"*!*@trusted${int(0, 99)}.example`);
    let modes = '+nt';
    const params: string[] = [];
    if (r() < 0.1) modes += 's';
    if (r() < 0.05) modes += 'm';
    if (r() < 0.05) { modes = modes.replace('+', '+k'); params.push(`key${int(0, 999)}`); }
    if (r() < 0.1) { modes += 'l'; params.push(String(int(10, 500))); }
    const sorted = '+' + [...modes.slice(1)].sort((a, b) => (a.toLowerCase() === a) === (b.toLowerCase() === b) ? (a < b ? -1 : 1) : a.toLowerCase() === a ? -1 : 1).join('');
    const t = tags();
    const head = `:001 SJOIN ${ts} ${name}`;
    let cur = `${head} ${sorted}${params.length ? ' ' + params.join(' ') : ''} :`;
    for (const it of items) {
      if (cur.length + it.length + 1 > 504 && !cur.endsWith(':')) { row('<', `${t} ${cur}`); cur = `${head} :`; }
      cur += it + ' ';
    }
    row('<', `${t} ${cur}`);
    if (r() < 0.5) row('<', `TOPIC ${name} ${setter} ${ts + 2} :${utf8('Welcome to ' + name + ' — ' + pick(REALNAMES))}`);
  }

  // TKLs: G, Z, s, E, Q, F.
  const setBy = 'oper!op@staff.gen.test';
  for (let k = 0; k < o.tkl; k++) {
    const kind = pick(['G', 'G', 'G', 'Z', 's', 'E', 'Q', 'F']);
    const exp = r() < 0.3 ? 0 : base + 86400 * int(1, 30);
    const ip = `${int(1, 223)}.${int(0, 255)}.${int(0, 255)}.${k % 250 + 1}`;
    const setAt = base - int(0, 86400);
    switch (kind) {
      case 'G': row('<', `:hub.gen.test TKL + G * ${ip} ${setBy} ${exp} ${setAt} :Generated gline ${k}`); break;
      case 'Z': row('<', `:hub.gen.test TKL + Z * ${ip.replace(/\.\d+$/, '.0')}/24 ${setBy} ${exp} ${setAt} :Generated zline ${k}`); break;
      case 's': row('<', `:hub.gen.test TKL + s * ${ip} ${setBy} ${exp} ${setAt} :Generated shun ${k}`); break;
      case 'E': row('<', `:hub.gen.test TKL + E * ${ip} ${setBy} ${exp} ${setAt} Gs :Generated exception ${k}`); break;
      case 'Q': row('<', `:hub.gen.test TKL + Q * genhold${k}* ${setBy} ${exp} ${setAt} :Generated qline`); break;
      default: row('<', `:hub.gen.test TKL + F p b ${setBy} ${exp} ${setAt} 86400 Generated_spam simple :*spam${k}*`);
    }
  }
  row('<', `NETINFO ${o.users} ${base + 700} 6100 * 0 0 0 :GenNet`);
  row('<', ':001 EOS');
  ms = 2;
  row('>', ':0AA EOS');
  row('>', ':0AA PING 0AA 001');
  row('<', ':hub.gen.test PONG 001 :leaf.gen.test');
  ms = 3;
  row('>', ':0AA SQUIT leaf.gen.test :generated capture done');
  return rows;
}
