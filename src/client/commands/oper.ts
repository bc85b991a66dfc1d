// OPER <name> <password>   (oper.c cmd_oper()): 381 and the oper's modes, or 491 (no such block,
// host does not match, missing require-modes, maxlogins) / 464 (wrong password), each failure
// logged as OPER_FAILED and answered with 7 s of fake lag. A plaintext connection that is not
// from localhost may not OPER (set::plaintext-policy::oper deny, UnrealIRCd's default).
import type { ClientCommandSpec } from '../commandTable.ts';
import type { ClientSession } from '../session.ts';
import { isLocalhost } from '../session.ts';
import { N } from '../numerics.ts';
import { makeOper, ownModes, type OperBlock } from '../oper.ts';

/** add_fake_lag(client, 7000) after each failure. */
const FAIL_LAG_MS = 7000;

function details(s: ClientSession): string { return `${s.nick}!${s.ident}@${s.realHost}`; }

function failed(s: ClientSession, level: 'warn' | 'error', block: string, failType: string, reason: string, lagMs = FAIL_LAG_MS): void {
  s.mgr.operFailures++;
  s.mgr.opers?.log(level, 'OPER_FAILED', { client: details(s), reason, fail_type: failType, oper_block: block },
    `Failed OPER attempt by ${details(s)} [reason: ${reason}] [oper-block: ${block}]`);
  if (lagMs) s.addFakeLag(lagMs);
}

/** The checks after the password (oper.c: require-modes, operclass, maxlogins), then make_oper(). */
function succeed(s: ClientSession, block: OperBlock): void {
  if (s.closed || !s.user) return;
  if (s.oper) return; // opered meanwhile by another OPER line
  const have = ownModes(s);
  if ([...block.requireModes.replace(/[^A-Za-z]/g, '')].some((m) => !have.has(m))) {
    s.numeric(N.ERR_NOOPERHOST('You are missing user modes required to OPER'));
    failed(s, 'warn', block.name, 'REQUIRE_MODES_NOT_SATISFIED', 'Not matching oper::require-modes');
    return;
  }
  if (!block.perms) {
    s.notice('ERROR: There is a non-existant oper::operclass specified for your oper block');
    failed(s, 'warn', block.name, 'OPER_OPERCLASS_INVALID', 'Config error: invalid oper::operclass', 0);
    return;
  }
  if (block.maxLogins > 0) {
    let n = 0;
    for (const x of s.mgr.byUid.values()) if (x.oper?.login === block.name) n++;
    if (n >= block.maxLogins) {
      s.numeric(N.ERR_NOOPERHOST());
      s.notice(`Your maximum number of concurrent oper logins has been reached (${block.maxLogins})`);
      failed(s, 'warn', block.name, 'OPER_MAXLOGINS_LIMIT', 'oper::maxlogins limit reached', 4000);
      return;
    }
  }
  makeOper(s, block, block.perms);
  s.mgr.opers?.log('info', 'OPER_SUCCESS', { client: details(s), oper_block: block.name, operclass: block.operclass },
    `${details(s)} is now an IRC Operator [oper-block: ${block.name}] [operclass: ${block.operclass}]`);
  if (!s.info.tls && !isLocalhost(s.info.ip) && s.mgr.opers?.plaintextPolicy() === 'warn') {
    s.notice("WARNING: You /OPER'ed up from an insecure connection. Please consider using TLS.");
  }
}

export const OPER: ClientCommandSpec = {
  minParams: 1,
  handler(s, msg) {
    const name = msg.params[0];
    if (!name) { s.numeric(N.ERR_NEEDMOREPARAMS('OPER')); return; }
    if (s.oper) { s.notice('You are already an IRC Operator. If you want to re-oper then de-oper first via /MODE yournick -o'); return; }
    const password = msg.params[1] ?? '';
    const auth = s.mgr.opers;
    if (!s.info.tls && !isLocalhost(s.info.ip) && (auth?.plaintextPolicy() ?? 'deny') === 'deny') {
      s.notice('You need to use a secure connection (TLS) in order to /OPER.');
      s.notice('See https://www.unrealircd.org/docs/FAQ#oper-requires-tls');
      failed(s, 'warn', name, 'NO_TLS', 'Not using TLS');
      return;
    }
    const block = auth?.find(name);
    if (!auth || !block) {
      s.numeric(N.ERR_NOOPERHOST());
      failed(s, 'warn', name, 'UNKNOWN_OPER_NAME', 'Unknown oper name');
      return;
    }
    if (!auth.matches(block, s)) {
      s.numeric(N.ERR_NOOPERHOST());
      failed(s, 'error', name, 'NO_HOST_MATCH', 'Host does not match');
      return;
    }
    const verdict = (ok: boolean): void => {
      if (s.closed) return;
      if (ok) { succeed(s, block); return; }
      s.numeric(N.ERR_PASSWDMISMATCH());
      failed(s, 'error', name, 'AUTHENTICATION_FAILED', 'Authentication failed');
    };
    const r = auth.verify(block, s, password);
    if (typeof r === 'boolean') { verdict(r); return; }
    // A hash is checked off the event loop: this client's next lines wait for the answer.
    s.holdUntil(r.then(verdict, () => verdict(false)));
  },
};
