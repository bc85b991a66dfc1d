// PASS :<password>   before registration (allow::password); the last one counts.
import type { ClientCommandSpec } from '../commandTable.ts';

export const PASS: ClientCommandSpec = {
  minParams: 1, unregistered: 'only',
  handler(s, msg) { s.password = msg.params[0].slice(0, 256); },
};
