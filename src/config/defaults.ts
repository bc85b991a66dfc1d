/**
 * The embedded default configuration, used when no configuration file is
 * given: loopback only, TLS for servers, no links.
 */
import * as path from 'node:path';
import { parseConfigText } from './load.ts';
import type { TslinkConfig } from './types.ts';

/** File name shown in positions of the default configuration. */
export const DEFAULT_CONFIG_LABEL = '<default>';

/** The default configuration in config syntax (quoting `dataDir` safely). */
export function defaultConfigText(dataDir: string): string {
  return `me {
	name "tslink.localhost";
	info "tslink node";
	sid "0TS";
}

listen {
	ip 127.0.0.1;
	port 6901;
	options { serversonly; tls; }
}

class servers {
	pingfreq 90;
	connfreq 15;
	maxclients 10;
	sendq 20M;
	recvq 64k;
}

set {
	network-name "TestNet";
	data-directory ${quote(dataDir)};
	server-linking { connect-timeout 10s; handshake-timeout 20s; }
	handshake-limits { per-ip 20; total 2000; }
	tls { min-version TLSv1.2; }
}
`;
}

/** The default configuration; `set.dataDirectory` is `dataDir` made absolute. */
export function defaultConfig(dataDir: string): TslinkConfig {
  // Parse with a neutral directory, then set the real one: any dataDir text is accepted as is.
  const result = parseConfigText(defaultConfigText('.'), DEFAULT_CONFIG_LABEL);
  if (!result.config) {
    // Only reachable if the embedded text above is broken (a bug, covered by the tests).
    throw new Error(`embedded default configuration is invalid: ${result.errors.map((e) => e.text).join('; ')}`);
  }
  result.config.set.dataDirectory = path.resolve(dataDir);
  return result.config;
}

/** A config-syntax quoted string: `"` and `\\` escaped. */
export function quote(text: string): string {
  return `"${text.replace(/[\\"]/g, (ch) => `\\${ch}`)}"`;
}
