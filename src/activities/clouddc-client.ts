import ky, { type KyInstance } from 'ky';
import { z } from 'zod';
import type { ExportRef, ExportStatusSnapshot } from '../contract/index.js';
import { type AuthContext, type CloudDCAuth, CredentialsError } from './auth/index.js';
import { type ApiMetrics, NO_API_METRICS, operationOf } from './metrics.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { type ProjectRateLimiter, RateLimitedLocally } from './rate-limiter.js';
import { parseRetryAfter } from './retry-after.js';

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

export interface CloudDCClientOptions {
  auth: CloudDCAuth;
  /** Per request, including reading the body. */
  timeoutMs: number;
  /** Clock for `Retry-After` dates when the response has no `Date` header. */
  now?: () => number;
  /** Paces requests per project across every activity of the worker; none in tests of the client alone. */
  rateLimiter?: ProjectRateLimiter;
  /** Counts requests by operation and status; nothing by default. */
  metrics?: ApiMetrics;
}

/** Where a request goes: the region's base URL, and the region (for credentials scoped to it). */
export interface ApiTarget {
  endpoint: string;
  region: string;
}

/** One server as ListServers describes it. */
export interface ServerSummary {
  id: string;
  sn?: string;
  manageState?: string;
}

/** A page of ListServers. */
export interface ServerPage {
  servers: ServerSummary[];
  /** Pass as `marker` for the next page; absent on the last one. */
  nextMarker?: string;
  requestId?: string;
}

/** DownloadServerLogs: the archive's bytes as they arrive. */
export interface ArchiveDownload {
  body: ReadableStream<Uint8Array>;
  /** From `Content-Disposition`, e.g. `2102312345-dump.tar.gz`, when the API names it. */
  filename?: string;
  contentLength?: number;
  requestId?: string;
}

/** What bounds one call: the activity's cancellation and its attempt's deadline. */
export interface CallLimits {
  /** Aborts the request; the activity's fires on cancellation and before Temporal's timeouts would. */
  signal?: AbortSignal;
  /** Latest time (epoch ms) worth waiting for a turn under the rate limit; later, the call is refused. */
  sendBy?: number;
  /** Names the caller across its retries, so a turn the rate limit refused is kept for it. */
  ticket?: string;
}

export interface CloudDCClient {
  /** ShowLogsExportStatus. */
  showLogsExportStatus(target: ApiTarget, ref: ExportRef, limits?: CallLimits): Promise<ExportStatusSnapshot>;
  /** ExportServerLogs: starts an export (202) and returns its record, with its `export_id`. */
  exportServerLogs(
    target: ApiTarget,
    server: { projectId: string; serverId: string },
    limits?: CallLimits,
  ): Promise<ExportStatusSnapshot & { exportId: string }>;
  /** DownloadServerLogs. The request timeout covers the answer's headers; the body is the caller's to time. */
  downloadServerLogs(target: ApiTarget, ref: ExportRef, limits?: CallLimits): Promise<ArchiveDownload>;
  /** One page of ListServers. */
  listServers(
    target: ApiTarget,
    query: { projectId: string; manageState?: string; marker?: string; limit: number },
    limits?: CallLimits,
  ): Promise<ServerPage>;
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
  const metrics = options.metrics ?? NO_API_METRICS;
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
  // Archives come over node:http: see nodeHttpFetch for what undici does to large bodies.
  const downloads = http.extend({ fetch: nodeHttpFetch });

  /** One call, re-sent once after a 401 with fresh credentials. Only a 2xx answer returns. */
  async function call(
    method: 'GET' | 'POST',
    target: ApiTarget,
    context: AuthContext,
    path: string,
    limits: CallLimits,
    body: 'text' | 'stream',
  ): Promise<Exchange> {
    const url = `${target.endpoint.replace(/\/+$/, '')}${path}`;
    let exchange = await send(method, url, path, context, limits, body);
    if (exchange.response.status === 401) {
      await reauthenticate(context, exchange.sent);
      exchange = await send(method, url, path, context, limits, body);
    }
    const { response } = exchange;
    if (response.status < 200 || response.status > 299) {
      const text = exchange.text ?? (await readText(response));
      const error = classifyHttpError(`${method} ${path}`, response.status, response.headers, text, now());
      if (error.info.kind === 'throttled' && isGatewayQuotaRefusal(error.info.errorCode)) {
        options.rateLimiter?.throttled(limiterKey(context), exchange.turnAt);
      }
      throw new CloudDCApiError({ ...error.info, sentAt: exchange.sentAt });
    }
    return exchange;
  }

  async function callJson(
    method: 'GET' | 'POST',
    target: ApiTarget,
    context: AuthContext,
    path: string,
    limits: CallLimits,
  ): Promise<{ body: unknown; status: number; requestId?: string }> {
    const { response, text = '' } = await call(method, target, context, path, limits, 'text');
    const requestId = response.headers.get('X-Request-Id') ?? undefined;
    const body = parseJson(text);
    if (body === undefined) {
      throw new CloudDCApiError({
        kind: 'malformed',
        message: `${method} ${path} answered ${response.status} with a body that is not JSON: ${snippet(text)}`,
        httpStatus: response.status,
        ...(requestId ? { requestId } : {}),
        // The API answered, so a POST was received (and may have been carried out).
        mayHaveArrived: true,
      });
    }
    return { body, status: response.status, ...(requestId ? { requestId } : {}) };
  }

  async function send(
    method: 'GET' | 'POST',
    url: string,
    path: string,
    context: AuthContext,
    limits: CallLimits,
    body: 'text' | 'stream',
  ): Promise<Exchange> {
    const { signal } = limits;
    const turnAt = await waitForTurn(method, path, limiterKey(context), limits);
    const sentAt = Date.now();
    // Aborted at the deadline, which for a stream only runs until the headers have arrived.
    const timer = new AbortController();
    const timeout = setTimeout(
      () => timer.abort(new DOMException(`no answer within ${options.timeoutMs} ms`, 'TimeoutError')),
      options.timeoutMs,
    );
    let sent: Request | undefined;
    try {
      const response = await (body === 'stream' ? downloads : http)(url, {
        method,
        signal: signal ? AbortSignal.any([timer.signal, signal]) : timer.signal,
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
      metrics.response(operationOf(method, path), response.status);
      const text =
        body === 'text' || response.status < 200 || response.status > 299 ? await response.text() : undefined;
      return {
        response,
        ...(text !== undefined ? { text } : {}),
        sent: sent ?? new Request(url, { method }),
        sentAt,
        turnAt,
      };
    } catch (err) {
      if (err instanceof CredentialsError) throw credentialsFailure(err);
      if (sent !== undefined) metrics.response(operationOf(method, path), 'no-answer');
      throw new CloudDCApiError({
        kind: 'unavailable',
        message: `${method} ${path} failed: ${describeTransportError(err)}`,
        mayHaveArrived: sent !== undefined && !neverSent(err),
      });
    } finally {
      clearTimeout(timeout);
    }
  }

  /**
   * Waits for the project's turn under the worker's rate limit, before the request's own timeout
   * starts; returns when the turn was granted. A turn too far away becomes a `held-back` error.
   */
  async function waitForTurn(
    method: string,
    path: string,
    project: string,
    limits: CallLimits,
  ): Promise<number> {
    if (!options.rateLimiter) return Date.now();
    try {
      return await options.rateLimiter.acquire(project, limits);
    } catch (err) {
      if (err instanceof RateLimitedLocally) {
        metrics.heldBack(operationOf(method, path));
        throw new CloudDCApiError({
          kind: 'held-back',
          message: `${method} ${path} not sent: ${err.message}`,
          retryAfterMs: err.waitMs,
          mayHaveArrived: false,
        });
      }
      throw new CloudDCApiError({
        kind: 'unavailable',
        message: `${method} ${path} not sent: ${describeTransportError(err)}`,
        mayHaveArrived: false,
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
    async showLogsExportStatus(target, ref, limits = {}) {
      const path = exportPath(ref);
      const { body, requestId } = await callJson(
        'GET',
        target,
        { projectId: ref.projectId, region: target.region },
        path,
        limits,
      );
      return readExportRecord(`GET ${path}`, body, requestId);
    },

    async exportServerLogs(target, { projectId, serverId }, limits = {}) {
      const path = `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports`;
      const { body, requestId } = await callJson(
        'POST',
        target,
        { projectId, region: target.region },
        path,
        limits,
      );
      const exportId = z.looseObject({ export_id: z.union([z.string().min(1), z.number()]) }).safeParse(body);
      if (!exportId.success) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `POST ${path} was accepted but named no export_id: ${snippet(JSON.stringify(body))}`,
          ...(requestId ? { requestId } : {}),
          mayHaveArrived: true,
        });
      }
      return {
        ...readExportRecord(`POST ${path}`, body, requestId),
        exportId: String(exportId.data.export_id),
      };
    },

    async downloadServerLogs(target, ref, limits = {}) {
      const path = `${exportPath(ref)}/content`;
      const { response } = await call(
        'GET',
        target,
        { projectId: ref.projectId, region: target.region },
        path,
        limits,
        'stream',
      );
      if (!response.body) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered ${response.status} without a body`,
        });
      }
      const filename = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(
        response.headers.get('Content-Disposition') ?? '',
      )?.[1];
      const length = Number(response.headers.get('Content-Length') ?? Number.NaN);
      const requestId = response.headers.get('X-Request-Id') ?? undefined;
      return {
        body: response.body,
        ...(filename ? { filename } : {}),
        ...(Number.isFinite(length) ? { contentLength: length } : {}),
        ...(requestId ? { requestId } : {}),
      };
    },

    async listServers(target, { projectId, manageState, marker, limit }, limits = {}) {
      const query = new URLSearchParams({ limit: String(limit) });
      if (manageState) query.set('manage_state', manageState);
      if (marker) query.set('marker', marker);
      const path = `/v1/${seg(projectId)}/physicalservers?${query}`;
      const { body, requestId } = await callJson(
        'GET',
        target,
        { projectId, region: target.region },
        path,
        limits,
      );
      const page = serverPageSchema.safeParse(body);
      if (!page.success) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `GET ${path} answered without a usable server list: ${snippet(JSON.stringify(body))}`,
          ...(requestId ? { requestId } : {}),
        });
      }
      const nextMarker = page.data.page_info?.next_marker ?? undefined;
      return {
        servers: page.data.servers.map((server) => ({
          id: String(server.id),
          ...(server.sn ? { sn: server.sn } : {}),
          ...(server.manage_state ? { manageState: server.manage_state } : {}),
        })),
        ...(nextMarker ? { nextMarker } : {}),
        ...(requestId ? { requestId } : {}),
      };
    },
  };
}

interface Exchange {
  response: Response;
  /** The body, read, unless the caller asked for the stream of a successful answer. */
  text?: string;
  sent: Request;
  sentAt: number;
  /** When the rate limit gave the request its turn. */
  turnAt: number;
}

/** The worker's own limiter paces per project and region. */
function limiterKey({ projectId, region }: AuthContext): string {
  return `project ${projectId} in ${region}`;
}

/**
 * The gateway's own answer when a project is over its quota ("policy user over ratelimit").
 * Only this lowers the project's budget: any other 429 (the service's "request is overloaded", a
 * throttle on one export) is waited out by the call that got it.
 */
export function isGatewayQuotaRefusal(errorCode: string | undefined): boolean {
  return errorCode !== undefined && /^APIGW?\.0308$/i.test(errorCode);
}

function exportPath({ projectId, serverId, exportId }: ExportRef): string {
  return `/v1/${seg(projectId)}/physicalservers/${seg(serverId)}/logs/exports/${seg(exportId)}`;
}

function readExportRecord(what: string, body: unknown, requestId: string | undefined): ExportStatusSnapshot {
  const record = exportRecordSchema.safeParse(body);
  if (!record.success) {
    throw new CloudDCApiError({
      kind: 'malformed',
      message: `${what} answered without a usable export record (${record.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}): ${snippet(JSON.stringify(body))}`,
      ...(requestId ? { requestId } : {}),
      mayHaveArrived: true,
    });
  }
  const { status, percentage, created_at } = record.data;
  return {
    status: status ?? null,
    percentage: typeof percentage === 'string' || typeof percentage === 'number' ? percentage : null,
    ...(typeof created_at === 'string' && created_at ? { createdAt: created_at } : {}),
    ...(requestId ? { requestId } : {}),
  };
}

const serverPageSchema = z.looseObject({
  servers: z.array(
    z.looseObject({
      id: z.union([z.string().min(1), z.number()]),
      sn: z.string().nullish(),
      manage_state: z.string().nullish(),
    }),
  ),
  page_info: z.looseObject({ next_marker: z.string().nullish() }).nullish(),
});

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
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
