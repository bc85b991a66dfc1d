/**
 * Tokenizer for UnrealIRCd's configuration syntax.
 *
 * Tokens: unquoted words, quoted strings (`\"` and `\\` escapes), `{`, `}`, `;`.
 * Comments (`// ...`, `# ...`, `/* ... *\/`) start only where a token could
 * start, so `http://x` or `a#b` inside an unquoted word stay part of the word.
 */

export type TokenKind = 'word' | 'string' | '{' | '}' | ';' | 'eof';

export interface Token {
  kind: TokenKind;
  /** Word text, or the unescaped string contents; the punctuation itself otherwise. */
  text: string;
  line: number;
  /** Set on a string missing its closing quote (already reported). */
  unterminated?: boolean;
}

export interface TokenizeResult {
  tokens: Token[];
  /** Lexical errors with their line (the caller adds the file name). */
  errors: { line: number; message: string }[];
}

const PUNCTUATION = new Set(['{', '}', ';']);

function isSpace(ch: string): boolean {
  return ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n' || ch === '\f' || ch === '\v' || ch === '\uFEFF';
}

function endsWord(ch: string): boolean {
  return isSpace(ch) || PUNCTUATION.has(ch) || ch === '"';
}

export function tokenize(text: string): TokenizeResult {
  const tokens: Token[] = [];
  const errors: TokenizeResult['errors'] = [];
  let line = 1;
  let i = 0;

  while (i < text.length) {
    const ch = text[i];
    if (ch === '\n') {
      line++;
      i++;
    } else if (isSpace(ch)) {
      i++;
    } else if (ch === '#' || (ch === '/' && text[i + 1] === '/')) {
      while (i < text.length && text[i] !== '\n') i++;
    } else if (ch === '/' && text[i + 1] === '*') {
      const startLine = line;
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === '\n') line++;
      if (end === -1) errors.push({ line: startLine, message: 'unterminated comment: "/*" without "*/"' });
      i = stop;
    } else if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: ch as TokenKind, text: ch, line });
      i++;
    } else if (ch === '"') {
      i = readString(text, i, line, tokens, errors);
    } else {
      const start = i;
      while (i < text.length && !endsWord(text[i])) i++;
      tokens.push({ kind: 'word', text: text.slice(start, i), line });
    }
  }
  tokens.push({ kind: 'eof', text: '', line });
  return { tokens, errors };
}

/** Reads the quoted string opening at `start`; returns the index after it. */
function readString(text: string, start: number, line: number, tokens: Token[], errors: TokenizeResult['errors']): number {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === '"') {
      tokens.push({ kind: 'string', text: value, line });
      return i + 1;
    }
    if (ch === '\n') break;
    if (ch === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) {
      value += text[i + 1];
      i += 2;
    } else {
      value += ch;
      i++;
    }
  }
  errors.push({ line, message: 'unterminated string: missing closing \'"\' on this line' });
  tokens.push({ kind: 'string', text: value, line, unterminated: true });
  return i;
}
