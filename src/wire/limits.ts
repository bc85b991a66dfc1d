// UnrealIRCd's length limits (include/struct.h; see shared protocol README "Line length limits").
export const BODY_MAX = 510;            // body bytes (after tags) without BIGLINES
export const BIGLINES_MAX = 16384;      // MAXLINELENGTH: a line with its CR LF, to/from a BIGLINES peer
/** The longest line kept of what a peer sends, tags included (READBUFSIZE - 2: dbuf_getmsg() keeps that much of a longer one). */
export const LINE_MAX_IN = BIGLINES_MAX - 2;
/** The longest line sent to a BIGLINES peer, tags included (MAXLINELENGTH - 3: sendbufto_one_prepare_line()). */
export const LINE_MAX_OUT = BIGLINES_MAX - 3;
/**
 * What the line reader keeps of a line by default: one byte more than LINE_MAX_IN, so that the
 * engine sees a line was longer than that (it cuts it to LINE_MAX_IN and logs LINE_TOO_LONG).
 */
export const READBUF_MAX = LINE_MAX_IN + 1;
export const MAX_TAGS_OUT = 8192;       // MAXTAGSIZE: a longer tag section drops the line
export const MAX_PARAMS_SERVER = 30;    // MAXPARA
/** MAXPARA_USER: parse.c reads at most this many params of a line whose source is a user (the last holds the rest). */
export const MAX_PARAMS_USER = 15;
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
/** MAXMODEPARAMS (MAXPARA_USER - 3): the most changes with a parameter one MODE takes (mode.c set_mode()), and the most a MODE line may carry. */
export const MAXMODEPARAMS = 12;
/** IDLEN: the longest UID (sjoin.c reserves this much for a member when it splits an SJOIN). */
export const IDLEN = 12;
/** Commands that may carry bodies over 510 bytes (CMD_BIGLINES). */
export const BIGLINE_COMMANDS = new Set(['MD', 'RRPC']);
/** PASSWDLEN: the longest PASS UnrealIRCd keeps (it cuts a longer one, which then matches nothing). */
export const PASSWDLEN = 256;
