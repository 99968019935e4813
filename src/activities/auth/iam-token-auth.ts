import ky from 'ky';
import { z } from 'zod';
import { type AuthContext, type CloudDCAuth, CredentialsError } from './index.js';

export interface IamPasswordCredentials {
  username: string;
  password: string;
  /** The account (domain) name the IAM user belongs to. */
  domain: string;
}

export interface IamTokenAuthOptions {
  credentials: IamPasswordCredentials;
  /** Base URL of IAM for a region. */
  iamEndpointFor: (region: string) => string;
  timeoutMs: number;
  now?: () => number;
}

interface CachedToken {
  token: string;
  /** Renewed in the background from here on, while still in use. */
  refreshAt: number;
  expiresAt: number;
}

interface Slot {
  current?: CachedToken;
  inflight?: Promise<CachedToken>;
  /** After a failed background renewal, not tried again before this. */
  retryRefreshAt?: number;
}

/** A token is renewed once this share of its lifetime has passed. */
const REFRESH_AT_SHARE = 0.8;
/** IAM issues tokens for 24 h; anything longer is not believed. */
const MAX_LIFETIME_MS = 86_400_000;
const REFRESH_RETRY_MS = 10_000;

const tokenBodySchema = z.looseObject({
  token: z.looseObject({ expires_at: z.string(), issued_at: z.string().optional() }),
});

/**
 * Project-scoped IAM tokens from a user's password (`POST /v3/auth/tokens`): one per worker and
 * project, cached, renewed in the background at 80 % of its lifetime while the old one is still
 * used, dropped and fetched again after a 401, and fetched once however many requests want it
 * at the same moment (single flight).
 */
export function iamTokenAuth(options: IamTokenAuthOptions): CloudDCAuth {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const http = ky.create({ timeout: false, retry: 0, throwHttpErrors: false, redirect: 'manual' });

  function keyOf({ projectId, region }: AuthContext): string {
    return `${options.iamEndpointFor(region)}\u0000${projectId}`;
  }

  function slotFor(context: AuthContext): Slot {
    const key = keyOf(context);
    let slot = slots.get(key);
    if (!slot) {
      slot = {};
      slots.set(key, slot);
    }
    return slot;
  }

  function renew(slot: Slot, context: AuthContext): Promise<CachedToken> {
    if (!slot.inflight) {
      slot.inflight = fetchToken(context)
        .then(
          (fresh) => {
            slot.current = fresh;
            slot.retryRefreshAt = undefined;
            return fresh;
          },
          (err: unknown) => {
            // Nothing cached and nothing fetched: forget the project rather than keep an empty slot.
            if (!slot.current) slots.delete(keyOf(context));
            throw err;
          },
        )
        .finally(() => {
          slot.inflight = undefined;
        });
    }
    return slot.inflight;
  }

  async function tokenFor(context: AuthContext, signal: AbortSignal): Promise<string> {
    const slot = slotFor(context);
    const cached = slot.current;
    const at = now();
    if (cached && at < cached.refreshAt) return cached.token;
    if (cached && at < cached.expiresAt) {
      if (!slot.inflight && !(slot.retryRefreshAt && at < slot.retryRefreshAt)) {
        renew(slot, context).catch(() => {
          slot.retryRefreshAt = now() + REFRESH_RETRY_MS;
        });
      }
      return cached.token;
    }
    return (await untilAborted(renew(slot, context), signal)).token;
  }

  async function fetchToken({ projectId, region }: AuthContext): Promise<CachedToken> {
    const endpoint = options.iamEndpointFor(region).replace(/\/+$/, '');
    const { username, password, domain } = options.credentials;
    let response: Response;
    let text: string;
    try {
      response = await http.post(`${endpoint}/v3/auth/tokens`, {
        signal: AbortSignal.timeout(options.timeoutMs),
        json: {
          auth: {
            identity: {
              methods: ['password'],
              password: { user: { name: username, password, domain: { name: domain } } },
            },
            scope: { project: { id: projectId } },
          },
        },
      });
      text = await response.text();
    } catch (err) {
      throw new CredentialsError(
        `IAM at ${endpoint} could not be reached for a token: ${(err as Error).name}: ${(err as Error).message}`,
        'iam-unavailable',
      );
    }
    const token = response.headers.get('X-Subject-Token');
    if (response.status !== 201 || !token) {
      const refused =
        response.status >= 300 && response.status < 500 && response.status !== 408 && response.status !== 429;
      throw new CredentialsError(
        `IAM at ${endpoint} refused a token for user ${username} of domain ${domain} on project ${projectId}: HTTP ${response.status}${iamError(text)}`,
        refused ? 'iam-refused' : 'iam-unavailable',
      );
    }
    const body = tokenBodySchema.safeParse(safeJson(text));
    const expiresAt = body.success ? Date.parse(body.data.token.expires_at) : Number.NaN;
    // Lifetime measured on IAM's own clock (issued_at, else its Date header), so a skewed worker
    // clock does not matter.
    const issuedAt = Date.parse(
      (body.success && body.data.token.issued_at) || response.headers.get('Date') || '',
    );
    const obtainedAt = now();
    const lifetime = Math.min(
      MAX_LIFETIME_MS,
      Number.isNaN(expiresAt) ? 0 : expiresAt - (Number.isNaN(issuedAt) ? obtainedAt : issuedAt),
    );
    if (lifetime <= 0) {
      throw new CredentialsError(
        `IAM at ${endpoint} issued a token without a usable expires_at`,
        'iam-unavailable',
      );
    }
    return { token, refreshAt: obtainedAt + lifetime * REFRESH_AT_SHARE, expiresAt: obtainedAt + lifetime };
  }

  return {
    description: `IAM token (password of user ${options.credentials.username} in domain ${options.credentials.domain})`,
    async authorize(request, context) {
      request.headers.set('X-Auth-Token', await tokenFor(context, request.signal));
    },
    async reauthenticate(context, rejected) {
      const slot = slotFor(context);
      // Only the token that was refused is dropped (never to be used again, even while IAM is
      // down); if another request has already replaced it, the new one is used as it is.
      if (slot.current && slot.current.token === rejected.headers.get('X-Auth-Token'))
        slot.current = undefined;
    },
  };
}

/** Waits for a shared fetch, but gives up on it when this caller's request is aborted. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(abandoned());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(abandoned());
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

function abandoned(): CredentialsError {
  return new CredentialsError(
    'No IAM token arrived before the request was cancelled or ran out of time',
    'iam-unavailable',
  );
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** IAM's own words: `{error: {code, message}}` or `{error_code, error_msg}`. */
function iamError(text: string): string {
  const body = safeJson(text) as
    | { error?: { code?: unknown; message?: unknown }; error_code?: unknown; error_msg?: unknown }
    | undefined;
  const code = body?.error_code ?? body?.error?.code;
  const message = body?.error_msg ?? body?.error?.message;
  return [
    code !== undefined ? `, code ${String(code)}` : '',
    typeof message === 'string' ? `, ${JSON.stringify(message)}` : '',
  ].join('');
}
