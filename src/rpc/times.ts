// Time texts of UnrealIRCd's JSON: ISO 8601 timestamps ("2024-10-17T16:30:07.000Z", null for 0),
// the short date of *_string fields ("Thu Oct 17 16:30:07 2024 GMT"), durations ("1d2h3m4s"),
// and the ISO text a client sends (expire_at) back to unix seconds. Any size of time works
// (a TKL may expire in the year 2^31): the calendar is done on BigInt days.

const DAY = 86400n;
const WEEKDAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface Civil { year: bigint; month: number; day: number; hour: number; min: number; sec: number; weekday: number }

/** Gregorian date of a day count since 1970-01-01 (the era arithmetic of proleptic calendars). */
function civilFromDays(days: bigint): { year: bigint; month: number; day: number } {
  const z = days + 719468n;
  const era = (z >= 0n ? z : z - 146096n) / 146097n;
  const doe = z - era * 146097n;
  const yoe = (doe - doe / 1460n + doe / 36524n - doe / 146096n) / 365n;
  const doy = doe - (365n * yoe + yoe / 4n - yoe / 100n);
  const mp = (5n * doy + 2n) / 153n;
  const day = Number(doy - (153n * mp + 2n) / 5n + 1n);
  const month = Number(mp < 10n ? mp + 3n : mp - 9n);
  const year = yoe + era * 400n + (month <= 2 ? 1n : 0n);
  return { year, month, day };
}

function civil(seconds: bigint): Civil {
  const days = seconds >= 0n ? seconds / DAY : (seconds - DAY + 1n) / DAY;
  const rest = Number(seconds - days * DAY);
  const { year, month, day } = civilFromDays(days);
  const weekday = Number((((days + 4n) % 7n) + 7n) % 7n);
  return { year, month, day, hour: Math.floor(rest / 3600), min: Math.floor(rest / 60) % 60, sec: rest % 60, weekday };
}

const pad = (n: number | bigint, w = 2) => String(n).padStart(w, '0');

/** A unix time as a number, a digit string (beyond 2^53) or a bigint; null when it is not one. */
export function toSeconds(v: unknown): bigint | null {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  if (typeof v === 'string' && /^-?[0-9]{1,30}$/.test(v)) return BigInt(v);
  return null;
}

/** json_timestamp(): ISO 8601 with milliseconds .000, or null for 0 (and for what is not a time). */
export function isoTime(v: unknown): string | null {
  const s = toSeconds(v);
  if (s === null || s === 0n) return null;
  const c = civil(s);
  return `${pad(c.year, 4)}-${pad(c.month)}-${pad(c.day)}T${pad(c.hour)}:${pad(c.min)}:${pad(c.sec)}.000Z`;
}

/** The current time as ISO 8601 with real milliseconds (log events). */
export function isoNow(ms = Date.now()): string {
  return new Date(ms).toISOString();
}

/** "Thu Oct 17 16:30:07 2024 GMT", as the *_string fields of a server ban show a time. */
export function shortDate(v: unknown): string | null {
  const s = toSeconds(v);
  if (s === null) return null;
  const c = civil(s);
  return `${WEEKDAYS[c.weekday]} ${MONTHS[c.month - 1]} ${pad(c.day)} ${pad(c.hour)}:${pad(c.min)}:${pad(c.sec)} ${c.year} GMT`;
}

/** A duration in seconds as days/hours/minutes/seconds ("1d2h", "30m", "0"). */
export function prettyDuration(v: number | bigint): string {
  let t = BigInt(v);
  if (t === 0n) return '0';
  const neg = t < 0n;
  if (neg) t = -t;
  const d = t / DAY, h = (t / 3600n) % 24n, m = (t / 60n) % 60n, s = t % 60n;
  let out = '';
  if (d) out += `${d}d`;
  if (h) out += `${h}h`;
  if (m) out += `${m}m`;
  if (s) out += `${s}s`;
  return neg ? `-${out}` : out;
}

/**
 * An ISO 8601 time a client sends ("2030-01-01T00:00:00.000Z") as unix seconds; 0 for anything
 * else (UnrealIRCd reads what does not parse as "no time", which for an expiry means permanent).
 */
export function parseIsoTime(text: string): number {
  const m = /^(\d{1,10})-(\d{1,2})-(\d{1,2})T(\d{1,2}):(\d{1,2}):(\d{1,2})\.(\d{1,9})Z/.exec(text);
  if (!m || text.length < 20) return 0;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}
