// UnrealIRCd's default operclasses (doc/conf/operclass.default.conf, which its example.conf
// includes): the names an oper block's `operclass` may give, and of their permissions the ones
// tslink's oper commands look at. tslink reads no operclass { } blocks of its own.

export interface OperPermissions {
  /** kill { local; } (locop): KILL of users on this server; kill (globop and up): of anyone. */
  kill: 'local' | 'global';
  /** chat: WALLOPS (chat:wallops), GLOBOPS... */
  chat: boolean;
}

const LOCOP: OperPermissions = { kill: 'local', chat: true };
const GLOBAL: OperPermissions = { kill: 'global', chat: true };

export const DEFAULT_OPERCLASSES: ReadonlyMap<string, OperPermissions> = new Map([
  ['locop', LOCOP],
  ['globop', GLOBAL],
  ['globop-with-override', GLOBAL],
  ['admin', GLOBAL],
  ['admin-with-override', GLOBAL],
  ['services-admin', GLOBAL],
  ['services-admin-with-override', GLOBAL],
  ['netadmin', GLOBAL],
  ['netadmin-with-override', GLOBAL],
]);

/** UnrealIRCd's snomask-on-oper default (include/struct.h OPER_SNOMASKS). */
export const OPER_SNOMASK_DEFAULT = '+bBcdfkqsSoO';

/** The snomask letters UnrealIRCd 6 knows (those of its default log blocks, snomasks.default.conf). */
export const SNOMASK_LETTERS = 'BCDNORSbcdfjknoqrsv';
