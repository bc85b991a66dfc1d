// pino-roll ships no type declarations: the part of its API that src/runtime/logOutput.ts uses.
declare module 'pino-roll' {
  import type { EventEmitter } from 'node:events';
  interface PinoRollOptions {
    file: string;
    /** '100m', '64k', or bytes with a 'b' suffix. */
    size?: string | number;
    frequency?: string | number;
    mkdir?: boolean;
    /** sonic-boom's option: write synchronously. */
    sync?: boolean;
    limit?: { count?: number; removeOtherLogFiles?: boolean };
    extension?: string;
    symlink?: boolean;
  }
  interface RollStream extends EventEmitter {
    write(chunk: string): boolean;
    flushSync(): void;
    end(): void;
    readonly file: string;
  }
  export default function pinoRoll(options: PinoRollOptions): Promise<RollStream>;
}
