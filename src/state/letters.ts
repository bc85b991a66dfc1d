// A small set of mode letters, as the state exposes user modes (UserEntry keeps them in a string
// of its own): the Set<string> operations the handlers use, without a hash table per user.
export interface LetterSet extends Iterable<string> {
  has(letter: string): boolean;
  add(letter: string): unknown;
  delete(letter: string): boolean;
  clear(): void;
  readonly size: number;
}
