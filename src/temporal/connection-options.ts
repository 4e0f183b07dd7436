/**
 * Issue 13, beyond one machine: how every process reaches Temporal — the worker
 * (NativeConnection, src/worker/main.ts), the API (Connection, src/api/main.ts), the CLI
 * (src/cli/session.ts) and `npm start` against an external server (src/cli/start.ts) — built here
 * once from the validated environment (src/config/env.ts):
 *
 *   TEMPORAL_ADDRESS            host:port of the frontend
 *   TEMPORAL_TLS=true           TLS with the system's trusted CAs (implied by any variable below)
 *   TEMPORAL_TLS_CA             PEM of a private CA that signed the frontend's certificate
 *   TEMPORAL_TLS_CERT/_KEY      mTLS: this client's certificate and private key (both or neither)
 *   TEMPORAL_TLS_SERVER_NAME    the name to check the frontend's certificate against (SNI)
 *   TEMPORAL_API_KEY            Temporal Cloud API key (Authorization: Bearer …; TLS on)
 *
 * The result's shape is what both `Connection.connect/lazy` and `NativeConnection.connect` take
 * (`address`, `tls`, `apiKey`). The files are read through `readFile` (a test passes its own), so
 * the function is otherwise pure. §3.1: "protected … in transit" — nothing here is ever logged
 * except by `describeTemporalConnection`, which names files and never shows a key.
 */
import { readFileSync } from 'node:fs';
import type { Env } from '../config/env';

/** Temporal's TLSConfig (the SDK's `tls` option), spelled out so client and worker share one type. */
export interface TemporalTls {
  serverNameOverride?: string;
  serverRootCACertificate?: Buffer;
  clientCertPair?: { crt: Buffer; key: Buffer };
}

export interface TemporalConnectionSettings {
  address: string;
  /** Absent: plaintext (the dev server). `{}`: TLS with the system's trusted CAs. */
  tls?: TemporalTls;
  apiKey?: string;
}

export type TemporalConnectionEnv = Pick<
  Env,
  'TEMPORAL_ADDRESS' | 'TEMPORAL_TLS' | 'TEMPORAL_TLS_CA' | 'TEMPORAL_TLS_CERT' | 'TEMPORAL_TLS_KEY' | 'TEMPORAL_TLS_SERVER_NAME' | 'TEMPORAL_API_KEY'
>;

export class TemporalConnectionConfigError extends Error {
  override name = 'ConfigError';
}

/**
 * The connection options for `env` (TEMPORAL_ADDRESS, or `address` for a server this process
 * started itself). Throws TemporalConnectionConfigError for a combination loadConfig also refuses
 * (a certificate without its key), so a caller that skipped loadConfig is not silently plaintext.
 */
export function temporalConnectionOptions(
  env: Partial<TemporalConnectionEnv>,
  options: { address?: string; readFile?: (file: string) => Buffer } = {},
): TemporalConnectionSettings {
  const address = options.address ?? env.TEMPORAL_ADDRESS;
  if (!address) throw new TemporalConnectionConfigError('TEMPORAL_ADDRESS is not set: expected the Temporal frontend host:port, e.g. 127.0.0.1:7233');
  const read = options.readFile ?? ((file: string) => readFileSync(file));
  if (Boolean(env.TEMPORAL_TLS_CERT) !== Boolean(env.TEMPORAL_TLS_KEY)) {
    throw new TemporalConnectionConfigError('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together: mTLS needs the client certificate and its private key');
  }
  const wantsTls =
    env.TEMPORAL_TLS === true || Boolean(env.TEMPORAL_TLS_CA || env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_SERVER_NAME || env.TEMPORAL_API_KEY);
  if (env.TEMPORAL_TLS === false && wantsTls) {
    throw new TemporalConnectionConfigError('TEMPORAL_TLS=false contradicts the TEMPORAL_TLS_* / TEMPORAL_API_KEY settings (each needs TLS)');
  }
  const settings: TemporalConnectionSettings = { address };
  if (wantsTls) {
    const tls: TemporalTls = {};
    if (env.TEMPORAL_TLS_SERVER_NAME) tls.serverNameOverride = env.TEMPORAL_TLS_SERVER_NAME;
    if (env.TEMPORAL_TLS_CA) tls.serverRootCACertificate = read(env.TEMPORAL_TLS_CA);
    if (env.TEMPORAL_TLS_CERT && env.TEMPORAL_TLS_KEY) tls.clientCertPair = { crt: read(env.TEMPORAL_TLS_CERT), key: read(env.TEMPORAL_TLS_KEY) };
    settings.tls = tls;
  }
  if (env.TEMPORAL_API_KEY) settings.apiKey = env.TEMPORAL_API_KEY;
  return settings;
}

/** One line for start-up logs: the address and how it is secured (file names, never a key). */
export function describeTemporalConnection(env: Partial<TemporalConnectionEnv>, settings: TemporalConnectionSettings): string {
  if (!settings.tls) return `${settings.address} (plaintext)`;
  const parts = [
    env.TEMPORAL_TLS_CA ? `CA ${env.TEMPORAL_TLS_CA}` : "the system's CAs",
    ...(settings.tls.clientCertPair ? [`mTLS client certificate ${env.TEMPORAL_TLS_CERT}`] : []),
    ...(settings.tls.serverNameOverride ? [`server name ${settings.tls.serverNameOverride}`] : []),
    ...(settings.apiKey ? ['API key'] : []),
  ];
  return `${settings.address} (TLS: ${parts.join(', ')})`;
}
