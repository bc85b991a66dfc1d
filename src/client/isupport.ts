// RPL_ISUPPORT (005) as an UnrealIRCd 6.1.8.1 leaf with the default modules advertises it
// (src/modules/isupport.c and each module's ISupportAdd; captured in
// fixtures/unreal6/client-view.txt): tokens sorted by name, 12 per line. The network-dependent
// ones come from the engine's channel modes and the client config.
import type { ChanModeGroups } from '../s2s/chanmodes.ts';
import { modeSort } from '../s2s/userWire.ts';
import { CHANNELLEN, NICKLEN, TOPICLEN } from '../wire/limits.ts';
import type { ClientConfig } from './config.ts';

/** AWAYLEN/KICKLEN/QUITLEN as advertised (iConf defaults: 307 each; TOPICLEN 360). */
export const ADVERTISED_AWAYLEN = 307;
export const ADVERTISED_QUITLEN = 307;
export const ADVERTISED_KICKLEN = 307;
const TOKENS_PER_LINE = 12;

export function isupportTokens(cfg: ClientConfig, groups: ChanModeGroups): string[] {
  const prefixChars = cfg.prefix.slice(cfg.prefix.indexOf(')') + 1);
  const t: Record<string, string | null> = {
    ACCOUNTEXTBAN: 'account,a',
    AWAYLEN: String(ADVERTISED_AWAYLEN),
    BOT: 'B',
    CASEMAPPING: 'ascii',
    CHANLIMIT: `#:${cfg.limits.maxChannelsPerUser}`,
    CHANMODES: groups.spec,
    CHANNELLEN: String(CHANNELLEN),
    CHANTYPES: '#',
    CHATHISTORY: '50',
    CLIENTTAGDENY: '*,-draft/typing,-typing,-draft/channel-context,-draft/reply',
    DEAF: 'd',
    ELIST: 'MNUCT',
    EXCEPTS: null,
    EXTBAN: '~,acfijmnpqrtACFGOST',
    INVEX: null,
    KICKLEN: String(ADVERTISED_KICKLEN),
    KNOCK: null,
    MAP: null,
    MAXLIST: 'b:60,e:60,I:60',
    MAXNICKLEN: String(NICKLEN),
    MINNICKLEN: '0',
    MODES: '12',
    MONITOR: String(cfg.limits.monitor),
    MSGREFTYPES: 'msgid,timestamp',
    NAMELEN: '50',
    NAMESX: null,
    NETWORK: cfg.networkName,
    NICKLEN: String(NICKLEN),
    PREFIX: cfg.prefix,
    QUITLEN: String(ADVERTISED_QUITLEN),
    SAFELIST: null,
    SILENCE: '15',
    STATUSMSG: prefixChars,
    TARGMAX: 'DCCALLOW:,ISON:,JOIN:,KICK:4,KILL:,LIST:,NAMES:1,NOTICE:1,PART:12,PRIVMSG:4,SAJOIN:,SAPART:,TAGMSG:1,USERHOST:,USERIP:,WATCH:,WHOIS:1,WHOWAS:1',
    TOPICLEN: String(TOPICLEN),
    UHNAMES: null,
    USERIP: null,
    WALLCHOPS: null,
    WATCH: '128',
    WATCHOPTS: 'A',
    WHOX: null,
  };
  return Object.keys(t).sort().map((k) => (t[k] === null ? k : `${k}=${t[k]}`));
}

/** The 005 lines' token groups (12 per line, as UnrealIRCd cuts them). */
export function isupportLines(cfg: ClientConfig, groups: ChanModeGroups): string[] {
  const tokens = isupportTokens(cfg, groups);
  const out: string[] = [];
  for (let i = 0; i < tokens.length; i += TOKENS_PER_LINE) out.push(tokens.slice(i, i + TOKENS_PER_LINE).join(' '));
  return out;
}

/** The channel modes of 004: every channel mode letter, member modes too, "beI" first then sorted. */
export function myinfoChanModes(cfg: ClientConfig, groups: ChanModeGroups): string {
  const prefixModes = cfg.prefix.slice(1, cfg.prefix.indexOf(')'));
  const [a = '', b = '', c = '', d = ''] = groups.spec.split(',');
  const rest = [...new Set([...b, ...c, ...d, ...prefixModes])].filter((m) => !a.includes(m)).sort(modeSort);
  return a + rest.join('');
}
