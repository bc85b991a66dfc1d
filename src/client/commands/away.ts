// AWAY [:<message>]   -> 306 / 305; to the network ":<uid> AWAY :<message>" / ":<uid> AWAY".
import type { ClientCommandSpec } from '../commandTable.ts';
import { N } from '../numerics.ts';
import { ADVERTISED_AWAYLEN } from '../isupport.ts';

export const AWAY: ClientCommandSpec = {
  minParams: 0,
  handler(s, msg) {
    const text = msg.params[0];
    if (text === undefined || text === '') {
      if (s.user?.away !== null) s.toNetwork(`:${s.uid} AWAY`, s.newTags());
      s.numeric(N.RPL_UNAWAY());
      return;
    }
    s.toNetwork(`:${s.uid} AWAY :${text.slice(0, ADVERTISED_AWAYLEN)}`, s.newTags());
    s.numeric(N.RPL_NOWAWAY());
  },
};
