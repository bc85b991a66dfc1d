// tslink replay FILE --connect HOST:PORT | --listen [HOST:]PORT ...: live replay against a server.
// Exit codes: 0 no divergence, 1 divergences (printed as a diff), 2 usage or setup errors.
import { readFileSync } from 'node:fs';
import { certFingerprint, generateSelfSigned, spkiFingerprint } from '../link/certs.ts';
import { formatLiveReport, isLoopbackHost, liveReplay, type LiveHooks, type LiveOptions, type LiveReport } from '../replay/live.ts';
import { createProgress } from './progress.ts';
import type { ParsedArgs } from './replayCommand.ts';

export interface CliIo { out: (s: string) => void; err: (s: string) => void; progress?: boolean }

const defaultIo: CliIo = { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) };

/** "host:port", "[v6]:port" → parts; `defaultHost` when only a port is given. */
export function parseHostPort(s: string, defaultHost?: string): { host: string; port: number } | null {
  let host: string, port: string;
  const v6 = /^\[([^\]]+)\]:(\d+)$/.exec(s);
  if (v6) { host = v6[1]; port = v6[2]; }
  else if (/^\d+$/.test(s) && defaultHost) { host = defaultHost; port = s; }
  else {
    const i = s.lastIndexOf(':');
    if (i <= 0) return null;
    host = s.slice(0, i); port = s.slice(i + 1);
  }
  const n = Number(port);
  if (!Number.isInteger(n) || n < 0 || n > 65535 || !host) return null;
  return { host, port: n };
}

export async function replayLiveCommand(buf: Buffer, p: ParsedArgs, hooks?: LiveHooks, io: CliIo = defaultIo): Promise<number> {
  const one = (f: string) => { const v = p.values.get(f); return v ? v[v.length - 1] : undefined; };
  const fail = (msg: string) => { io.err(`tslink replay: ${msg}\n`); return 2; };
  const connect = one('--connect'), listen = one('--listen');
  if (connect && listen) return fail('--connect and --listen exclude each other');
  const hp = connect ? parseHostPort(connect) : parseHostPort(listen!, '127.0.0.1');
  if (!hp) return fail(`bad address ${connect ?? listen} (HOST:PORT${listen ? ' or PORT' : ''})`);
  const plaintext = p.flags.has('--plaintext');
  if (plaintext && !isLoopbackHost(hp.host)) return fail('--plaintext is only allowed on loopback addresses');
  const pins = p.values.get('--pin') ?? [];
  if (!plaintext && !pins.length) return fail('TLS needs --pin CERTFP|SPKIFP of the server certificate (tslink fingerprint FILE prints both)');

  let keyPem: string | undefined, certPem: string | undefined;
  const certFile = one('--cert'), keyFile = one('--key');
  if (!!certFile !== !!keyFile) return fail('--cert and --key go together');
  try {
    if (certFile && keyFile) { certPem = readFileSync(certFile, 'utf8'); keyPem = readFileSync(keyFile, 'utf8'); }
  } catch (err) { return fail(`cannot read the certificate or key: ${(err as Error).message}`); }
  if (!plaintext && !certPem) {
    const kc = generateSelfSigned({ commonName: one('--name') ?? 'replay.invalid' });
    keyPem = kc.keyPem; certPem = kc.certPem;
    io.err(`tslink replay: no --cert/--key: using a fresh self-signed certificate (certfp ${certFingerprint(certPem)}, spkifp ${spkiFingerprint(certPem)})\n`);
  }
  let password: string | undefined;
  const pwFile = one('--password-file');
  if (pwFile) {
    try { password = readFileSync(pwFile, 'utf8').split(/\r?\n/)[0].trim(); } catch (err) { return fail(`cannot read ${pwFile}: ${(err as Error).message}`); }
  }
  let now: number | undefined;
  if (p.flags.has('--now')) now = one('--now') !== undefined ? Number(one('--now')) : Math.floor(Date.now() / 1000);
  const sid = one('--sid');
  if (sid !== undefined && !/^[0-9][0-9A-Z]{2}$/.test(sid)) return fail('--sid must be a digit and two of 0-9/A-Z (e.g. 0AB)');
  const compare = one('--compare');
  if (compare !== undefined && compare !== 'replies' && compare !== 'all') return fail('--compare takes replies or all');
  const timeout = one('--timeout');
  if (timeout !== undefined && !(Number(timeout) > 0)) return fail('--timeout takes seconds (> 0)');
  const as = one('--as') as 'hub' | 'leaf' | undefined;

  const progress = createProgress('live replay', io.progress === false ? { enabled: false } : {});
  const opts: LiveOptions = {
    capture: buf, mode: connect ? 'connect' : 'listen', host: hp.host, port: hp.port, plaintext,
    keyPem, certPem, pin: pins, as, name: one('--name'), sid, password, now,
    fast: p.flags.has('--fast'), compare: compare as 'replies' | 'all' | undefined,
    timeoutMs: timeout !== undefined ? Number(timeout) * 1000 : undefined,
    hooks, onProgress: (d, t) => progress.update(d, t),
  };
  let report: LiveReport;
  try {
    report = await liveReplay(opts);
  } catch (err) {
    progress.finish();
    return fail((err as Error).message);
  }
  progress.finish();
  if (p.flags.has('--json')) io.out(JSON.stringify(reportJson(report)) + '\n');
  else io.out(formatLiveReport(report));
  return report.ok ? 0 : 1;
}

/** A stable JSON form of the report (divergent lines only, not every compared line). */
export function reportJson(r: LiveReport): unknown {
  return {
    ok: r.ok,
    connections: r.connections.map((c) => ({
      index: c.index,
      firstLine: c.firstLine,
      ok: c.ok,
      sent: c.sent,
      received: c.received,
      unsent: c.unsent,
      problems: c.problems,
      compared: c.lines.compared,
      divergences: c.lines.entries.filter((e) => e.op !== 'same').map((e) => ({
        op: e.op, norm: e.norm,
        captureLine: e.expected?.ref ?? null,
        received: e.actual?.ref ?? null,
        line: (e.expected ?? e.actual)!.line,
      })),
      state: c.state ? { probeLine: c.state.probeLine, differences: c.state.differences } : null,
    })),
  };
}
