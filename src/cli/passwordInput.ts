// Reading a password for `tslink mkpasswd`: on a terminal, typed without echo (raw mode: we see
// each key and print nothing); from a pipe, the first line. The password is never written out.
import { StringDecoder } from 'node:string_decoder';

/** The part of a terminal's input stream we use (process.stdin on a TTY). */
export interface TerminalInput {
  isRaw?: boolean;
  setRawMode(mode: boolean): unknown;
  on(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  off(event: 'data', fn: (chunk: Buffer | string) => void): unknown;
  resume(): unknown;
  pause(): unknown;
}

/** Longest line we read: longer than any password (passwords.ts refuses more than it allows anyway). */
const MAX_LINE = 4096;

/**
 * Shows each prompt in turn and reads one line after each, with echo off. Returns the lines, or
 * null when the user gives up (Ctrl-C, or Ctrl-D on an empty line). Keys typed ahead of a prompt
 * belong to the next line, as on any terminal.
 */
export function promptHidden(prompts: string[], input: TerminalInput, write: (s: string) => void): Promise<string[] | null> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    const decoder = new StringDecoder('utf8');
    let current = '';
    const wasRaw = input.isRaw === true;
    let done = false;
    const finish = (result: string[] | null) => {
      if (done) return;
      done = true;
      input.off('data', onData);
      input.setRawMode(wasRaw);
      input.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
      for (const ch of text) {
        if (done) return;
        if (ch === '\r' || ch === '\n') {
          write('\n');
          lines.push(current);
          current = '';
          if (lines.length === prompts.length) { finish(lines); return; }
          write(prompts[lines.length]);
        } else if (ch === '\u0003' || (ch === '\u0004' && current === '')) {
          write('\n');
          finish(null);
          return;
        } else if (ch === '\u007f' || ch === '\b') {
          current = [...current].slice(0, -1).join('');
        } else if (ch === '\u0015') {
          current = ''; // Ctrl-U: start the line again
        } else if (ch >= ' ' && current.length < MAX_LINE) {
          current += ch;
        }
      }
    };
    input.setRawMode(true);
    input.on('data', onData);
    input.resume();
    write(prompts[0]);
  });
}

/** The first line of a stream (a pipe or a file), without its line end; reading stops there. */
export async function readFirstLine(input: AsyncIterable<Buffer | string>): Promise<string> {
  const decoder = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of input) {
    text += typeof chunk === 'string' ? chunk : decoder.write(chunk);
    const nl = text.indexOf('\n');
    if (nl >= 0) { text = text.slice(0, nl); break; }
    if (text.length > MAX_LINE) break;
  }
  return text.replace(/\r$/, '');
}
