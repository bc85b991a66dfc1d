// log.subscribe, log.unsubscribe (UnrealIRCd's rpc/log): live log events on this connection, as
// {"jsonrpc": "2.0", "method": "log.event", "result": {...}} messages (never debug ones).
import { RpcCode, RpcError } from '../errors.ts';
import { parseLogSource } from '../logEvents.ts';
import type { MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

export const logMethods: MethodSpec[] = [
  {
    name: 'log.subscribe', module: 'rpc/log', version: VERSION,
    call(ctx, p) {
      const sources = p.sources;
      if (!Array.isArray(sources)) throw new RpcError(RpcCode.INVALID_PARAMS, "parameter 'sources' is required (a list, like [\"all\", \"!debug\"])");
      if (sources.length > 64) throw new RpcError(RpcCode.INVALID_PARAMS, "'sources' has at most 64 entries");
      ctx.session.subscribe(sources.filter((s): s is string => typeof s === 'string' && s !== '').map(parseLogSource));
      return true;
    },
  },
  {
    name: 'log.unsubscribe', module: 'rpc/log', version: VERSION,
    call(ctx) {
      ctx.session.unsubscribeLog();
      return true;
    },
  },
];
