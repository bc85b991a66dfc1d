// UTF-8 validity of byte strings (src/wire/message.ts: one char per byte).

/** RFC 3629 UTF-8 over a byte string (each char one byte): no overlong forms, surrogates or code points past U+10FFFF. */
export function validUtf8(s: string): boolean {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    let need: number, lo = 0x80, hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) { need = 2; if (c === 0xe0) lo = 0xa0; else if (c === 0xed) hi = 0x9f; }
    else if (c >= 0xf0 && c <= 0xf4) { need = 3; if (c === 0xf0) lo = 0x90; else if (c === 0xf4) hi = 0x8f; }
    else return false;
    for (let k = 1; k <= need; k++) {
      const d = i + k < n ? s.charCodeAt(i + k) : -1;
      if (k === 1 ? d < lo || d > hi : d < 0x80 || d > 0xbf) return false;
    }
    i += need;
  }
  return true;
}

