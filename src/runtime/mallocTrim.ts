// glibc's malloc_trim(0), called through koffi (an FFI with prebuilt binaries, so no C compiler
// is needed anywhere). After a wave of connections glibc keeps most of what OpenSSL and the
// sockets freed: its main arena stays at ~27 MB with ~4 MB in use (bench/attack.ts,
// malloc_stats()), because a few chunks still in use near the top of the heap keep free() from
// returning the pages below them. Only malloc_trim() gives back free pages in the middle of an
// arena; MemoryRelief calls it after its GC. Where it cannot be had (not Linux, a C library
// without it such as musl, koffi not installed) or with TSLINK_MALLOC_TRIM=0, this is a no-op
// that says so.
import { createRequire } from 'node:module';

type TrimFn = () => number;
interface Koffi { load(path: string): { func(decl: string): (...a: unknown[]) => unknown } }

const GLIBC = 'libc.so.6';
let loaded: TrimFn | null | undefined;

/**
 * malloc_trim from the C library at `libc`, or null when it is not there (no such library, no
 * such symbol, koffi missing, not Linux, or TSLINK_MALLOC_TRIM=0). Never throws.
 */
export function mallocTrimFunction(libc = GLIBC): TrimFn | null {
  if (loaded !== undefined && libc === GLIBC) return loaded;
  let fn: TrimFn | null = null;
  if (process.env.TSLINK_MALLOC_TRIM !== '0' && process.platform === 'linux') {
    try {
      const koffi = createRequire(import.meta.url)('koffi') as Koffi;
      const f = koffi.load(libc).func('int malloc_trim(size_t pad)');
      fn = () => f(0) as number;
    } catch {
      fn = null; // no koffi, no such library (musl's is not libc.so.6) or no malloc_trim in it
    }
  }
  if (libc === GLIBC) loaded = fn;
  return fn;
}

/**
 * Gives malloc's free pages back to the kernel: 'trimmed' (some were), 'nothing' (none were
 * free), or 'unavailable' (see mallocTrimFunction).
 */
export function mallocTrim(): 'trimmed' | 'nothing' | 'unavailable' {
  const fn = mallocTrimFunction();
  if (!fn) return 'unavailable';
  return fn() !== 0 ? 'trimmed' : 'nothing';
}
