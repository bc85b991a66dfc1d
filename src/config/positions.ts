/**
 * Side table from JSON pointers into the raw document to where each value was
 * written, so validation errors (which speak JSON pointers) can name file,
 * line and block path.
 */
import type { SourcePos } from './types.ts';

export interface Located {
  pos: SourcePos;
  /** The item name as written (`port`, `certfp`, `link`). */
  key: string;
  /** Path of the block containing the item, e.g. `link "hub.test" → outgoing`. */
  block?: string;
  /** For blocks: their own path (used for "is required" messages). */
  label?: string;
}

export class PositionTable {
  private readonly entries = new Map<string, Located>();

  set(pointer: string, located: Located): void {
    this.entries.set(pointer, located);
  }

  has(pointer: string): boolean {
    return this.entries.has(pointer);
  }

  get(pointer: string): Located | undefined {
    return this.entries.get(pointer);
  }

  /** The entry for `pointer`, or for its nearest recorded ancestor. */
  nearest(pointer: string): Located | undefined {
    for (let p = pointer; ; p = parentPointer(p)) {
      const found = this.entries.get(p);
      if (found || p === '') return found;
    }
  }
}

/** Appends one escaped segment (RFC 6901) to a JSON pointer. */
export function childPointer(pointer: string, segment: string | number): string {
  return `${pointer}/${String(segment).replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

export function parentPointer(pointer: string): string {
  const slash = pointer.lastIndexOf('/');
  return slash <= 0 ? '' : pointer.slice(0, slash);
}

/** True when `pointer` is `ancestor` or lies below it. */
export function isWithin(pointer: string, ancestor: string): boolean {
  return pointer === ancestor || pointer.startsWith(`${ancestor}/`);
}
