import { SOFTWARE } from '../../s2s/protoctl.ts';

/** The version rpc.info shows for every method (the tslink release serving it). */
export const VERSION = SOFTWARE.replace(/^tslink-/, '');
