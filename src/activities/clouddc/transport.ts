import ky, { type KyInstance } from 'ky';
import type { SendGates } from '../../request-budget/send-gates.js';
import type { ProjectRateLimiter } from '../../request-budget/worker-limiter.js';
import { RateLimitedLocally } from '../../request-budget/worker-limiter.js';
import { type AuthContext, type CloudDCAuth, CredentialsError } from '../auth/index.js';
import { type ApiMetrics, NO_API_METRICS, operationOf } from '../metrics.js';
import { startApiSpan } from './api-span.js';
import {
  CloudDCApiError,
  classifyHttpError,
  credentialsFailure,
  describeTransportError,
  isGatewayQuotaRefusal,
  transportFailure,
} from './errors.js';
import { nodeHttpFetch } from './node-http-fetch.js';
import { parseJson, snippet } from './text.js';

/** After a request found no place in its gate in time: about the time a place takes to free. */
const GATE_RETRY_MS = 1_000;

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
  /**
   * Holds each request's place in its project's send gate from its sending until a second after
   * its answer (`send-gate.ts`), where Temporal paces: what the dispatch rate cannot keep when a
   * stalled worker sends late and together.
   */
  sendGates?: SendGates;
}

/** Where a request goes: the region's base URL, and the region (for credentials scoped to it). */
export interface ApiTarget {
  endpoint: string;
  region: string;
}

/** What bounds one call: the activity's cancellation and its attempt's deadline. */
export interface CallLimits {
  /** Aborts the request; the activity's fires on cancellation and before Temporal's timeouts would. */
  signal?: AbortSignal;
  /** Latest time (epoch ms) worth waiting for a turn under the rate limit; later, the call is refused. */
  sendBy?: number;
  /** Names the caller across its retries, so a turn the rate limit refused is kept for it. */
  ticket?: string;
  /** The activity's priority key: where it waits in its project's send gate. */
  priorityKey?: number;
}

/** One request of an operation: method, target, path, and the project and limits it runs under. */
export interface CallSpec {
  method: 'GET' | 'POST';
  target: ApiTarget;
  projectId: string;
  path: string;
  limits: CallLimits;
}

/** A 2xx answer whose body is left to stream. */
export interface StreamedAnswer {
  response: Response;
}

/** A 2xx answer read as JSON. */
export interface JsonAnswer {
  body: unknown;
  status: number;
  requestId?: string;
}

export interface Transport {
  json(spec: CallSpec): Promise<JsonAnswer>;
  stream(spec: CallSpec): Promise<StreamedAnswer>;
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

/**
 * Sends one request per call (plus one after a 401): waiting and retrying belong to Temporal,
 * where a wait survives a crash and frees the worker slot. Paces it under the worker's limiter
 * when there is one, puts the credentials on it at send time, and turns every answer other than
 * a 2xx into a `CloudDCApiError`.
 */
export function createTransport(options: CloudDCClientOptions): Transport {
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
  async function call(spec: CallSpec, body: 'text' | 'stream'): Promise<Exchange> {
    const { method, target, path } = spec;
    const context: AuthContext = { projectId: spec.projectId, region: target.region };
    const url = `${target.endpoint.replace(/\/+$/, '')}${path}`;
    let exchange = await send(spec, url, context, body, 0);
    if (exchange.response.status === 401) {
      await reauthenticate(context, exchange.sent);
      exchange = await send(spec, url, context, body, 1);
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

  async function send(
    { method, path, limits, target }: CallSpec,
    url: string,
    context: AuthContext,
    body: 'text' | 'stream',
    resendCount: number,
  ): Promise<Exchange> {
    const turnAt = await waitForTurn(method, path, context, limits);
    const answered = await enterGate(method, path, context, limits);
    const sentAt = Date.now();
    // From the send, after the turn: the span is the request's time on the wire.
    const span = startApiSpan({ method, path, ...target, projectId: context.projectId, resendCount });
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
        signal: limits.signal ? AbortSignal.any([timer.signal, limits.signal]) : timer.signal,
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
      answered();
      metrics.response(operationOf(method, path), context.projectId, response.status);
      span.answered(response);
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
      answered();
      span.failed(err);
      if (err instanceof CredentialsError) throw credentialsFailure(err);
      if (sent !== undefined) metrics.response(operationOf(method, path), context.projectId, 'no-answer');
      throw transportFailure(`${method} ${path}`, err, sent !== undefined);
    } finally {
      clearTimeout(timeout);
      span.end();
    }
  }

  /**
   * Waits for a place in the project's send gate; returns what to call once the request was
   * answered or failed (once; later calls change nothing).
   */
  async function enterGate(
    method: string,
    path: string,
    context: AuthContext,
    limits: CallLimits,
  ): Promise<() => void> {
    if (!options.sendGates) return () => {};
    // A request still waiting at its `sendBy` goes back to Temporal, provably unsent, while its
    // activity has time to say so: timed out in the gate, it would look as if it had been sent.
    // One controller a request, its listener on the caller's signal removed after: a call that
    // resends many times must not pile listeners onto the signal it keeps (as `AbortSignal.any`
    // would, until collected).
    const giveUp = new AbortController();
    const callerGaveUp = () => giveUp.abort(limits.signal?.reason);
    if (limits.signal?.aborted) callerGaveUp();
    limits.signal?.addEventListener('abort', callerGaveUp, { once: true });
    let late = false;
    const deadline =
      limits.sendBy === undefined
        ? undefined
        : setTimeout(
            () => {
              late = true;
              giveUp.abort(new Error('no place in time'));
            },
            Math.max(0, limits.sendBy - Date.now()),
          );
    let leave: ((answeredAt?: number) => void) | undefined;
    try {
      leave = await options.sendGates.enter(context.projectId, {
        signal: giveUp.signal,
        ...(limits.priorityKey !== undefined ? { priorityKey: limits.priorityKey } : {}),
      });
    } catch (err) {
      if (late && !limits.signal?.aborted) {
        metrics.heldBack(operationOf(method, path), context.projectId);
        throw new CloudDCApiError({
          kind: 'held-back',
          message: `${method} ${path} not sent: no place in the project's send gate in time`,
          retryAfterMs: GATE_RETRY_MS,
          mayHaveArrived: false,
        });
      }
      throw new CloudDCApiError({
        kind: 'unavailable',
        message: `${method} ${path} not sent: ${describeTransportError(err)}`,
        mayHaveArrived: false,
      });
    } finally {
      clearTimeout(deadline);
      limits.signal?.removeEventListener('abort', callerGaveUp);
    }
    return () => {
      leave?.();
      leave = undefined;
    };
  }

  /**
   * Waits for the project's turn under the worker's rate limit, before the request's own timeout
   * starts; returns when the turn was granted. A turn too far away becomes a `held-back` error.
   */
  async function waitForTurn(
    method: string,
    path: string,
    context: AuthContext,
    limits: CallLimits,
  ): Promise<number> {
    if (!options.rateLimiter) return Date.now();
    try {
      return await options.rateLimiter.acquire(limiterKey(context), limits);
    } catch (err) {
      if (err instanceof RateLimitedLocally) {
        metrics.heldBack(operationOf(method, path), context.projectId);
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
    async json(spec) {
      const { response, text = '' } = await call(spec, 'text');
      const requestId = response.headers.get('X-Request-Id') ?? undefined;
      const body = parseJson(text);
      if (body === undefined) {
        throw new CloudDCApiError({
          kind: 'malformed',
          message: `${spec.method} ${spec.path} answered ${response.status} with a body that is not JSON: ${snippet(text)}`,
          httpStatus: response.status,
          ...(requestId ? { requestId } : {}),
          // The API answered, so a POST was received (and may have been carried out).
          mayHaveArrived: true,
        });
      }
      return { body, status: response.status, ...(requestId ? { requestId } : {}) };
    },
    async stream(spec) {
      const { response } = await call(spec, 'stream');
      return { response };
    },
  };
}

/** The worker's own limiter paces per project and region. */
function limiterKey({ projectId, region }: AuthContext): string {
  return `project ${projectId} in ${region}`;
}

async function readText(response: Response): Promise<string> {
  try {
    return await response.text();
  } catch {
    return '';
  }
}
