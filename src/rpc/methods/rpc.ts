// rpc.info, rpc.set_issuer (UnrealIRCd's rpc/rpc module).
import { RpcCode, RpcError } from '../errors.ts';
import type { JsonObject } from '../objects.ts';
import { reqString } from '../params.ts';
import type { MethodSpec } from './types.ts';
import { VERSION } from './version.ts';

/** rpc.info lists every method of the table it is given. */
export function rpcMethods(all: () => MethodSpec[]): MethodSpec[] {
  return [
    {
      name: 'rpc.info', module: 'rpc/rpc', version: VERSION,
      call() {
        const methods: JsonObject = {};
        for (const m of all()) methods[m.name] = { name: m.name, module: m.module, version: m.version };
        return { methods };
      },
    },
    {
      name: 'rpc.set_issuer', module: 'rpc/rpc', version: VERSION,
      call(ctx, p) {
        const name = reqString(p, 'name');
        // The rules of a nick name: what is logged as the person behind the calls.
        if (!/^[A-Za-z\[\]\\`_^{|}][A-Za-z0-9\[\]\\`_^{|}-]{0,29}$/.test(name)) {
          throw new RpcError(RpcCode.INVALID_NAME, "'name' must follow the rules of a nick name (letters, digits, []\\`_^{|}-, at most 30)");
        }
        ctx.caller.issuer = name;
        return true;
      },
    },
  ];
}
