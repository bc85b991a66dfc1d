// The JSON-RPC 2.0 layer, sans-I/O: a request text in, a response object out. The checks and
// their order are UnrealIRCd 6.1's (src/modules/rpc/rpc.c): unparsable JSON is fatal (the
// connection is closed after the error), then "jsonrpc" must be "2.0", an "id" (a string of at
// most 32 characters or an integer) and a "method" must be there, the method must exist, the
// caller's rpc-class must allow it, and every string in "params" (keys too) must be at most 510
// characters without CR or LF. Each call that changes something is audited, allowed or not.
import type { RpcCaller, RpcNode } from './api.ts';
import { RpcCode, RpcError } from './errors.ts';
import type { Json, JsonObject } from './objects.ts';
import { asParams } from './params.ts';
import { StateView } from './stateView.ts';
import type { MethodSpec } from './methods/types.ts';
import type { RpcSession } from './session.ts';

/** Longest string in params (UnrealIRCd's limit: what fits in an IRC line). */
export const MAX_PARAM_STRING = 510;
/** Deepest nesting of params accepted. */
export const MAX_PARAM_DEPTH = 16;
/** Longest string id. */
export const MAX_ID_LENGTH = 32;

/** The calls rpc-class read-only allows (UnrealIRCd's rpc-class.default.conf), by group or group.method. */
const READ_ONLY = new Set([
  'rpc', 'stats', 'log', 'user.list', 'user.get', 'whowas.get', 'server.list', 'server.get', 'channel.list', 'channel.get',
  'server_ban.list', 'server_ban.get', 'server_ban_exception.list', 'server_ban_exception.get', 'spamfilter.list',
  'spamfilter.get', 'name_ban.list', 'name_ban.get', 'tslink.links',
]);

export function allowedFor(rpcClass: RpcCaller['rpcClass'], method: string): boolean {
  if (rpcClass === 'full') return true;
  return READ_ONLY.has(method) || READ_ONLY.has(method.split('.')[0]);
}

/** A response or error envelope, keys in UnrealIRCd's order. */
export function responseEnvelope(request: JsonObject | null, body: { result: Json } | { error: { code: number; message: string } }): JsonObject {
  const out: JsonObject = { jsonrpc: '2.0' };
  if (request && typeof request.method === 'string') out.method = request.method;
  if (request && request.id !== undefined) out.id = request.id;
  if ('result' in body) out.result = body.result;
  else out.error = body.error;
  return out;
}

/** Every string in params (keys too) within bounds and free of line breaks and NUL; iterative. */
function checkParams(v: Json): string | null {
  const stack: { v: Json; depth: number }[] = [{ v, depth: 0 }];
  const bad = (s: string): string | null => {
    if (s.length > MAX_PARAM_STRING) return `strings in params are at most ${MAX_PARAM_STRING} characters`;
    if (/[\r\n\0]/.test(s)) return 'strings in params may not contain CR, LF or NUL';
    return null;
  };
  while (stack.length) {
    const { v: x, depth } = stack.pop()!;
    if (depth > MAX_PARAM_DEPTH) return `params are nested too deeply (at most ${MAX_PARAM_DEPTH} levels)`;
    if (typeof x === 'string') { const e = bad(x); if (e) return e; continue; }
    if (Array.isArray(x)) { for (const y of x) stack.push({ v: y, depth: depth + 1 }); continue; }
    if (x && typeof x === 'object') {
      for (const [k, y] of Object.entries(x)) {
        const e = bad(k);
        if (e) return e;
        stack.push({ v: y, depth: depth + 1 });
      }
    }
  }
  return null;
}

/** What handling one request text gives: the response, and whether the connection must close (bad JSON). */
export interface Handled {
  response: JsonObject;
  fatal: boolean;
}

export class Dispatcher {
  readonly methods = new Map<string, MethodSpec>();

  constructor(readonly node: RpcNode, specs: MethodSpec[]) {
    for (const m of specs) this.methods.set(m.name, m);
  }

  /** One request text (a unix socket line, a POST body, a WebSocket message). */
  async handleText(text: string, session: RpcSession): Promise<Handled> {
    let request: unknown;
    try {
      request = JSON.parse(text);
    } catch {
      return { response: responseEnvelope(null, { error: { code: RpcCode.PARSE_ERROR, message: 'the request is not valid JSON' } }), fatal: true };
    }
    return { response: await this.handleRequest(request, session), fatal: false };
  }

  async handleRequest(request: unknown, session: RpcSession): Promise<JsonObject> {
    const req = request && typeof request === 'object' && !Array.isArray(request) ? (request as JsonObject) : null;
    const fail = (code: number, message: string) => responseEnvelope(req, { error: { code, message } });
    if (!req || typeof req.jsonrpc !== 'string' || req.jsonrpc.toLowerCase() !== '2.0') return fail(RpcCode.INVALID_REQUEST, 'only JSON-RPC 2.0 requests are served ("jsonrpc": "2.0")');
    const id = req.id;
    if (id === undefined) return fail(RpcCode.INVALID_REQUEST, "the request needs an 'id'");
    if (typeof id === 'string') {
      if (id.length > MAX_ID_LENGTH) return fail(RpcCode.INVALID_REQUEST, `a string 'id' is at most ${MAX_ID_LENGTH} characters`);
      if (/[\r\n]/.test(id)) return fail(RpcCode.INVALID_REQUEST, "the 'id' may not contain CR or LF");
    } else if (typeof id !== 'number' || !Number.isSafeInteger(id)) {
      return fail(RpcCode.INVALID_REQUEST, "the 'id' must be a string or an integer");
    }
    const method = req.method;
    if (typeof method !== 'string') return fail(RpcCode.INVALID_REQUEST, "the request needs a 'method'");
    const spec = this.methods.get(method);
    if (!spec) return fail(RpcCode.METHOD_NOT_FOUND, `unknown method ${method.slice(0, 64)}`);
    const caller = session.caller;
    const params = req.params ?? {};
    const audit = (result: 'ok' | 'error', err?: { code: number; message: string }) => {
      if (!spec.write) return;
      this.node.audit({
        time: new Date().toISOString(), caller: caller.name, user: caller.user, issuer: caller.issuer, transport: caller.transport,
        remote: caller.remote, method, params, result, code: err?.code, message: err?.message,
      });
    };
    if (!allowedFor(caller.rpcClass, method)) {
      const err = { code: RpcCode.API_CALL_DENIED, message: `rpc-class ${caller.rpcClass} does not allow ${method}` };
      audit('error', err);
      return fail(err.code, err.message);
    }
    const bad = checkParams(params);
    if (bad) {
      audit('error', { code: RpcCode.INVALID_REQUEST, message: bad });
      return fail(RpcCode.INVALID_REQUEST, bad);
    }
    try {
      const result = await spec.call({ node: this.node, caller, session, view: new StateView(this.node) }, asParams(params));
      // A ban set or removed through the API is committed before the call is answered.
      if (spec.write) await this.node.persisted?.();
      audit('ok');
      return responseEnvelope(req, { result });
    } catch (err) {
      const e = err instanceof RpcError ? { code: err.code, message: err.message } : { code: RpcCode.INTERNAL_ERROR, message: `internal error: ${(err as Error)?.message ?? String(err)}` };
      audit('error', e);
      return fail(e.code, e.message);
    }
  }
}
