import { z } from 'zod';
import type { CredentialsError } from '../auth/index.js';
import { parseRetryAfter } from './retry-after.js';
import { parseJson, snippet } from './text.js';

/** Why an API call failed, in the terms the tracker acts on. */
export type CloudDCErrorKind =
  | 'throttled'
  /** Not sent: this worker's own rate limit had no turn for it soon enough. */
  | 'held-back'
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
  /** When the refused request was sent (epoch ms), for answers the API gave. */
  sentAt?: number;
  /**
   * For failures without an answer: false only when the request provably never left (connection
   * refused, host not found), so even a non-idempotent call may be sent again.
   */
  mayHaveArrived?: boolean;
}

export class CloudDCApiError extends Error {
  readonly info: CloudDCErrorInfo;
  constructor(info: CloudDCErrorInfo) {
    super(info.message);
    this.name = 'CloudDCApiError';
    this.info = info;
  }
}

/**
 * The gateway's own answer when a project is over its quota ("policy user over ratelimit").
 * Only this lowers the project's budget: any other 429 (the service's "request is overloaded", a
 * throttle on one export) is waited out by the call that got it.
 */
export function isGatewayQuotaRefusal(errorCode: string | undefined): boolean {
  return errorCode !== undefined && /^APIGW?\.0308$/i.test(errorCode);
}

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
 * Reads a non-2xx answer: its kind, the API's error code and message (either body shape, or a
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

/** A request that got no answer: it may have arrived unless it provably never left. */
export function transportFailure(what: string, err: unknown, sent: boolean): CloudDCApiError {
  return new CloudDCApiError({
    kind: 'unavailable',
    message: `${what} failed: ${describeTransportError(err)}`,
    mayHaveArrived: sent && !neverSent(err),
  });
}

/** IAM refusing the credentials ends the tracker; IAM being unreachable is retried. */
export function credentialsFailure(err: CredentialsError): CloudDCApiError {
  const kind: Record<CredentialsError['problem'], CloudDCErrorKind> = {
    'iam-refused': 'iam-refused',
    'iam-unavailable': 'iam-unavailable',
    local: 'unauthorized',
  };
  return new CloudDCApiError({ kind: kind[err.problem], message: err.message });
}

export function describeTransportError(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const cause = err.cause instanceof Error ? ` (${err.cause.message})` : '';
  return `${err.name}: ${err.message}${cause}`;
}

/** Connection refused or host unknown: the request never left this machine. */
function neverSent(err: unknown): boolean {
  let current: unknown = err;
  while (current instanceof Error) {
    const code = (current as { code?: unknown }).code;
    if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN') return true;
    current = current.cause;
  }
  return false;
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
