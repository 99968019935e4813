import ky, { type KyInstance } from 'ky';
import { z } from 'zod';
import type { ExportRef, ExportStatusSnapshot } from '../contract/index.js';
import { type AuthContext, type CloudDCAuth, CredentialsError } from './auth/index.js';
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
  | 'iam-refused'
  | 'iam-unavailable';

export interface CloudDCErrorInfo {
  kind: CloudDCErrorKind;
  /** What happened, without secrets: method, path, status and the API's own words. */
  message: string;
  httpStatus?: number;
  requestId?: string;
  errorCode?: string;
  errorMsg?: string;
  /** From `Retry-After` (on a 429 or a 5xx), when present and readable. */
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
  auth: CloudDCAuth;
  /** Per request, including reading the body. */
  timeoutMs: number;
  /** Clock for `Retry-After` dates when the response has no `Date` header. */
  now?: () => number;
}

/** Where a request goes: the region's base URL, and the region (for credentials scoped to it). */
export interface ApiTarget {
  endpoint: string;
  region: string;
}

export interface CloudDCClient {
  /**
   * ShowLogsExportStatus. `signal` aborts the request: the activity passes one that fires on
   * cancellation and before Temporal's own timeouts would.
   */
  showLogsExportStatus(
    target: ApiTarget,
    ref: ExportRef,
    signal?: AbortSignal,
  ): Promise<ExportStatusSnapshot>;
}

/**
 * Lenient on purpose: another implementation of the API may send a numeric `export_id` or
 * `created_at`, or a garbled percentage. Only a record with neither status nor percentage is
 * unusable; anything else is interpreted by the workflow.
 */
const exportRecordSchema = z
  .looseObject({
    status: z.string().nullish(),
    percentage: z.unknown().optional(),
    created_at: z.unknown().optional(),
  })
  .refine(
    (record) =>
      typeof record.status === 'string' || (record.percentage !== undefined && record.percentage !== null),
    {
      error: 'neither status nor percentage',
    },
  );

/** `{error_code, error_msg}` or the gateway's `{error: {code, message}}`, either with `request_id`. */
const errorBodySchema = z.looseObject({
  error_code: z.union([z.string(), z.number()]).optional(),
  error_msg: z.string().optional(),
  request_id: z.string().optional(),
  error: z
    .looseObject({ code: z.union([z.string(), z.number()]).optional(), message: z.string().optional() })
    .optional(),
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
    // A redirect is never followed: it would carry the credentials to wherever it points,
    // including plain http.
    redirect: 'manual',
    headers: { Accept: 'application/json', 'User-Agent': 'clouddc-log-export-tracker' },
  });

  async function getJson(
    target: ApiTarget,
    context: AuthContext,
    path: string,
    signal: AbortSignal | undefined,
  ): Promise<{ body: unknown; requestId?: string }> {
    const url = `${target.endpoint.replace(/\/+$/, '')}${path}`;
    let exchange = await send(url, path, context, signal);
    if (exchange.response.status === 401) {
      await reauthenticate(context, exchange.sent);
      exchange = await send(url, path, context, signal);
    }
    const { response, text } = exchange;
    if (response.status !== 200)
      throw classifyHttpError(`GET ${path}`, response.status, response.headers, text, now());
    const requestId = response.headers.get('X-Request-Id') ?? undefined;
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

  async function send(
    url: string,
    path: string,
    context: AuthContext,
    signal: AbortSignal | undefined,
  ): Promise<{ response: Response; text: string; sent: Request }> {
    const deadline = AbortSignal.timeout(options.timeoutMs);
    let sent: Request | undefined;
    try {
      const response = await http.get(url, {
        signal: signal ? AbortSignal.any([deadline, signal]) : deadline,
        // Per request, so credentials are applied (and signatures made) at send time, for this
        // project and region.
        hooks: {
          beforeRequest: [
            async (request) => {
              await authorize(request, context);
              sent = request;
            },
          ],
        },
      });
      return { response, text: await response.text(), sent: sent ?? new Request(url) };
    } catch (err) {
      if (err instanceof CredentialsError) throw credentialsFailure(err);
      throw new CloudDCApiError({
        kind: 'unavailable',
        message: `GET ${path} failed: ${describeTransportError(err)}`,
      });
    }
  }

  /**
   * Any other error while applying credentials is reported with a fixed message: the runtime's
   * own (an invalid header value, say) would quote the secret into failures and logs.
   */
  async function authorize(request: Request, context: AuthContext): Promise<void> {
    try {
      await options.auth.authorize(request, context);
    } catch (err) {
      if (err instanceof CredentialsError) throw err;
      throw new CredentialsError(
        `The worker's credentials (${options.auth.description}) could not be put on the request; check that they are single-line printable ASCII`,
        'local',
      );
    }
  }

  async function reauthenticate(context: AuthContext, rejected: Request): Promise<void> {
    try {
      await options.auth.reauthenticate(context, rejected);
    } catch (err) {
      if (err instanceof CredentialsError) throw credentialsFailure(err);
      throw err;
    }
  }

  return {
    async showLogsExportStatus(target, { projectId, serverId, exportId }, signal) {
      const path = `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports/${seg(exportId)}`;
      const { body, requestId } = await getJson(target, { projectId, region: target.region }, path, signal);
      const record = exportRecordSchema.safeParse(body);
      if (!record.success) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered 200 without a usable export record (${record.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}): ${snippet(JSON.stringify(body))}`,
          httpStatus: 200,
          ...(requestId ? { requestId } : {}),
        });
      }
      const { status, percentage, created_at } = record.data;
      return {
        status: status ?? null,
        percentage: typeof percentage === 'string' || typeof percentage === 'number' ? percentage : null,
        ...(typeof created_at === 'string' && created_at ? { createdAt: created_at } : {}),
        ...(requestId ? { requestId } : {}),
      };
    },
  };
}

/** IAM refusing the credentials ends the tracker; IAM being unreachable is retried. */
function credentialsFailure(err: CredentialsError): CloudDCApiError {
  const kind: Record<CredentialsError['problem'], CloudDCErrorKind> = {
    'iam-refused': 'iam-refused',
    'iam-unavailable': 'iam-unavailable',
    local: 'unauthorized',
  };
  return new CloudDCApiError({ kind: kind[err.problem], message: err.message });
}

/**
 * Reads a non-200 answer: its kind, the API's error code and message (either body shape, or a
 * plain-text body), the request ID (header or body) and `Retry-After`.
 */
export function classifyHttpError(
  what: string,
  status: number,
  headers: Headers,
  text: string,
  now: number,
): CloudDCApiError {
  const parsed = errorBodySchema.safeParse(parseJson(text));
  const body = parsed.success ? parsed.data : undefined;
  const code = body?.error_code ?? body?.error?.code;
  const errorCode = code === undefined ? undefined : String(code);
  const errorMsg = body?.error_msg ?? body?.error?.message ?? (body ? undefined : snippet(text) || undefined);
  const requestId = headers.get('X-Request-Id') ?? body?.request_id;
  const kind = kindOf(status);
  const retryAfterMs =
    kind === 'throttled' || kind === 'unavailable'
      ? parseRetryAfter(headers.get('Retry-After'), headers.get('Date'), now)
      : undefined;
  const location = status >= 300 && status < 400 ? headers.get('Location') : null;
  const skew = status === 401 ? clockSkew(headers.get('Date'), now) : undefined;
  const facts = [
    `HTTP ${status}`,
    location ? `redirect to ${location} not followed` : undefined,
    skew,
    errorCode ? `error_code ${errorCode}` : undefined,
    errorMsg ? `error_msg ${JSON.stringify(errorMsg)}` : undefined,
    requestId ? `X-Request-Id ${requestId}` : undefined,
  ].filter(Boolean);
  return new CloudDCApiError({
    kind,
    message: `${what} answered ${facts.join(', ')}`,
    httpStatus: status,
    ...(requestId ? { requestId } : {}),
    ...(errorCode ? { errorCode } : {}),
    ...(errorMsg ? { errorMsg } : {}),
    ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
  });
}

/**
 * A signed request is refused when the worker's clock is more than 15 minutes off the gateway's:
 * say so when the answer's `Date` shows it, or the 401 looks like a wrong key.
 */
function clockSkew(date: string | null, now: number): string | undefined {
  const serverNow = Date.parse(date ?? '');
  if (Number.isNaN(serverNow)) return undefined;
  const offset = now - serverNow;
  if (Math.abs(offset) < CLOCK_SKEW_WORTH_NAMING_MS) return undefined;
  return `the worker clock is ${Math.round(Math.abs(offset) / 60_000)} min ${offset > 0 ? 'ahead of' : 'behind'} the API's`;
}

const CLOCK_SKEW_WORTH_NAMING_MS = 5 * 60_000;

function kindOf(status: number): CloudDCErrorKind {
  if (status === 429) return 'throttled';
  if (status === 401) return 'unauthorized';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not-found';
  if (status === 408 || status >= 500) return 'unavailable';
  if (status >= 300) return 'bad-request';
  return 'malformed';
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

function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.name}: ${err.message}${cause}`;
}

function snippet(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > 200 ? `${flat.slice(0, 200)}…` : flat;
}
