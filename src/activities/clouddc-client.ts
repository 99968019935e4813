import ky, { type KyInstance } from 'ky';
import { z } from 'zod';
import type { ExportRef, ExportStatusSnapshot } from '../contract/index.js';
import type { CloudDCAuth } from './auth.js';
import { parseRetryAfter } from './retry-after.js';

/** Why an API call failed, in the terms the tracker acts on. */
export type CloudDCErrorKind =
  | 'throttled'
  | 'unavailable'
  | 'malformed'
  | 'unauthorized'
  | 'forbidden'
  | 'not-found'
  | 'bad-request'
  | 'region-not-served';

export interface CloudDCErrorInfo {
  kind: CloudDCErrorKind;
  /** What happened, without secrets: method, path, status and the API's own words. */
  message: string;
  httpStatus?: number;
  requestId?: string;
  errorCode?: string;
  errorMsg?: string;
  /** From `Retry-After` on a 429, when present and readable. */
  retryAfterMs?: number;
}

export class CloudDCApiError extends Error {
  readonly info: CloudDCErrorInfo;
  constructor(info: CloudDCErrorInfo) {
    super(info.message);
    this.name = 'CloudDCApiError';
    this.info = info;
  }
}

export interface CloudDCClientOptions {
  /** Base URL for a region name; throws for regions this worker does not serve. */
  endpointFor(region: string | undefined): string;
  auth: CloudDCAuth;
  /** Per request, including reading the body. */
  timeoutMs: number;
  /** Clock for `Retry-After` dates when the response has no `Date` header. */
  now?: () => number;
}

export interface StatusRequest extends ExportRef {
  region?: string;
}

export interface CloudDCClient {
  /** `signal` aborts the request, e.g. when the activity is cancelled. */
  showLogsExportStatus(request: StatusRequest, signal?: AbortSignal): Promise<ExportStatusSnapshot>;
}

const exportRecordSchema = z.looseObject({
  export_id: z.union([z.string(), z.number()]).optional(),
  status: z.string(),
  percentage: z.union([z.string(), z.number()]).nullish(),
  created_at: z.string().nullish(),
});

/** `{error_code, error_msg}` or the gateway's `{error: {code, message}}`, either with `request_id`. */
const errorBodySchema = z.looseObject({
  error_code: z.string().optional(),
  error_msg: z.string().optional(),
  request_id: z.string().optional(),
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).optional(),
});

/**
 * The CloudDC HTTP client. It makes exactly one request per call (plus one after a 401): waiting
 * and retrying belong to Temporal, where a wait survives a crash and frees the worker slot.
 */
export function createCloudDCClient(options: CloudDCClientOptions): CloudDCClient {
  const now = options.now ?? Date.now;
  const http: KyInstance = ky.create({
    // The deadline is an AbortSignal per request instead of ky's `timeout`, because ky's stops
    // at the response headers and a body that trickles in must not hold the activity.
    timeout: false,
    retry: 0,
    throwHttpErrors: false,
    headers: { Accept: 'application/json', 'User-Agent': 'clouddc-log-export-tracker' },
    hooks: { beforeRequest: [(request) => options.auth.authorize(request)] },
  });

  async function getJson(
    region: string | undefined,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ body: unknown; requestId?: string }> {
    let base: string;
    try {
      base = options.endpointFor(region);
    } catch (err) {
      throw new CloudDCApiError({ kind: 'region-not-served', message: (err as Error).message });
    }
    const url = `${base.replace(/\/+$/, '')}${path}`;
    let exchange = await send(url, path, signal);
    if (exchange.response.status === 401) {
      await options.auth.reauthenticate();
      exchange = await send(url, path, signal);
    }
    const { response, text } = exchange;
    const requestId = response.headers.get('X-Request-Id') ?? undefined;
    if (response.status === 200) {
      const body = parseJson(text);
      if (body === undefined) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered 200 with a body that is not JSON: ${snippet(text)}`,
          httpStatus: 200,
          ...(requestId ? { requestId } : {}),
        });
      }
      return { body, ...(requestId ? { requestId } : {}) };
    }
    throw httpError(path, response, text, now());
  }

  async function send(
    url: string,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; text: string }> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await http.get(url, {
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
      });
      return { response, text: await response.text() };
    } catch (err) {
      throw new CloudDCApiError({
        kind: 'unavailable',
        message: `GET ${path} failed: ${describeTransportError(err)}`,
      });
    }
  }

  return {
    async showLogsExportStatus({ projectId, serverId, exportId, region }, signal) {
      const path = `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports/${seg(exportId)}`;
      const { body, requestId } = await getJson(region, path, signal);
      const record = exportRecordSchema.safeParse(body);
      if (!record.success) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered 200 without a usable export record (${record.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')})`,
          httpStatus: 200,
          ...(requestId ? { requestId } : {}),
        });
      }
      const { status, percentage, created_at } = record.data;
      return {
        status,
        percentage: percentage ?? null,
        ...(created_at ? { createdAt: created_at } : {}),
        ...(requestId ? { requestId } : {}),
      };
    },
  };
}

function seg(value: string): string {
  return encodeURIComponent(value);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function httpError(path: string, response: Response, text: string, now: number): CloudDCApiError {
  const status = response.status;
  const parsed = errorBodySchema.safeParse(parseJson(text));
  const body = parsed.success ? parsed.data : undefined;
  const errorCode = body?.error_code ?? body?.error?.code;
  const errorMsg = body?.error_msg ?? body?.error?.message ?? (body ? undefined : snippet(text) || undefined);
  const requestId = response.headers.get('X-Request-Id') ?? body?.request_id;
  const retryAfterMs =
    status === 429
      ? parseRetryAfter(response.headers.get('Retry-After'), response.headers.get('Date'), now)
      : undefined;
  const facts = [
    `HTTP ${status}`,
    errorCode ? `error_code ${errorCode}` : undefined,
    errorMsg ? `error_msg ${JSON.stringify(errorMsg)}` : undefined,
    requestId ? `X-Request-Id ${requestId}` : undefined,
  ].filter(Boolean);
  return new CloudDCApiError({
    kind: kindOf(status),
    message: `GET ${path} answered ${facts.join(', ')}`,
    httpStatus: status,
    ...(requestId ? { requestId } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...(errorMsg ? { errorMsg } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

function kindOf(status: number): CloudDCErrorKind {
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status >= 400) return 'bad-request';
  return 'malformed';
}

function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.name}: ${err.message}${cause}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
