import { AKSKSigner } from '@huaweicloud/huaweicloud-sdk-core/auth/AKSKSigner.js';
import { describe, expect, it } from 'vitest';
import { akskAuth } from '../../src/activities/auth/aksk-auth.js';
import {
  canonicalRequest,
  formatSdkDate,
  parseAuthorization,
  parseSdkDate,
  sha256Hex,
  sign,
} from '../../src/activities/auth/aksk-signature.js';
import { seeded } from '../../src/simulator/seeded-random.js';

describe("Huawei's published worked example", () => {
  const request = {
    method: 'GET',
    host: 'service.region.example.com',
    path: '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs',
    query: [
      ['marker', '13551d6b-755d-4757-b956-536f674975c0'],
      ['limit', '2'],
    ] as const,
    headers: { 'Content-Type': 'application/json', 'X-Sdk-Date': '20191115T033655Z' },
    body: '',
  };

  it('builds the published canonical request and its hash', () => {
    const { canonical, signedHeaders } = canonicalRequest(request);
    expect(canonical).toBe(
      [
        'GET',
        '/v1/77b6a44cba5143ab91d13ab9a8ff44fd/vpcs/',
        'limit=2&marker=13551d6b-755d-4757-b956-536f674975c0',
        'content-type:application/json\nhost:service.region.example.com\nx-sdk-date:20191115T033655Z\n',
        'content-type;host;x-sdk-date',
        'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
      ].join('\n'),
    );
    expect(signedHeaders).toBe('content-type;host;x-sdk-date');
    expect(sha256Hex(canonical)).toBe('b25362e603ee30f4f25e7858e8a7160fd36e803bb2dfe206278659d71a9bcd7a');
  });

  it('produces the published Authorization header', () => {
    expect(
      sign(request, 'QTWAOYTTINDUT2QVKYUC', 'MFyfvK41ba2giqM7Uio6PznpdUKGpownRZlmVmHc').authorization,
    ).toBe(
      'SDK-HMAC-SHA256 Access=QTWAOYTTINDUT2QVKYUC, SignedHeaders=content-type;host;x-sdk-date, ' +
        'Signature=7be6668032f70418fcc22abc52071e57aff61b84a1d2381bb430d6870f4f6ebe',
    );
  });
});

describe('differential test against @huaweicloud/huaweicloud-sdk-core', () => {
  const random = seeded(20261127);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
  const text = (alphabet: string, min: number, max: number) =>
    Array.from({ length: min + Math.floor(random() * (max - min + 1)) }, () => pick([...alphabet])).join('');
  const SAFE = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~';
  const TRICKY = `${SAFE} !'()*+,;=:@$&/?#[]%é中`;
  /** What may stand raw in a path segment without url.parse (in the SDK) escaping it on its own. */
  const PATH = `${SAFE}+@=,;!$&()*:é中`;

  function randomRequest() {
    const method = pick(['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD']);
    const segments = Array.from({ length: 1 + Math.floor(random() * 5) }, () => text(PATH, 1, 12));
    const trailing = random() < 0.3 ? '/' : '';
    const path = `/${segments.join('/')}${trailing}`;
    // On the wire, as our client builds it: every segment percent-encoded.
    const wirePath = `/${segments.map(encodeURIComponent).join('/')}${trailing}`;
    const queryParams: Record<string, string | string[]> = {};
    for (let i = Math.floor(random() * 5); i > 0; i--) {
      const key = text(TRICKY, 1, 8);
      queryParams[key] = random() < 0.3 ? [text(TRICKY, 0, 8), text(TRICKY, 0, 8)] : text(TRICKY, 0, 10);
    }
    const headers: Record<string, string> = {
      'X-Sdk-Date': formatSdkDate(Date.UTC(2026, 0, 1) + Math.floor(random() * 1e10)),
    };
    for (let i = Math.floor(random() * 5); i > 0; i--) {
      const name = `x-${text('abcdefghijklmnopqrstuvwxyz0123456789-', 1, 10)}`;
      headers[random() < 0.5 ? name : name.toUpperCase()] = text(`${SAFE} =;,`, 1, 20).trim() || 'v';
    }
    if (random() < 0.5)
      headers['Content-Type'] = pick(['application/json', 'application/json;charset=UTF-8', 'text/plain']);
    if (random() < 0.3) headers['X-Project-Id'] = text('0123456789abcdef', 32, 32);
    if (random() < 0.2) headers['X-Security-Token'] = text(SAFE, 40, 80);
    const data =
      method !== 'GET' && random() < 0.7
        ? { name: text(TRICKY, 0, 20), count: Math.floor(random() * 100) }
        : undefined;
    const host = pick([
      'clouddc.cn-east-3.myhuaweicloud.com',
      '127.0.0.1:8089',
      'iam.ap-southeast-3.myhuaweicloud.com',
    ]);
    return { method, host, path, wirePath, queryParams, headers, data };
  }

  it('agrees with the SDK signer on 500 random requests', () => {
    const ak = 'HPUAEXAMPLEACCESSKEY';
    const sk = 'ExampleSecretKey0123456789abcdefghijklmn';
    for (let i = 0; i < 500; i++) {
      const r = randomRequest();
      const theirs = AKSKSigner.sign(
        {
          method: r.method,
          endpoint: `https://${r.host}${r.path}`,
          headers: { ...r.headers },
          queryParams: r.queryParams,
          data: r.data,
        } as never,
        { getAk: () => ak, getSk: () => sk } as never,
      ) as Record<string, string>;
      const query = Object.entries(r.queryParams).flatMap(([key, value]) =>
        (Array.isArray(value) ? value : [value]).map((v) => [key, v] as const),
      );
      const ours = sign(
        {
          method: r.method,
          host: r.host,
          path: r.wirePath,
          query,
          headers: r.headers,
          body: r.data ? JSON.stringify(r.data) : '',
        },
        ak,
        sk,
      );
      expect(ours.authorization, JSON.stringify(r)).toBe(theirs.Authorization);
    }
  });
});

describe('akskAuth on real requests, against the SDK', () => {
  it('signs what the client sends, IDs with reserved characters included, as the SDK signs the raw path', async () => {
    const random = seeded(7);
    const idChars = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.~+@=,;!$&()*';
    // Valid IDs only: the input schema refuses a lone "." and "..", which URL parsing would drop.
    const id = (): string => {
      const value = Array.from(
        { length: 1 + Math.floor(random() * 16) },
        () => idChars[Math.floor(random() * idChars.length)],
      ).join('');
      return value === '.' || value.includes('..') ? id() : value;
    };
    const credentials = {
      accessKey: 'AKREQUEST0001',
      secretKey: 'sk-request-0001',
      securityToken: 'st-request-0001',
    };
    const signedAt = Date.UTC(2026, 10, 27, 8, 30, 0);
    const auth = akskAuth(credentials, () => signedAt);
    for (let i = 0; i < 200; i++) {
      const [projectId, serverId, exportId] = [id(), id(), id()];
      const rawPath = `/v1/${projectId}/physicalservers/${serverId}/logs/exports/${exportId}`;
      const wirePath = `/v1/${encodeURIComponent(projectId)}/physicalservers/${encodeURIComponent(serverId)}/logs/exports/${encodeURIComponent(exportId)}`;
      const request = new Request(`https://clouddc.cn-east-3.myhuaweicloud.com${wirePath}`);
      await auth.authorize(request, { projectId, region: 'cn-east-3' });
      const theirs = AKSKSigner.sign(
        {
          method: 'GET',
          endpoint: `https://clouddc.cn-east-3.myhuaweicloud.com${rawPath}`,
          headers: {
            'X-Sdk-Date': formatSdkDate(signedAt),
            'X-Project-Id': projectId,
            'X-Security-Token': credentials.securityToken,
          },
          queryParams: {},
        } as never,
        { getAk: () => credentials.accessKey, getSk: () => credentials.secretKey } as never,
      ) as Record<string, string>;
      expect(request.headers.get('Authorization'), rawPath).toBe(theirs.Authorization);
    }
  });
});

describe('helpers', () => {
  it('formats and parses X-Sdk-Date', () => {
    const millis = Date.UTC(2019, 10, 15, 3, 36, 55);
    expect(formatSdkDate(millis)).toBe('20191115T033655Z');
    expect(parseSdkDate('20191115T033655Z')).toBe(millis);
    expect(parseSdkDate('2019-11-15T03:36:55Z')).toBeNaN();
  });

  it('parses an Authorization header and rejects malformed ones', () => {
    expect(
      parseAuthorization(
        `SDK-HMAC-SHA256 Access=AK1, SignedHeaders=host;x-sdk-date, Signature=${'a'.repeat(64)}`,
      ),
    ).toEqual({ accessKey: 'AK1', signedHeaders: ['host', 'x-sdk-date'], signature: 'a'.repeat(64) });
    expect(parseAuthorization('Bearer abc')).toBeUndefined();
    expect(parseAuthorization(undefined)).toBeUndefined();
  });
});
