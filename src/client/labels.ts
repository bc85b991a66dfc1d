// IRCv3 labeled-response (UnrealIRCd labeled-response.c): a command sent with a "label" tag by a
// client that has the labeled-response and batch caps gets its replies marked with that label.
// No reply: ":<server> ACK" with the label. One reply: the label added to it. More: the replies
// inside a "labeled-response" batch whose BATCH + line carries the label. Every line goes out as
// its own line (the runtime ends each in exactly CR LF).
import { escapeTagValue } from '../wire/message.ts';
import { newBatchId, withTag } from './tags.ts';
import type { ClientSession } from './session.ts';

/** The longest label honoured (labeled-response.c ignores longer ones from users). */
const LABEL_MAX = 64;

/** The label of the line being handled when it is to be honoured, else null. */
export function labelCapture(s: ClientSession): string | null {
  const label = s.lineTags.label;
  if (label === undefined || label === '' || label.length > LABEL_MAX) return null;
  if (!s.hasCap('labeled-response') || !s.hasCap('batch')) return null;
  return label;
}

/** The lines to send for a labeled command whose replies were `held`. */
export function labeledLines(server: string, label: string, held: string[]): string[] {
  const tag = `label=${escapeTagValue(label)}`;
  if (held.length === 0) return [`@${tag} :${server} ACK`];
  if (held.length === 1) return [withTag(held[0], tag)];
  const id = newBatchId();
  return [`@${tag} :${server} BATCH +${id} labeled-response`, ...held.map((l) => withTag(l, `batch=${id}`)), `:${server} BATCH -${id}`];
}
