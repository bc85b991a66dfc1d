/**
 * UnrealIRCd's `$argon2id$` password hashes (what its `./unrealircd mkpasswd` writes, and what an
 * UnrealIRCd operator already has in an rpc-user block), checked without a native module: Node 20's
 * crypto has no argon2, so the key is derived by the hash-wasm package (argon2 in WebAssembly).
 *
 * Format (the reference implementation's encoding, PHC string style):
 *   `$argon2id$v=19$m=<KiB>,t=<passes>,p=<lanes>$<salt>$<hash>`, salt and hash in base64 without
 *   padding. UnrealIRCd writes m=6144,t=2,p=2 with a 16-byte salt and a 32-byte hash; other tools
 *   put the parameters in another order (node-argon2 writes m,p,t), so any order is read.
 *
 * Why these choices:
 *  - The derivation runs in one worker thread, one at a time: WebAssembly computes synchronously,
 *    and a 64 MiB hash takes a quarter of a second, which must not stall the links' event loop.
 *    The worker is stopped when it has been idle a while, so its memory is given back.
 *  - The parameters come from a configuration file, so they are bounded here: a hash whose cost is
 *    absurd is refused (with the reason) instead of making every login take minutes.
 *  - The derived key is compared with timingSafeEqual; the password never leaves this process and
 *    is never part of a reason or a log line.
 */
import { timingSafeEqual } from 'node:crypto';
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { CheckResult } from './passwords.ts';

export interface Argon2Params {
  /** Memory in KiB. */
  m: number;
  /** Passes over the memory. */
  t: number;
  /** Lanes. */
  p: number;
}

export interface ParsedArgon2 {
  params: Argon2Params;
  salt: Buffer;
  hash: Buffer;
}

export type Argon2ParseResult = { ok: true; value: ParsedArgon2 } | { ok: false; reason: string };

/**
 * The most a hash may ask for. RFC 9106's second recommendation (64 MiB, t=3, p=4) and UnrealIRCd's
 * default (6 MiB, t=2, p=2) fit with room to spare; the largest allowed hash takes a few seconds.
 */
export const ARGON2_LIMITS = Object.freeze({
  maxMemoryKiB: 256 * 1024,
  maxPasses: 16,
  maxLanes: 16,
  /** Memory times passes: bounds the time of one check (256 MiB x 4 passes). */
  maxWorkKiB: 1024 * 1024,
  saltBytes: [8, 64] as const,
  hashBytes: [16, 64] as const,
});

/** Longest password derived (UnrealIRCd's PASSWDLEN is far below; a longer one is refused unhashed). */
const MAX_PASSWORD_BYTES = 1024;
/** Checks waiting for the worker beyond which a new one is refused at once. */
const MAX_WAITING = 16;
/** A derivation that takes longer than this is abandoned (the worker is replaced). */
const JOB_TIMEOUT_MS = 30_000;
/** The worker is stopped after this long without work. */
const IDLE_MS = 15_000;

const B64 = /^[A-Za-z0-9+/]+$/;

function base64Field(text: string, what: string, [min, max]: readonly [number, number]): Buffer | string {
  if (!B64.test(text)) return `malformed base64 in the ${what}`;
  const bytes = Buffer.from(text, 'base64');
  // Canonical only, as the reference decoder: unused low bits must be zero (Buffer.from ignores them).
  if (bytes.toString('base64').replace(/=+$/, '') !== text) return `malformed base64 in the ${what}`;
  if (bytes.length < min || bytes.length > max) return `${what} of ${bytes.length} bytes (must be ${min} to ${max})`;
  return bytes;
}

/** Reads `m=..,t=..,p=..` in any order, each once. */
function parseParams(text: string): Argon2Params | string {
  const seen = new Map<string, number>();
  for (const part of text.split(',')) {
    const kv = /^([a-z]+)=(\d{1,10})$/.exec(part);
    if (!kv) return `malformed parameter "${part.slice(0, 20)}"`;
    const [, key, value] = kv;
    if (key !== 'm' && key !== 't' && key !== 'p') return `parameter ${key} is not supported (only m, t and p)`;
    if (seen.has(key)) return `parameter ${key} given twice`;
    seen.set(key, Number(value));
  }
  const m = seen.get('m'), t = seen.get('t'), p = seen.get('p');
  if (m === undefined || t === undefined || p === undefined) return 'needs m=, t= and p=';
  return { m, t, p };
}

function boundsProblem({ m, t, p }: Argon2Params): string | null {
  const L = ARGON2_LIMITS;
  if (p < 1 || p > L.maxLanes) return `p=${p}: lanes must be 1 to ${L.maxLanes}`;
  if (t < 1 || t > L.maxPasses) return `t=${t}: passes must be 1 to ${L.maxPasses}`;
  if (m < 8 * p) return `m=${m}: memory must be at least 8 KiB per lane`;
  if (m > L.maxMemoryKiB) return `m=${m}: memory over ${L.maxMemoryKiB} KiB`;
  if (m * t > L.maxWorkKiB) return `m=${m},t=${t}: memory x passes over ${L.maxWorkKiB} KiB (every login would take too long)`;
  return null;
}

/** Parses and bounds a `$argon2id$` hash. Never throws; the reason names no secret. */
export function parseArgon2Hash(stored: string): Argon2ParseResult {
  if (typeof stored !== 'string') return { ok: false, reason: 'not a string' };
  const parts = stored.split('$');
  // ['', 'argon2id', 'v=19', 'm=..,t=..,p=..', salt, hash]
  if (parts[0] !== '' || parts[1] !== 'argon2id') return { ok: false, reason: 'not an $argon2id$ hash ($argon2i$ and $argon2d$ are not accepted)' };
  if (parts.length === 5) return { ok: false, reason: 'no v=19: argon2 version 1.0 hashes are not supported (hash the password again)' };
  if (parts.length !== 6) return { ok: false, reason: 'malformed $argon2id$ hash (expected $argon2id$v=19$m=..,t=..,p=..$salt$hash)' };
  if (parts[2] !== 'v=19') return { ok: false, reason: `${parts[2]!.slice(0, 12)}: only argon2 version 19 (1.3) is supported` };
  const params = parseParams(parts[3]!);
  if (typeof params === 'string') return { ok: false, reason: params };
  const bad = boundsProblem(params);
  if (bad) return { ok: false, reason: `unacceptable argon2 cost: ${bad}` };
  const salt = base64Field(parts[4]!, 'salt', ARGON2_LIMITS.saltBytes);
  if (typeof salt === 'string') return { ok: false, reason: salt };
  const hash = base64Field(parts[5]!, 'hash', ARGON2_LIMITS.hashBytes);
  if (typeof hash === 'string') return { ok: false, reason: hash };
  return { ok: true, value: { params, salt, hash } };
}

/** Where hash-wasm's CommonJS build is, or null when the package is missing. */
function hashWasmPath(): string | null {
  try {
    return createRequire(import.meta.url).resolve('hash-wasm');
  } catch {
    return null;
  }
}

// The worker is plain JavaScript (not a module file of ours) so it runs the same from src/ through
// tsx and from dist/. It derives one key per message and answers with the bytes only.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { argon2id } = require(workerData.hashWasm);
parentPort.on('message', async (job) => {
  try {
    const key = await argon2id({ password: job.password, salt: job.salt, iterations: job.t, parallelism: job.p, memorySize: job.m, hashLength: job.length, outputType: 'binary' });
    parentPort.postMessage({ id: job.id, key });
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String((err && err.message) || err) });
  }
});
`;

interface Job {
  id: number;
  password: Buffer;
  value: ParsedArgon2;
  resolve(r: CheckResult): void;
}

/**
 * Checks passwords against `$argon2id$` hashes, one derivation at a time in a worker thread.
 * There is no synchronous check.
 */
export class Argon2Verifier {
  private worker: Worker | null = null;
  private readonly waiting: Job[] = [];
  private current: { job: Job; timer: NodeJS.Timeout } | null = null;
  private idleTimer: NodeJS.Timeout | null = null;
  private nextId = 1;
  /** Derivations run since this verifier was made (for tests and metrics). */
  derived = 0;

  private readonly modulePath: string | null;
  private readonly idleMs: number;

  /** `modulePath`: hash-wasm's file (null: as if it were not installed); `idleMs`: how long an idle worker lives. */
  constructor(opts: { modulePath?: string | null; idleMs?: number } = {}) {
    this.modulePath = opts.modulePath === undefined ? hashWasmPath() : opts.modulePath;
    this.idleMs = opts.idleMs ?? IDLE_MS;
  }

  /** Is a worker running now (it is stopped when idle)? */
  get running(): boolean { return this.worker !== null; }

  check(plain: string | Buffer, stored: string): Promise<CheckResult> {
    const parsed = parseArgon2Hash(stored);
    if (!parsed.ok) return Promise.resolve({ ok: false, reason: `$argon2id$ hash refused: ${parsed.reason}` });
    if (!this.modulePath) return Promise.resolve({ ok: false, reason: 'the hash-wasm package (which checks $argon2id$ hashes) is not installed: run npm install in the tslink directory' });
    const password = typeof plain === 'string' ? Buffer.from(plain, 'utf8') : plain;
    if (password.length === 0 || password.length > MAX_PASSWORD_BYTES) return Promise.resolve({ ok: false, reason: 'password mismatch' });
    if (this.waiting.length >= MAX_WAITING) return Promise.resolve({ ok: false, reason: 'too many password checks waiting; try again' });
    return new Promise((resolve) => {
      this.waiting.push({ id: this.nextId++, password, value: parsed.value, resolve });
      this.pump();
    });
  }

  /** Stops the worker (pending checks fail with a reason). */
  async close(): Promise<void> {
    const w = this.worker;
    this.fail('the verifier was closed');
    if (w) await w.terminate();
  }

  private pump(): void {
    if (this.current) return;
    const job = this.waiting.shift();
    if (!job) { this.scheduleIdleStop(); return; }
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    const w = this.ensureWorker();
    w.ref();
    const timer = setTimeout(() => this.restart('an argon2 derivation took too long'), JOB_TIMEOUT_MS);
    this.current = { job, timer };
    const { m, t, p } = job.value.params;
    // Exact-size copies: cloning a Buffer that views Node's shared pool would copy the whole pool.
    const password = new Uint8Array(job.password);
    w.postMessage({ id: job.id, password, salt: new Uint8Array(job.value.salt), m, t, p, length: job.value.hash.length });
    password.fill(0);
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true, workerData: { hashWasm: this.modulePath } });
    w.on('message', (msg: { id: number; key?: Uint8Array; error?: string }) => this.onResult(msg));
    w.on('error', (err) => { if (this.worker === w) this.restart(`argon2 worker failed: ${err.message}`); });
    w.on('exit', () => { if (this.worker === w) this.restart('argon2 worker exited'); });
    this.worker = w;
    return w;
  }

  private onResult(msg: { id: number; key?: Uint8Array; error?: string }): void {
    const cur = this.current;
    if (!cur || cur.job.id !== msg.id) return;
    clearTimeout(cur.timer);
    this.current = null;
    this.derived++;
    const expected = cur.job.value.hash;
    if (msg.key && msg.key.length === expected.length) {
      cur.job.resolve(timingSafeEqual(Buffer.from(msg.key.buffer, msg.key.byteOffset, msg.key.length), expected) ? { ok: true } : { ok: false, reason: 'password mismatch' });
    } else {
      cur.job.resolve({ ok: false, reason: `argon2: ${msg.error ?? 'no key derived'}` });
    }
    this.pump();
  }

  /** The worker is dropped (it failed, hung or exited): the running check fails, the rest go on in a new one. */
  private restart(reason: string): void {
    const w = this.worker;
    this.worker = null;
    if (w) void w.terminate();
    const cur = this.current;
    this.current = null;
    if (cur) { clearTimeout(cur.timer); cur.job.resolve({ ok: false, reason }); }
    this.pump();
  }

  private fail(reason: string): void {
    const w = this.worker;
    this.worker = null;
    if (this.idleTimer) { clearTimeout(this.idleTimer); this.idleTimer = null; }
    const cur = this.current;
    this.current = null;
    if (cur) { clearTimeout(cur.timer); cur.job.resolve({ ok: false, reason }); }
    for (const j of this.waiting.splice(0)) j.resolve({ ok: false, reason });
    if (w) w.unref();
  }

  private scheduleIdleStop(): void {
    const w = this.worker;
    if (!w) return;
    // Idle: the worker no longer keeps the process alive, and is stopped after a while.
    w.unref();
    if (this.idleTimer) return;
    this.idleTimer = setTimeout(() => {
      this.idleTimer = null;
      if (this.current || this.waiting.length) return;
      const idle = this.worker;
      this.worker = null;
      if (idle) void idle.terminate();
    }, this.idleMs);
    this.idleTimer.unref();
  }
}
