/**
 * The loading pipeline: read + parse (with includes) → convert to the raw
 * document → schema validation → cross-block rules → the files it names
 * (secret files, CA files) → typed `TslinkConfig`.
 * Nothing here throws on bad input; problems come back as messages.
 */
import { convertTree } from './convert.ts';
import { checkReferencedFiles } from './files.ts';
import { finaliseConfig, pathResolver } from './finalise.ts';
import { readConfigFileTree, readConfigTextTree, type ConfigTree } from './includes.ts';
import { MessageSink } from './messages.ts';
import { checkRules } from './rules.ts';
import type { ConfigMessage, ConfigResult } from './types.ts';
import { validateDocument } from './validate.ts';

/** File name used in messages for text given to `parseConfigText` without a name. */
export const DEFAULT_TEXT_LABEL = '<config>';

/** Loads and validates a configuration file (and the files it includes). */
export function loadConfigFile(file: string): ConfigResult {
  return guarded(file, () => readConfigFileTree(file));
}

/**
 * Parses and validates configuration text. `file` only names the text in
 * messages; relative includes and paths are resolved against the current directory.
 */
export function parseConfigText(text: string, file: string = DEFAULT_TEXT_LABEL): ConfigResult {
  return guarded(file, () => readConfigTextTree(String(text), file));
}

function guarded(file: string, read: () => ConfigTree): ConfigResult {
  const sink = new MessageSink();
  try {
    return processTree(read(), file, sink);
  } catch (err) {
    // A bug, not bad input: report it like any other problem rather than crash the caller.
    sink.error({ file, line: 0 }, `internal error while loading the configuration: ${(err as Error)?.stack ?? String(err)}`);
    return { errors: sink.errors, warnings: sink.warnings };
  }
}

function processTree(tree: ConfigTree, file: string, sink: MessageSink): ConfigResult {
  for (const e of tree.errors) sink.error(e.pos, e.message);
  if (sink.errors.length > 0) return { errors: sink.errors, warnings: sink.warnings };

  const { document, positions, reported } = convertTree(tree.nodes, { file, line: 0 }, sink);
  validateDocument(document, positions, reported, sink);
  checkRules(document, positions, sink);
  checkReferencedFiles(document, positions, pathResolver(tree.baseDirs), sink);
  sortByPosition(sink.errors, tree);
  sortByPosition(sink.warnings, tree);
  if (sink.errors.length > 0) return { errors: sink.errors, warnings: sink.warnings };
  return { config: finaliseConfig(document, positions, tree.baseDirs), errors: sink.errors, warnings: sink.warnings };
}

/** Stable sort: files in the order they were read, then by line. */
function sortByPosition(messages: ConfigMessage[], tree: ConfigTree): void {
  const fileOrder = [...tree.baseDirs.keys()];
  const rank = (file: string): number => {
    const i = fileOrder.indexOf(file);
    return i === -1 ? -1 : i;
  };
  messages.sort((a, b) => rank(a.file) - rank(b.file) || a.line - b.line);
}
