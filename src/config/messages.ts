/** Construction of `ConfigMessage` values (errors and warnings). */
import type { ConfigMessage, SourcePos } from './types.ts';

/** Separator between the levels of a block path: `link "hub.test" → outgoing`. */
export const BLOCK_SEPARATOR = ' → ';

export function configMessage(pos: SourcePos, message: string, block?: string): ConfigMessage {
  const where = pos.line > 0 ? `${pos.file}:${pos.line}` : pos.file;
  const text = `${where}: ${block ? `${block}: ` : ''}${message}`;
  return block ? { file: pos.file, line: pos.line, block, message, text } : { file: pos.file, line: pos.line, message, text };
}

/** Collects errors and warnings while a configuration is processed. */
export class MessageSink {
  readonly errors: ConfigMessage[] = [];
  readonly warnings: ConfigMessage[] = [];

  error(pos: SourcePos, message: string, block?: string): void {
    this.errors.push(configMessage(pos, message, block));
  }

  warn(pos: SourcePos, message: string, block?: string): void {
    this.warnings.push(configMessage(pos, message, block));
  }
}
