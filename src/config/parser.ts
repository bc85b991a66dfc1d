/**
 * Parser for UnrealIRCd's configuration syntax (one file, no includes; see
 * `includes.ts` for `include "path";`).
 *
 * Grammar:
 *   entries := entry*
 *   entry   := NAME [VALUE] ( "{" entries "}" [";"] | ";" )
 * NAME and VALUE are unquoted words or quoted strings. Stray `;` are ignored.
 * The parser never throws: it records an error, recovers and goes on.
 */
import { tokenize, type Token } from './tokenizer.ts';
import type { ConfigNode, SourcePos } from './types.ts';

/** Deepest allowed block nesting; deeper input is reported and skipped. */
export const MAX_NESTING = 32;

export interface ParseError {
  pos: SourcePos;
  message: string;
}

export interface ParseResult {
  nodes: ConfigNode[];
  errors: ParseError[];
}

export function parseConfigSyntax(text: string, file: string): ParseResult {
  const lexed = tokenize(text);
  const parser = new Parser(lexed.tokens, file);
  for (const e of lexed.errors) parser.errors.push({ pos: { file, line: e.line }, message: e.message });
  const nodes = parser.parseTopLevel();
  parser.errors.sort((a, b) => a.pos.line - b.pos.line);
  return { nodes, errors: parser.errors };
}

class Parser {
  readonly errors: ParseError[] = [];
  private index = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly file: string,
  ) {}

  parseTopLevel(): ConfigNode[] {
    const nodes: ConfigNode[] = [];
    for (;;) {
      this.parseEntries(nodes, 0);
      const tok = this.peek();
      if (tok.kind === 'eof') return nodes;
      // Only '}' stops parseEntries before end of file.
      this.error(tok.line, "unexpected '}': no block is open here");
      this.index++;
    }
  }

  /** Parses entries into `out` until '}' or end of file (neither is consumed). */
  private parseEntries(out: ConfigNode[], depth: number): void {
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'eof' || tok.kind === '}') return;
      if (tok.kind === ';') {
        this.index++;
      } else if (tok.kind === '{') {
        this.error(tok.line, "unexpected '{': a block needs a name, like: name { ... };");
        this.index++;
        this.parseBlockBody(tok, '(unnamed)', depth + 1);
      } else {
        out.push(this.parseEntry(depth));
      }
    }
  }

  private parseEntry(depth: number): ConfigNode {
    const nameTok = this.next();
    const node: ConfigNode = { name: nameTok.text, pos: { file: this.file, line: nameTok.line } };
    let last = nameTok;
    if (isText(this.peek())) {
      last = this.next();
      node.value = last.text;
    }
    const tok = this.peek();
    if (tok.kind === '{') {
      this.index++;
      node.children = this.parseBlockBody(tok, node.name, depth + 1);
      if (this.peek().kind === ';') this.index++;
    } else if (tok.kind === ';') {
      this.index++;
    } else if (!last.unterminated) {
      // A third word, '}' or end of file: the ';' is missing. Leave the token for the caller.
      // (After an unterminated string the ';' was probably swallowed: that error is enough.)
      this.error(last.line, `missing ';' after the "${node.name}" item`);
    }
    return node;
  }

  /** Parses from after '{' through the matching '}' (consumed if present). */
  private parseBlockBody(open: Token, name: string, depth: number): ConfigNode[] {
    const children: ConfigNode[] = [];
    if (depth > MAX_NESTING) {
      this.error(open.line, `blocks nested too deeply (more than ${MAX_NESTING} levels); block skipped`);
      this.skipToMatchingBrace();
    } else {
      this.parseEntries(children, depth);
    }
    if (this.peek().kind === '}') {
      this.index++;
    } else {
      this.error(open.line, `block "${name}" is never closed: missing '}' before the end of the file`);
    }
    return children;
  }

  /** Skips tokens up to (not including) the '}' closing the current block, or end of file. */
  private skipToMatchingBrace(): void {
    let level = 0;
    for (;;) {
      const tok = this.peek();
      if (tok.kind === 'eof') return;
      if (tok.kind === '}') {
        if (level === 0) return;
        level--;
      } else if (tok.kind === '{') {
        level++;
      }
      this.index++;
    }
  }

  private peek(): Token {
    return this.tokens[Math.min(this.index, this.tokens.length - 1)];
  }

  private next(): Token {
    const tok = this.peek();
    if (this.index < this.tokens.length - 1) this.index++;
    return tok;
  }

  private error(line: number, message: string): void {
    this.errors.push({ pos: { file: this.file, line }, message });
  }
}

function isText(tok: Token): boolean {
  return tok.kind === 'word' || tok.kind === 'string';
}
