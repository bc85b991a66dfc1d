// SETNAME :<realname>   (setname.c): at most REALLEN (50) characters, else FAIL SETNAME
// INVALID_REALNAME (setname cap; standard-replies) or a NOTICE. To the network
// ":<uid> SETNAME :<realname>"; the router shows it to those sharing a channel with the setname
// cap; the user gets its own SETNAME line with the cap, a NOTICE without.
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { REALLEN } from '../../wire/limits.ts';
import { userMask } from '../router.ts';

export const SETNAME: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const name = msg.params[0];
    if (name === undefined || name === '') { s.numeric(N.ERR_NEEDMOREPARAMS('SETNAME')); return; }
    const me = s.mgr.host.me.name;
    if (name.length > REALLEN) {
      if (s.hasCap('setname')) s.sendTagged(`:${me} FAIL SETNAME INVALID_REALNAME :"Real names" may maximum be ${REALLEN} characters of length`, s.newTags());
      else s.notice(`*** /SetName Error: "Real names" may maximum be ${REALLEN} characters of length`);
      return;
    }
    const tags = s.newTags();
    s.toNetwork(`:${s.uid} SETNAME :${name}`, tags);
    s.realname = name;
    if (s.hasCap('setname')) s.sendTagged(`:${userMask(s.user!)} SETNAME :${name}`, tags);
    else s.notice(`Your "real name" is now set to be ${name} - you have to set it manually to undo it`);
  },
};
