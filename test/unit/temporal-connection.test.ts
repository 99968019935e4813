import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectionSecurity, readTemporalSecurity } from '../../src/client/temporal-connection.js';
import {
  ConfigError,
  loadNamespaceSetupConfig,
  loadWorkerConfig,
  SECRET_VARIABLES,
} from '../../src/worker/config.js';

const minimal = { CLOUDDC_REGION: 'cn-east-3', CLOUDDC_AUTH_TOKEN: 't' };

function read(env: Record<string, string>) {
  const problems: string[] = [];
  return { security: readTemporalSecurity(env, problems), problems };
}

describe('Temporal connection security', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'temporal-tls-'));
    await writeFile(join(dir, 'client.pem'), 'CERT');
    await writeFile(join(dir, 'client.key'), 'KEY');
    await writeFile(join(dir, 'ca.pem'), 'CA');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('connects in plain text by default, as to a dev server', async () => {
    const { security, problems } = read({});
    expect(problems).toEqual([]);
    expect(await connectionSecurity(security)).toEqual({});
  });

  it('uses TLS with the system roots and the key for Temporal Cloud API keys', async () => {
    const { security } = read({ TEMPORAL_API_KEY: 'key-123' });
    expect(await connectionSecurity(security)).toEqual({ tls: true, apiKey: 'key-123' });
  });

  it('reads the client certificate, key and CA files for mTLS', async () => {
    const { security, problems } = read({
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'client.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'ca.pem'),
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(problems).toEqual([]);
    const options = await connectionSecurity(security);
    expect(options.tls).toEqual({
      clientCertPair: { crt: Buffer.from('CERT'), key: Buffer.from('KEY') },
      serverRootCACertificate: Buffer.from('CA'),
      serverNameOverride: 'temporal.internal',
    });
  });

  it("accepts the Temporal CLI's older flag variables too", () => {
    const { security } = read({
      TEMPORAL_TLS_CERT: 'c.pem',
      TEMPORAL_TLS_KEY: 'k.pem',
      TEMPORAL_TLS_CA: 'ca.pem',
    });
    expect(security).toEqual({ tls: true, certPath: 'c.pem', keyPath: 'k.pem', caPath: 'ca.pem' });
  });

  it('names the variable of a file it cannot read', async () => {
    const { security } = read({
      TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'missing.pem'),
      TEMPORAL_TLS_CLIENT_KEY_PATH: join(dir, 'client.key'),
    });
    await expect(connectionSecurity(security)).rejects.toThrow(
      /TEMPORAL_TLS_CLIENT_CERT_PATH: cannot read .*missing\.pem \(ENOENT\)/,
    );
  });

  it('refuses half a certificate pair, a bad flag, and TLS settings with TLS switched off', () => {
    expect(read({ TEMPORAL_TLS_CLIENT_CERT_PATH: 'c.pem' }).problems).toEqual([
      'TEMPORAL_TLS_CLIENT_CERT_PATH and TEMPORAL_TLS_CLIENT_KEY_PATH: set both (client certificate and its key) or neither',
    ]);
    expect(read({ TEMPORAL_TLS: 'yes' }).problems).toEqual(['TEMPORAL_TLS: must be true or false']);
    expect(read({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: 'k' }).problems[0]).toMatch(
      /^TEMPORAL_TLS: is false/,
    );
  });

  it('is part of the worker configuration, the API key treated as a secret', () => {
    expect(loadWorkerConfig({ ...minimal, TEMPORAL_API_KEY: 'k' }).temporal.security).toEqual({
      tls: true,
      apiKey: 'k',
    });
    expect(SECRET_VARIABLES).toContain('TEMPORAL_API_KEY');
    expect(() => loadWorkerConfig({ ...minimal, TEMPORAL_TLS_CLIENT_KEY_PATH: 'k.pem' })).toThrow(
      ConfigError,
    );
  });

  it('is read alone, without CloudDC credentials, by tools such as npm run search-attributes', () => {
    expect(loadNamespaceSetupConfig({ TEMPORAL_API_KEY: 'k' })).toEqual({
      address: 'localhost:7233',
      namespace: 'default',
      security: { tls: true, apiKey: 'k' },
      taskQueue: 'clouddc-log-exports',
      rateLimitPerSecond: 5,
      nexusEndpoint: 'clouddc-logs',
    });
    expect(loadNamespaceSetupConfig({ TEMPORAL_TASK_QUEUE: 'q', CLOUDDC_RATE_LIMIT: '20' })).toMatchObject({
      taskQueue: 'q',
      rateLimitPerSecond: 20,
    });
    expect(() =>
      loadNamespaceSetupConfig({ TEMPORAL_ADDRESS: 'http://x:7233', CLOUDDC_RATE_LIMIT: '-1' }),
    ).toThrow(/TEMPORAL_ADDRESS[\s\S]*CLOUDDC_RATE_LIMIT/);
    expect(() => loadNamespaceSetupConfig({ CLOUDDC_NEXUS_ENDPOINT: 'logs/prod' })).toThrow(
      /CLOUDDC_NEXUS_ENDPOINT/,
    );
  });
});
