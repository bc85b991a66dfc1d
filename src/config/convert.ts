/**
 * Turns the parsed tree into the raw document (JSON named like the config
 * items, see `schema.ts`), recording where every value came from.
 *
 * Values are converted where possible (`20M` → bytes, `1d2h` → seconds,
 * `yes` → true) and otherwise kept as the written text, so that the schema
 * validation reports them with a precise message. Structural problems
 * (unknown items, a value where a block is expected, duplicates) are
 * reported here.
 */
import { closestBlockName, TSLINK_BLOCKS, UNREALIRCD_ONLY_BLOCKS } from './blockNames.ts';
import { normaliseCertfp, normaliseSpkifp } from './fingerprints.ts';
import { BLOCK_SEPARATOR, type MessageSink } from './messages.ts';
import { childPointer, PositionTable } from './positions.ts';
import {
  classSchema,
  denyLinkSchema,
  exceptBanSchema,
  linkSchema,
  listenSchema,
  logFileSchema,
  meSchema,
  rpcUserSchema,
  allowSchema,
  operSchema,
  setSchema,
  type ConfSchema,
  type Normalisation,
  type RawDocument,
} from './schema.ts';
import type { ConfigNode, SourcePos } from './types.ts';
import { parseDuration, parseInteger, parseSize, parseYesNo } from './units.ts';

export interface Conversion {
  document: RawDocument;
  positions: PositionTable;
  /** Pointers of items the converter already reported: validation stays quiet about them. */
  reported: Set<string>;
}

/*
 * Every table looked up by a name from the configuration text is a Map (or
 * checked with Object.hasOwn): an item called "constructor" or "__proto__"
 * must never reach Object.prototype.
 */

/** Extra advice for items that are unknown where they were written. */
const UNKNOWN_ITEM_HINTS = new Map<string, string>([
  ['password', 'the password we send must not be written inline: put it in a file and use password-file "path"; in the link block'],
  ['verify-certificate', 'use verify { ca "file"; } in the link block'],
  ['include', 'include is only allowed at the top level'],
]);

/** Password "types" of UnrealIRCd link blocks (`password "..." { spkifp; }`) that map to `verify`. */
const PASSWORD_TYPE_TO_VERIFY = new Map<string, string>([
  ['spkifp', 'spkifp'],
  ['certfp', 'certfp'],
  ['tlsclientcertfp', 'certfp'],
]);

type JsonObject = Record<string, unknown>;

/** UnrealIRCd's other log destinations: accepted in a shared configuration, not used by tslink. */
const LOG_DESTINATIONS_IGNORED = new Set(['syslog', 'channel', 'snomask', 'remote', 'memory']);

export function convertTree(nodes: ConfigNode[], root: SourcePos, sink: MessageSink): Conversion {
  return new Converter(sink, root).run(nodes);
}

class Converter {
  private readonly positions = new PositionTable();
  private readonly reported = new Set<string>();
  private readonly document: RawDocument = { listen: [], link: [], class: [], ulines: [], 'deny-link': [], 'except-ban': [], 'rpc-user': [] };

  constructor(
    private readonly sink: MessageSink,
    root: SourcePos,
  ) {
    this.positions.set('', { pos: root, key: '' });
  }

  run(nodes: ConfigNode[]): Conversion {
    for (const node of nodes) this.topLevel(node);
    return { document: this.document, positions: this.positions, reported: this.reported };
  }

  private topLevel(node: ConfigNode): void {
    const doc = this.document;
    switch (node.name) {
      case 'me':
        if (doc.me) this.error(node, `duplicate me block (the first is at ${where(doc.me.pos)})`);
        else if (this.isBlock(node, 'me', false)) doc.me = this.topBlock(node, meSchema, '/me', 'me') as unknown as RawDocument['me'];
        return;
      case 'listen':
        if (this.isBlock(node, 'listen', false)) this.pushTopBlock(node, listenSchema, doc.listen, '/listen', 'listen');
        return;
      case 'link':
      case 'class':
        if (this.isBlock(node, node.name, true)) {
          const label = `${node.name} "${node.value}"`;
          this.pushTopBlock(node, node.name === 'link' ? linkSchema : classSchema, doc[node.name], `/${node.name}`, label, node.value);
        }
        return;
      case 'admin':
        // admin { "Bob Smith"; "bob@example.net"; }: each entry a line of ADMIN's reply.
        if (this.isBlock(node, 'admin', false)) {
          const lines = (this.document.admin ??= []);
          for (const child of node.children ?? []) {
            if (child.value !== undefined || child.children) { this.error(child, 'each entry is one line of text, like: "Bob Smith";', 'admin'); continue; }
            this.positions.set(childPointer('/admin', lines.length), { pos: child.pos, key: 'admin', block: 'admin' });
            lines.push(child.name);
          }
        }
        return;
      case 'files':
        // files { motd "ircd.motd"; }: the MOTD; UnrealIRCd's other files (rules, pidfile, tunefile, ...) are not used.
        if (this.isBlock(node, 'files', false)) {
          for (const child of node.children ?? []) {
            if (child.name === 'motd' && child.value !== undefined && !child.children) {
              this.positions.set('/files/motd', { pos: child.pos, key: 'motd', block: 'files' });
              (this.document.files ??= {}).motd = child.value;
            } else this.sink.warn(child.pos, `files::${child.name} ignored: tslink reads only files::motd`);
          }
        }
        return;
      case 'ulines':
        if (this.isBlock(node, 'ulines', false)) this.ulines(node);
        return;
      case 'rpc-user':
        if (this.isBlock(node, 'rpc-user', true)) this.pushTopBlock(node, rpcUserSchema, doc['rpc-user'], '/rpc-user', `rpc-user "${node.value}"`, node.value);
        return;
      case 'rpc-class':
        // UnrealIRCd's rpc-class.default.conf defines full and read-only, the two classes tslink has built in.
        this.sink.warn(node.pos, `rpc-class ${node.value ?? ''} { } ignored: tslink has the built-in rpc-classes full and read-only only (rpc-user::rpc-class names one of them)`);
        return;
      case 'set':
        if (this.isBlock(node, 'set', false)) this.set(node);
        return;
      case 'log':
        if (this.isBlock(node, 'log', false)) this.log(node);
        return;
      case 'allow':
        // allow channel { } and the like are other blocks of UnrealIRCd's, not client admission.
        if (node.value !== undefined) { this.sink.warn(node.pos, `allow ${node.value} { } is not used by tslink; ignored`); return; }
        if (this.isBlock(node, 'allow', false)) this.pushTopBlock(node, allowSchema, (doc.allow ??= []), '/allow', 'allow');
        return;
      case 'oper':
        if (this.isBlock(node, 'oper', true)) {
          const label = `oper "${node.value}"`;
          const pointer = childPointer('/oper', (doc.oper ??= []).length);
          const object: JsonObject = { pos: node.pos, name: node.value! };
          this.positions.set(pointer, { pos: node.pos, key: node.name, label });
          this.positions.set(childPointer(pointer, 'name'), { pos: node.pos, key: 'name', block: label });
          this.blockContents(object, this.operPasswordType(node.children ?? [], label, 'opers'), operSchema, pointer, label);
          (doc.oper as unknown[]).push(object);
        }
        return;
      case 'deny':
        this.deny(node);
        return;
      case 'except':
        if (node.value === 'ban' && node.children) this.pushTopBlock(node, exceptBanSchema, doc['except-ban'], '/except-ban', 'except ban');
        else if (node.value === undefined || !node.children) this.error(node, 'except needs a type and a block: except ban { mask ...; type connect-flood; }');
        else this.sink.warn(node.pos, `except ${node.value} { } is not used by tslink; ignored`);
        return;
      default:
        this.unknownTopLevel(node);
    }
  }

  /**
   * A block tslink does not read: UnrealIRCd's own are ignored with a warning (a configuration may
   * be shared with an UnrealIRCd server); any other name is an error, with the known name it is
   * probably a typo of.
   */
  private unknownTopLevel(node: ConfigNode): void {
    if (UNREALIRCD_ONLY_BLOCKS.has(node.name)) {
      this.sink.warn(node.pos, 'ignored: tslink does not use it', node.name);
      return;
    }
    const what = node.children ? 'unknown block' : 'unknown top-level item';
    const near = closestBlockName(node.name);
    const hint = near !== undefined ? `; did you mean "${near}"?` : ` (tslink reads ${TSLINK_BLOCKS.join(', ')}, and ignores UnrealIRCd's other blocks)`;
    this.error(node, `${what}${hint}`, node.name);
  }

  /** Checks `name [value] { ... }` shape of a top-level block; `named` blocks need the value. */
  private isBlock(node: ConfigNode, name: string, named: boolean): boolean {
    if (!node.children) {
      this.error(node, `"${name}" must be a block: ${name}${named ? ' <name>' : ''} { ... }`);
      return false;
    }
    if (named && (node.value === undefined || node.value === '')) {
      this.error(node, `a ${name} block needs a name: ${name} <name> { ... }`);
      return false;
    }
    if (!named && node.value !== undefined) {
      this.error(node, `"${name}" takes no value before "{": ${name} { ... }`);
      return false;
    }
    return true;
  }

  private pushTopBlock(node: ConfigNode, schema: ConfSchema, into: unknown[], base: string, label: string, name?: string): void {
    const pointer = childPointer(base, into.length);
    const object = this.topBlock(node, schema, pointer, label);
    if (name !== undefined) {
      object.name = name;
      this.positions.set(childPointer(pointer, 'name'), { pos: node.pos, key: 'name', block: label });
    }
    into.push(object);
  }

  private topBlock(node: ConfigNode, schema: ConfSchema, pointer: string, label: string): JsonObject {
    const object: JsonObject = { pos: node.pos };
    this.positions.set(pointer, { pos: node.pos, key: node.name, label });
    const children = schema === linkSchema ? this.passwordTypesToVerify(node.children ?? [], label)
      : schema === allowSchema ? this.operPasswordType(node.children ?? [], label, 'allow blocks') : (node.children ?? []);
    this.blockContents(object, children, schema, pointer, label);
    return object;
  }

  private ulines(node: ConfigNode): void {
    for (const child of node.children ?? []) {
      if (child.value !== undefined || child.children) {
        this.error(child, 'each entry is a server name alone, like: services.example.net;', 'ulines');
        continue;
      }
      const pointer = childPointer('/ulines', this.document.ulines.length);
      this.positions.set(pointer, { pos: child.pos, key: 'ulines', block: 'ulines' });
      this.document.ulines.push(child.name);
    }
  }

  private set(node: ConfigNode): void {
    if (!this.document.set) {
      this.document.set = { extra: [], pos: node.pos };
      this.positions.set('/set', { pos: node.pos, key: 'set', label: 'set' });
    }
    this.blockContents(this.document.set as unknown as JsonObject, node.children ?? [], setSchema, '/set', 'set');
  }

  /**
   * UnrealIRCd's `log { source { ... } destination { file "ircd.log" { maxsize 100M; } } }`. tslink
   * reads the file destination (its only one besides stdout); the sources are not used (every event
   * at the node's log level is logged) and the other destinations UnrealIRCd has are warnings.
   */
  private log(node: ConfigNode): void {
    const label = 'log';
    for (const item of node.children ?? []) {
      if (item.name === 'source') {
        if (!item.children) this.error(item, '"source" must be a block: source { all; }', label);
        continue;
      }
      if (item.name !== 'destination') {
        this.error(item, `unknown item "${item.name}" (a log block has source { ... } and destination { file "tslink.log" { maxsize 100M; } })`, label);
        continue;
      }
      if (!item.children || item.value !== undefined) {
        this.error(item, '"destination" must be a block: destination { file "tslink.log" { maxsize 100M; } }', label);
        continue;
      }
      const destLabel = `${label}${BLOCK_SEPARATOR}destination`;
      for (const dest of item.children) {
        if (dest.name === 'file') this.logFile(dest, `${destLabel}${BLOCK_SEPARATOR}file`);
        else if (LOG_DESTINATIONS_IGNORED.has(dest.name)) this.sink.warn(dest.pos, `destination ${dest.name} is not supported by tslink (it logs to stdout or to a file); ignored`, destLabel);
        else this.error(dest, `unknown destination "${dest.name}" (tslink logs to a file: file "tslink.log" { maxsize 100M; })`, destLabel);
      }
    }
  }

  private logFile(dest: ConfigNode, label: string): void {
    if (dest.value === undefined || dest.value === '') {
      this.error(dest, 'file needs a path: file "tslink.log" { maxsize 100M; }', label);
      return;
    }
    const list = (this.document.log ??= []) as unknown[];
    const pointer = childPointer('/log', list.length);
    const object: JsonObject = { pos: dest.pos, file: dest.value };
    this.positions.set(pointer, { pos: dest.pos, key: 'file', label });
    this.positions.set(childPointer(pointer, 'file'), { pos: dest.pos, key: 'file', block: label });
    this.blockContents(object, dest.children ?? [], logFileSchema, pointer, label);
    list.push(object);
  }

  private deny(node: ConfigNode): void {
    if (node.value === 'link' && node.children) {
      this.pushTopBlock(node, denyLinkSchema, this.document['deny-link'], '/deny-link', 'deny link');
    } else if (node.value === undefined || !node.children) {
      this.error(node, 'deny needs a type and a block: deny link { ... }');
    } else {
      this.sink.warn(node.pos, `deny ${node.value} { } is not supported by tslink; ignored`);
    }
  }

  /** Converts the items of a block into `target` following `schema`. */
  private blockContents(target: JsonObject, items: ConfigNode[], schema: ConfSchema, pointer: string, label: string): void {
    for (const item of items) {
      const properties = schema.properties ?? {};
      const itemSchema = Object.hasOwn(properties, item.name) ? properties[item.name] : undefined;
      if (!itemSchema?.kind) {
        if (schema.allowExtra) (target.extra as ConfigNode[]).push(item);
        else if (schema.ignoreUnknown) this.sink.warn(item.pos, `"${item.name}" is not used by tslink (${schema.ignoreUnknown}); ignored`, label);
        else this.error(item, `unknown item "${item.name}"${hintFor(item.name)}`, label);
        continue;
      }
      this.item(target, item, itemSchema, childPointer(pointer, item.name), label);
    }
  }

  private item(target: JsonObject, item: ConfigNode, schema: ConfSchema, pointer: string, label: string): void {
    const name = item.name;
    const located = { pos: item.pos, key: name, block: label };
    switch (schema.kind) {
      case 'block': {
        if (!item.children || item.value !== undefined) {
          this.fail(item, pointer, `"${name}" must be a block: ${name} { ... }`, label);
          return;
        }
        const innerLabel = `${label}${BLOCK_SEPARATOR}${name}`;
        if (!this.positions.has(pointer)) {
          this.positions.set(pointer, { ...located, label: innerLabel });
          target[name] = {};
        }
        this.blockContents(target[name] as JsonObject, item.children, schema, pointer, innerLabel);
        return;
      }
      case 'list': {
        const values = this.listValues(item, pointer, label);
        if (!values) return;
        if (!this.positions.has(pointer)) {
          this.positions.set(pointer, located);
          target[name] = [];
        }
        const array = target[name] as unknown[];
        for (const value of values) {
          this.positions.set(childPointer(pointer, array.length), { pos: value.pos, key: name, block: label });
          array.push(normalise(value.text, schema.items?.normalise));
        }
        return;
      }
      case 'flag':
        if (item.value !== undefined || item.children) {
          this.fail(item, pointer, `"${name}" is a flag and takes no value: ${name};`, label);
          // Still mark it set (the config is rejected anyway) so rules do not add "flag missing" errors.
        }
        this.positions.set(pointer, located);
        target[name] = true;
        return;
      default: {
        if (item.children || item.value === undefined) {
          const shape = item.children ? 'must be a value, not a block' : 'needs a value';
          this.fail(item, pointer, `"${name}" ${shape}: ${name} <value>;`, label);
          return;
        }
        const first = this.positions.get(pointer);
        if (first) {
          this.fail(item, pointer, `duplicate "${name}" (the first is at ${where(first.pos)})`, label);
          return;
        }
        this.positions.set(pointer, located);
        target[name] = convertValue(schema, item.value);
      }
    }
  }

  /** The values of a list item: `key value;` or `key { a; b; }`. */
  private listValues(item: ConfigNode, pointer: string, label: string): { text: string; pos: SourcePos }[] | undefined {
    if (!item.children) {
      if (item.value !== undefined) return [{ text: item.value, pos: item.pos }];
      this.fail(item, pointer, `"${item.name}" needs a value: ${item.name} <value>; or ${item.name} { <value>; <value>; }`, label);
      return undefined;
    }
    if (item.value !== undefined) {
      this.fail(item, pointer, `"${item.name}" takes either a value or a block of values, not both`, label);
      return undefined;
    }
    const values: { text: string; pos: SourcePos }[] = [];
    for (const child of item.children) {
      if (child.value !== undefined || child.children) {
        this.fail(child, pointer, `each entry of "${item.name}" is a value alone, like: { value; }`, label);
      } else {
        values.push({ text: child.name, pos: child.pos });
      }
    }
    return values;
  }

  /** Rewrites UnrealIRCd's `password "<fingerprint>" { spkifp; };` into `verify { spkifp "<fingerprint>"; }`. */
  private passwordTypesToVerify(children: ConfigNode[], label: string): ConfigNode[] {
    return children.flatMap((child) => {
      if (child.name !== 'password' || !child.children) return [child];
      const types = child.children.map((c) => c.name);
      const target = types.length === 1 && child.children[0].value === undefined ? PASSWORD_TYPE_TO_VERIFY.get(types[0]) : undefined;
      if (!target || child.value === undefined) {
        this.error(child, 'password types other than { spkifp; } or { certfp; } are not supported (use a hash or verify { })', label);
        return [];
      }
      return [{ name: 'verify', pos: child.pos, children: [{ name: target, value: child.value, pos: child.pos }] }];
    });
  }

  /**
   * An oper (or allow) block's `password "<fingerprint>" { certfp; }`: UnrealIRCd's auth type for a
   * client certificate, kept as `password` plus a `password-type` item; other auth types are errors.
   */
  private operPasswordType(children: ConfigNode[], label: string, what: string): ConfigNode[] {
    return children.flatMap((child) => {
      if (child.name !== 'password' || !child.children) return [child];
      const type = child.children.length === 1 && child.children[0].value === undefined && !child.children[0].children ? child.children[0].name : '';
      if (type !== 'certfp' || child.value === undefined) {
        this.error(child, `the password type tslink checks for ${what} is { certfp; } (else give a hash: password "$argon2id$..."; or "$scrypt$...")`, label);
        return [];
      }
      return [{ name: 'password', value: child.value, pos: child.pos }, { name: 'password-type', value: type, pos: child.pos }];
    });
  }

  private fail(node: ConfigNode, pointer: string, message: string, block: string): void {
    this.reported.add(pointer);
    this.error(node, message, block);
  }

  private error(node: ConfigNode, message: string, block?: string): void {
    this.sink.error(node.pos, message, block);
  }
}

function convertValue(schema: ConfSchema, text: string): unknown {
  switch (schema.kind) {
    case 'int': return parseInteger(text) ?? text;
    case 'size': return parseSize(text) ?? text;
    case 'duration': return parseDuration(text) ?? text;
    case 'yesno': return parseYesNo(text) ?? text;
    default: return normalise(text, schema.normalise);
  }
}

function normalise(text: string, how: Normalisation | undefined): string {
  if (how === 'certfp') return normaliseCertfp(text);
  if (how === 'spkifp') return normaliseSpkifp(text);
  return text;
}

function hintFor(name: string): string {
  const hint = UNKNOWN_ITEM_HINTS.get(name);
  return hint === undefined ? '' : ` (${hint})`;
}

function where(pos: SourcePos): string {
  return `${pos.file}:${pos.line}`;
}
