// SERVER on a client port: a server trying to link where only clients are taken (every client
// port of tslink is a clientsonly one). UnrealIRCd's server.c refuses it with these words.
import type { ClientCommandSpec } from '../commandTable.ts';

export const SERVER: ClientCommandSpec = {
  minParams: 0, unregistered: 'only',
  handler(s) { s.close('This port is for clients only'); },
};
