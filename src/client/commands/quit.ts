// QUIT [:<reason>]   -> the network sees "Quit: <reason>" (the nick when none is given), the client ERROR.
import type { ClientCommandSpec } from '../commandTable.ts';
import { QUITLEN } from '../../wire/limits.ts';

export const QUIT: ClientCommandSpec = {
  minParams: 0, unregistered: true,
  handler(s, msg) {
    const text = msg.params[0] !== undefined && msg.params[0] !== '' ? msg.params[0] : s.nick;
    s.close(`Quit: ${text}`.slice(0, QUITLEN));
  },
};
