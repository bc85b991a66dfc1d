// UnrealIRCd's length limits (include/struct.h; see shared protocol README "Line length limits").
export const BODY_MAX = 510;            // body bytes (after tags) without BIGLINES
export const BIGLINES_MAX = 16384;      // MAXLINELENGTH: whole line to/from a BIGLINES peer
export const READBUF_MAX = 16384;       // READBUFSIZE: the longest line we ever keep
export const MAX_TAGS_OUT = 8192;       // MAXTAGSIZE: a longer tag section drops the line
export const MAX_PARAMS_SERVER = 30;    // MAXPARA
export const NICKLEN = 30;
export const USERLEN = 10;
export const HOSTLEN = 63;
export const REALLEN = 50;
export const CHANNELLEN = 32;
export const KEYLEN = 23;
export const TOPICLEN = 360;
export const AWAYLEN = 360;
export const KICKLEN = 360;
export const QUITLEN = 395;
export const SWHOISLEN = 256;
export const MAXMODEPARAMS = 12;
/** Commands that may carry bodies over 510 bytes (CMD_BIGLINES). */
export const BIGLINE_COMMANDS = new Set(['MD', 'RRPC']);
/** PASSWDLEN: the longest PASS UnrealIRCd keeps (it cuts a longer one, which then matches nothing). */
export const PASSWDLEN = 256;
