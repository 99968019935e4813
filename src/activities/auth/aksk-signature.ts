import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Huawei Cloud's `SDK-HMAC-SHA256` request signature (API reference, "AK/SK signing"). Pure, so
 * the worker signs with it and the simulator verifies with it; checked against Huawei's published
 * example and, request by request, against the signer in `@huaweicloud/huaweicloud-sdk-core`.
 * Hand-written because that SDK pulls axios, moment, lodash and log4js into the worker for these
 * forty lines.
 */
export const SIGNING_ALGORITHM = 'SDK-HMAC-SHA256';

/** What a signature covers. Header names in any case; values exactly as sent. */
export interface SignableRequest {
  method: string;
  /** Host as sent (with the port when it is not the scheme's default). */
  host: string;
  /** The path as sent on the wire; percent-encoded octets are read as what they stand for. */
  path: string;
  /** Query parameters, decoded, in any order. */
  query: ReadonlyArray<readonly [string, string]>;
  /** The headers to sign, besides `host`. `X-Sdk-Date` must be among them. */
  headers: Readonly<Record<string, string>>;
  body: string | Uint8Array;
}

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** RFC 3986 percent-encoding (only `A-Z a-z 0-9 - _ . ~` stay), as the gateway canonicalizes. */
export function urlEncode(value: string): string {
  return encodeURIComponent(value).replace(
    /[!'()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
}

/** `YYYYMMDDTHHMMSSZ` in UTC. */
export function formatSdkDate(millis: number): string {
  return new Date(millis)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

/** Epoch milliseconds of an `X-Sdk-Date`, or NaN when it is not one. */
export function parseSdkDate(value: string): number {
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  if (!m) return Number.NaN;
  const [year, month, day, hour, minute, second] = m.slice(1).map(Number) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  return Date.UTC(year, month - 1, day, hour, minute, second);
}

export function canonicalRequest(request: SignableRequest): { canonical: string; signedHeaders: string } {
  const headers = new Map<string, string>();
  for (const [name, value] of Object.entries(request.headers)) headers.set(name.toLowerCase(), value);
  headers.set('host', request.host);
  const names = [...headers.keys()].sort(byCodeUnit);
  const signedHeaders = names.join(';');
  const canonical = [
    request.method.toUpperCase(),
    canonicalUri(request.path),
    canonicalQuery(request.query),
    names.map((name) => `${name}:${headers.get(name)}\n`).join(''),
    signedHeaders,
    sha256Hex(request.body),
  ].join('\n');
  return { canonical, signedHeaders };
}

/**
 * Each segment decoded, then encoded once, and always a trailing `/`: so `a+b` and `a%2Bb` on the
 * wire both sign as `a%2Bb`, as Huawei's signers (which encode the raw path parameters) and its
 * gateway (which unescapes the received path first) both have it.
 */
function canonicalUri(path: string): string {
  const encoded = path
    .split('/')
    .map((segment) => urlEncode(decodeSegment(segment)))
    .join('/');
  return encoded.endsWith('/') ? encoded : `${encoded}/`;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function canonicalQuery(query: SignableRequest['query']): string {
  const byKey = new Map<string, string[]>();
  for (const [key, value] of query) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  return [...byKey.keys()]
    .sort(byCodeUnit)
    .flatMap((key) =>
      [...(byKey.get(key) ?? [])].sort(byCodeUnit).map((value) => `${urlEncode(key)}=${urlEncode(value)}`),
    )
    .join('&');
}

function byCodeUnit(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface SignatureResult {
  authorization: string;
  signedHeaders: string;
  signature: string;
}

/** The `Authorization` header for a request; its `X-Sdk-Date` header gives the signing time. */
export function sign(request: SignableRequest, accessKey: string, secretKey: string): SignatureResult {
  const sdkDate = headerValue(request.headers, 'x-sdk-date');
  if (!sdkDate) throw new Error('X-Sdk-Date must be among the signed headers');
  const { canonical, signedHeaders } = canonicalRequest(request);
  const stringToSign = [SIGNING_ALGORITHM, sdkDate, sha256Hex(canonical)].join('\n');
  const signature = createHmac('sha256', secretKey).update(stringToSign).digest('hex');
  return {
    authorization: `${SIGNING_ALGORITHM} Access=${accessKey}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    signedHeaders,
    signature,
  };
}

export interface ParsedAuthorization {
  accessKey: string;
  signedHeaders: string[];
  signature: string;
}

/** Reads `SDK-HMAC-SHA256 Access=..., SignedHeaders=..., Signature=...`; undefined if malformed. */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | undefined {
  const m =
    /^SDK-HMAC-SHA256\s+Access=([^,\s]+),\s*SignedHeaders=([^,\s]+),\s*Signature=([0-9a-f]{64})$/.exec(
      header?.trim() ?? '',
    );
  if (!m?.[1] || !m[2] || !m[3]) return undefined;
  return { accessKey: m[1], signedHeaders: m[2].split(';'), signature: m[3] };
}

/** Constant-time comparison of two hex signatures. */
export function signaturesEqual(a: string, b: string): boolean {
  return a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));
}

function headerValue(headers: Readonly<Record<string, string>>, name: string): string | undefined {
  return Object.entries(headers).find(([key]) => key.toLowerCase() === name)?.[1];
}
