// A JSON-RPC call that changes something is answered only once the node's store has committed
// what it changed (issue 15 item 4: a ban set through the API is committed before it is
// acknowledged); a read-only call does not wait for the store.
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Dispatcher } from '../../src/rpc/dispatcher.ts';
import type { RpcCaller, RpcNode } from '../../src/rpc/api.ts';
import type { MethodSpec } from '../../src/rpc/methods/types.ts';
import type { RpcSession } from '../../src/rpc/session.ts';

const caller: RpcCaller = { name: 'api', user: '<local>', rpcClass: 'full', transport: 'unix', remote: 'unix:x', id: '1', connectedAt: 0 };

describe('JSON-RPC: writes are answered after the store commit', () => {
  it('a write method waits for persisted(); a read method does not', async () => {
    let commit!: () => void;
    let waits = 0;
    const node = { audit() {}, persisted: () => { waits++; return new Promise<void>((r) => { commit = r; }); } } as unknown as RpcNode;
    const specs: MethodSpec[] = [
      { name: 'x.add', module: 'rpc/x', version: '1', write: true, call: () => ({ added: true }) },
      { name: 'x.list', module: 'rpc/x', version: '1', call: () => ({ list: [] }) },
    ];
    const d = new Dispatcher(node, specs);
    const session = { caller } as unknown as RpcSession;
    assert.deepEqual((await d.handleRequest({ jsonrpc: '2.0', id: 1, method: 'x.list' }, session)).result, { list: [] });
    assert.equal(waits, 0);
    let answered = false;
    const p = d.handleRequest({ jsonrpc: '2.0', id: 2, method: 'x.add' }, session).then((r) => { answered = true; return r; });
    await new Promise((r) => setTimeout(r, 20));
    assert.equal(answered, false, 'not answered before the commit');
    assert.equal(waits, 1);
    commit();
    assert.deepEqual((await p).result, { added: true });
  });
});
