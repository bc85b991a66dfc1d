// A small set of mode letters stored as a string: the Set<string> operations the state
// uses (has/add/delete/clear/size/iteration) without a hash table per user or membership.
// With 250,000 memberships a Set each costs tens of megabytes; a string costs a pointer.
export interface LetterSet extends Iterable<string> {
  has(letter: string): boolean;
  add(letter: string): unknown;
  delete(letter: string): boolean;
  clear(): void;
  readonly size: number;
}

export class Letters implements LetterSet {
  private s: string;
  constructor(init?: string | Iterable<string>) {
    this.s = '';
    if (init !== undefined) for (const c of init) this.add(c);
  }
  has(letter: string): boolean { return this.s.includes(letter); }
  add(letter: string): this {
    if (letter.length === 1 && !this.s.includes(letter)) this.s += letter;
    return this;
  }
  delete(letter: string): boolean {
    const i = this.s.indexOf(letter);
    if (i < 0 || letter.length !== 1) return false;
    this.s = this.s.slice(0, i) + this.s.slice(i + 1);
    return true;
  }
  clear(): void { this.s = ''; }
  get size(): number { return this.s.length; }
  [Symbol.iterator](): Iterator<string> { return this.s[Symbol.iterator](); }
  toString(): string { return this.s; }
}
