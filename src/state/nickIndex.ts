// Users by nick, case-insensitively as UnrealIRCd compares nicks (ASCII casemapping: only A-Z fold
// to a-z; see wire/casemap.ts). Every UID of a burst is checked here for a collision and then
// added, so the index hashes a nick while folding it, in one pass, and stores no folded copy: the
// table (hashSlots.ts) holds the users, and a hash match is confirmed against the user's own nick.
// A user is indexed under its current nick: change `u.nick` only through Network.renameUser().
// Keys given to get/has/delete may be folded or not; keys() yields them folded.
import type { User } from './model.ts';
import { casefold } from '../wire/casemap.ts';
import { HASH_SEED, SlotTable, hashEnd, hashStep } from './hashSlots.ts';

/** The seeded hash of the folded characters of s (Jenkins' one-at-a-time, as V8 hashes strings). */
export function nickHash(s: string, seed = HASH_SEED): number {
  let h = seed;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    h = hashStep(h, c >= 65 && c <= 90 ? c + 32 : c);
  }
  return hashEnd(h);
}

/** a and b equal once folded (what casefold(a) === casefold(b) says, without the copies). */
function sameNick(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    let x = a.charCodeAt(i), y = b.charCodeAt(i);
    if (x === y) continue;
    if (x >= 65 && x <= 90) x += 32;
    if (y >= 65 && y <= 90) y += 32;
    if (x !== y) return false;
  }
  return true;
}

export class NickIndex extends SlotTable<User> {
  get size(): number { return this.n; }

  get(nick: string): User | undefined {
    const h = nickHash(nick), t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const u = t[2 * i + 1] as User | undefined;
      if (u === undefined) return undefined;
      if (t[2 * i] === h && sameNick(u.nick, nick)) return u;
    }
  }

  has(nick: string): boolean { return this.get(nick) !== undefined; }

  /** Index `u` under u.nick, in place of any user indexed under the same nick. */
  add(u: User): void {
    const nick = u.nick, h = nickHash(nick), t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = t[2 * i + 1] as User | undefined;
      if (x === undefined) { this.fill(i, h, u); return; }
      if (t[2 * i] === h && sameNick(x.nick, nick)) { t[2 * i + 1] = u; return; }
    }
  }

  /** Remove the user indexed under `nick`; with `only`, only when that user is `only`. */
  delete(nick: string, only?: User): boolean {
    const h = nickHash(nick), t = this.t, mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = t[2 * i + 1] as User | undefined;
      if (x === undefined) return false;
      if (t[2 * i] !== h || !sameNick(x.nick, nick)) continue;
      if (only !== undefined && x !== only) return false;
      this.free(i);
      return true;
    }
  }

  *values(): IterableIterator<User> { yield* this.entryList(); }
  *keys(): IterableIterator<string> { for (const u of this.values()) yield casefold(u.nick); }
  *entries(): IterableIterator<[string, User]> { for (const u of this.values()) yield [casefold(u.nick), u]; }
  [Symbol.iterator](): IterableIterator<[string, User]> { return this.entries(); }
}
