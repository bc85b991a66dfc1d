// :<uid> INVITE <target> <#chan> [<override>]   (invite.c invite_process())
// UnrealIRCd broadcasts an invite to every server, not only toward the target's: each server
// tells its own channel ops of it (invite-notify) and the target's server tells the target. The
// relayed form names the target by UID and carries the override flag (0 when absent). An invite
// for a user or channel that is gone stops here, as in UnrealIRCd.
import type { CommandSpec } from '../commandTable.ts';

export const INVITE: CommandSpec = {
  minParams: 2, from: 'user',
  handler(e, ctx) {
    const u = e.net.user(ctx.msg.params[0]);
    const ch = e.net.channel(ctx.msg.params[1]);
    if (!u || !ch) return;
    const override = /^\d+$/.test(ctx.msg.params[2] ?? '') ? ctx.msg.params[2] : '0';
    e.relay(ctx, e.relayBody(ctx, [u.uid, ch.name, override], false));
  },
};
