/**
 * Reads a configuration source and expands top-level `include "path";` items.
 *
 * Relative include paths are resolved against the directory of the including
 * file (the current directory for in-memory text). Including a file that is
 * already being included (directly or through others) is an include loop.
 */
import { readFileSync, realpathSync } from 'node:fs';
import * as path from 'node:path';
import { parseConfigSyntax, type ParseError } from './parser.ts';
import type { ConfigNode } from './types.ts';

/** Deepest allowed chain of includes. */
export const MAX_INCLUDE_DEPTH = 16;

export interface ConfigTree {
  /** Top-level nodes of all files, includes replaced by the included nodes. */
  nodes: ConfigNode[];
  errors: ParseError[];
  /** For each file name used in positions: the absolute directory its relative paths are based on. */
  baseDirs: Map<string, string>;
}

/** One configuration source: a file on disk or in-memory text. */
interface Source {
  /** Name used in positions and messages. */
  label: string;
  /** Absolute directory for relative paths inside this source. */
  baseDir: string;
  /** Directory used to build the labels of files it includes ('' for in-memory text). */
  labelDir: string;
  /** Canonical path (for loop detection); undefined for in-memory text. */
  identity?: string;
}

export function readConfigFileTree(file: string): ConfigTree {
  const tree: ConfigTree = { nodes: [], errors: [], baseDirs: new Map() };
  const absolute = path.resolve(file);
  const source: Source = { label: file, baseDir: path.dirname(absolute), labelDir: path.dirname(file), identity: canonical(absolute) };
  const text = readText(absolute);
  if (typeof text !== 'string') {
    tree.errors.push({ pos: { file, line: 0 }, message: `cannot read the configuration file: ${text.error}` });
    return tree;
  }
  expand(text, source, [], tree, tree.nodes);
  return tree;
}

export function readConfigTextTree(text: string, label: string): ConfigTree {
  const tree: ConfigTree = { nodes: [], errors: [], baseDirs: new Map() };
  expand(text, { label, baseDir: process.cwd(), labelDir: '' }, [], tree, tree.nodes);
  return tree;
}

function expand(text: string, source: Source, chain: string[], tree: ConfigTree, out: ConfigNode[]): void {
  tree.baseDirs.set(source.label, source.baseDir);
  const parsed = parseConfigSyntax(text, source.label);
  tree.errors.push(...parsed.errors);
  const innerChain = source.identity ? [...chain, source.identity] : chain;
  for (const node of parsed.nodes) {
    if (node.name === 'include') includeFile(node, source, innerChain, tree, out);
    else out.push(node);
  }
}

function includeFile(node: ConfigNode, from: Source, chain: string[], tree: ConfigTree, out: ConfigNode[]): void {
  const fail = (message: string): void => void tree.errors.push({ pos: node.pos, message });
  if (node.value === undefined || node.value === '' || node.children) {
    fail('include needs a file name and nothing else: include "file.conf";');
    return;
  }
  const absolute = path.resolve(from.baseDir, node.value);
  const identity = canonical(absolute);
  if (chain.includes(identity)) {
    const loop = [...chain.slice(chain.indexOf(identity)), identity].map((p) => path.basename(p)).join(' → ');
    fail(`include loop: "${node.value}" is already being included (${loop})`);
    return;
  }
  if (chain.length >= MAX_INCLUDE_DEPTH) {
    fail(`includes nested too deeply (more than ${MAX_INCLUDE_DEPTH} levels)`);
    return;
  }
  const text = readText(absolute);
  if (typeof text !== 'string') {
    fail(`cannot read include file "${node.value}": ${text.error}`);
    return;
  }
  const label = path.isAbsolute(node.value) ? node.value : path.join(from.labelDir, node.value);
  expand(text, { label, baseDir: path.dirname(absolute), labelDir: path.dirname(label), identity }, chain, tree, out);
}

function readText(absolute: string): string | { error: string } {
  try {
    return readFileSync(absolute, 'utf8');
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    return { error: e.code ? `${e.code} (${describeErrno(e.code)})` : String(e.message) };
  }
}

function describeErrno(code: string): string {
  switch (code) {
    case 'ENOENT': return 'no such file';
    case 'EACCES': return 'permission denied';
    case 'EISDIR': return 'is a directory';
    default: return 'read failed';
  }
}

/** Real path when it exists (so symlinked loops are caught), else the absolute path. */
function canonical(absolute: string): string {
  try {
    return realpathSync(absolute);
  } catch {
    return absolute;
  }
}
