// VERSION [<server>]   (serv.c cmd_version) -> 351 "<version>. <server> :0 [*=<protocol>]" (the
// server options and OS shown only to opers with server:info), then the 005 lines again (105
// RPL_REMOTEISUPPORT to a remote user). With a server: hunted there (hunt.ts); only once registered.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { isupportLines } from '../isupport.ts';
import { PROTOCOL } from '../../s2s/engine.ts';
import { HUNTED_ANSWERS, huntServer, isRemote, remoteIsupport, type Asker } from '../hunt.ts';

export function answerVersion(a: Asker): void {
  const { host, cfg } = a.mgr;
  a.numeric(N.RPL_VERSION(cfg.version, host.me.name, '0', PROTOCOL));
  const remote = isRemote(a);
  for (const l of isupportLines(cfg, host.chanModes)) a.numeric(remote ? remoteIsupport(l) : N.RPL_ISUPPORT(l));
}
HUNTED_ANSWERS.set('VERSION', answerVersion);

export const VERSION: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    if (s.registered && huntServer(s, msg, 0) !== 'me') return;
    answerVersion(s);
  },
};
