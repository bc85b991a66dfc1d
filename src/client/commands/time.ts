// TIME [<server>]   (time.c; with a server: hunted there, hunt.ts) -> 391 "<server> :<long date>", the date as UnrealIRCd's long_date() writes it,
// in UTC: "Monday December 7 2026 -- 15:30 +00:00".
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { HUNTED_ANSWERS, huntServer, type Asker } from '../hunt.ts';

const WEEKDAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

export function longDate(unix: number): string {
  const d = new Date(unix * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${WEEKDAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${d.getUTCDate()} ${d.getUTCFullYear()} -- ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} +00:00`;
}

export function answerTime(a: Asker): void { a.numeric(N.RPL_TIME(a.mgr.host.me.name, longDate(a.mgr.host.now()))); }
HUNTED_ANSWERS.set('TIME', answerTime);

export const TIME: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) { if (huntServer(s, msg, 0) === 'me') answerTime(s); },
};
