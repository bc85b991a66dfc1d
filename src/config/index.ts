/**
 * tslink configuration: UnrealIRCd block syntax → validated `TslinkConfig`.
 *
 *   const { config, errors, warnings } = loadConfigFile('link.conf');
 *   for (const e of errors) console.error(e.text); // "link.conf:12: link "hub.test" → outgoing: ..."
 */
export { loadConfigFile, parseConfigText } from './load.ts';
export { defaultConfig, defaultConfigText } from './defaults.ts';
export { parseConfigSyntax } from './parser.ts';
export type {
  AllowConfig,
  OperConfig,
  ClassConfig,
  ConfigMessage,
  ConfigNode,
  ConfigResult,
  DenyLinkConfig,
  LinkConfig,
  LinkIncoming,
  LinkOutgoing,
  LinkVerify,
  ListenConfig,
  LogFileConfig,
  MeConfig,
  RpcUserConfig,
  SetConfig,
  SourcePos,
  TslinkConfig,
} from './types.ts';
