import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';

/**
 * How to reach a secured cluster or Temporal Cloud: TLS (with a client certificate for mTLS) or
 * an API key. Read from the variables of Temporal's client environment configuration (the CLI and
 * SDKs use them), by the worker and our CLI alike; the CLI's older flag variables
 * (`TEMPORAL_TLS_CERT`, `_KEY`, `_CA`) are accepted too.
 */
export interface TemporalSecurity {
  tls: boolean;
  /** Paths of PEM files, and the name to expect on the server's certificate. */
  certPath?: string;
  keyPath?: string;
  caPath?: string;
  serverName?: string;
  /** A secret: held in memory, dropped from the environment by the worker. */
  apiKey?: string;
}

const CERT = 'TEMPORAL_TLS_CLIENT_CERT_PATH';
const KEY = 'TEMPORAL_TLS_CLIENT_KEY_PATH';
const CA = 'TEMPORAL_TLS_SERVER_CA_CERT_PATH';

/** Variables holding Temporal secrets (the key file is a path, not a secret). */
export const TEMPORAL_SECRET_VARIABLES = ['TEMPORAL_API_KEY'];

/** Reads the security settings, adding every problem found to `problems`. */
export function readTemporalSecurity(
  env: Record<string, string | undefined>,
  problems: string[],
): TemporalSecurity {
  const set = (name: string) => {
    const value = env[name]?.trim();
    return value ? value : undefined;
  };
  const certPath = set(CERT) ?? set('TEMPORAL_TLS_CERT');
  const keyPath = set(KEY) ?? set('TEMPORAL_TLS_KEY');
  const caPath = set(CA) ?? set('TEMPORAL_TLS_CA');
  const serverName = set('TEMPORAL_TLS_SERVER_NAME');
  const apiKey = set('TEMPORAL_API_KEY');
  const tlsFlag = set('TEMPORAL_TLS');
  if ((certPath === undefined) !== (keyPath === undefined)) {
    problems.push(`${CERT} and ${KEY}: set both (client certificate and its key) or neither`);
  }
  if (tlsFlag !== undefined && !['true', 'false'].includes(tlsFlag)) {
    problems.push('TEMPORAL_TLS: must be true or false');
  }
  const anyTlsFile = certPath ?? keyPath ?? caPath ?? serverName;
  if (tlsFlag === 'false' && (anyTlsFile || apiKey)) {
    problems.push('TEMPORAL_TLS: is false, but TLS files or TEMPORAL_API_KEY are set (both need TLS)');
  }
  if (apiKey !== undefined && !/^[\x21-\x7e]+$/.test(apiKey)) {
    problems.push('TEMPORAL_API_KEY: must be a single line of printable ASCII (it is sent in a header)');
  }
  return {
    // An API key or any TLS file means TLS; Temporal Cloud needs nothing more than the key.
    tls: tlsFlag === 'true' || (tlsFlag === undefined && (anyTlsFile !== undefined || apiKey !== undefined)),
    ...(certPath ? { certPath } : {}),
    ...(keyPath ? { keyPath } : {}),
    ...(caPath ? { caPath } : {}),
    ...(serverName ? { serverName } : {}),
    ...(apiKey ? { apiKey } : {}),
  };
}

/** The `tls` and `apiKey` options of `Connection.connect` and `NativeConnection.connect`. */
export async function connectionSecurity(
  security: TemporalSecurity,
): Promise<{ tls?: TLSConfig | boolean; apiKey?: string }> {
  if (!security.tls) return {};
  const { certPath, keyPath, caPath, serverName, apiKey } = security;
  const tls: TLSConfig = {
    ...(certPath && keyPath
      ? {
          clientCertPair: {
            crt: await readPem(certPath, CERT),
            key: await readPem(keyPath, KEY),
          },
        }
      : {}),
    ...(caPath ? { serverRootCACertificate: await readPem(caPath, CA) } : {}),
    ...(serverName ? { serverNameOverride: serverName } : {}),
  };
  return { tls: Object.keys(tls).length > 0 ? tls : true, ...(apiKey ? { apiKey } : {}) };
}

async function readPem(path: string, variable: string): Promise<Buffer> {
  try {
    return await readFile(path);
  } catch (err) {
    throw new Error(
      `${variable}: cannot read ${path} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}
