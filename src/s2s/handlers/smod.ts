// :<sid> SMOD :<F>:<module>:<version> ...   module list; tslink requires nothing and ignores it.
import type { CommandSpec } from '../commandTable.ts';

export const SMOD: CommandSpec = { minParams: 1, from: 'server', handler() {} };
