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
  obtainedAt: number;
  /** Renewed from here on, well before it expires. */
  refreshAt: number;
  expiresAt: number;
}

interface Slot {
  current?: CachedToken;
  inflight?: Promise<CachedToken>;
}

/** A token is renewed once this share of its lifetime has passed. */
const REFRESH_AT_SHARE = 0.8;

const tokenBodySchema = z.looseObject({ token: z.looseObject({ expires_at: z.string() }) });

/**
 * Project-scoped IAM tokens from a user's password (`POST /v3/auth/tokens`): one per worker and
 * project, cached, renewed at 80 % of its lifetime, renewed once after a 401, and fetched once
 * however many requests want it at the same moment (single flight).
 */
export function iamTokenAuth(options: IamTokenAuthOptions): CloudDCAuth {
  const now = options.now ?? Date.now;
  const slots = new Map<string, Slot>();
  const http = ky.create({ timeout: false, retry: 0, throwHttpErrors: false, redirect: 'manual' });

  function slotFor({ projectId, region }: AuthContext): Slot {
    const key = `${options.iamEndpointFor(region)}\u0000${projectId}`;
    let slot = slots.get(key);
    if (!slot) {
      slot = {};
      slots.set(key, slot);
    }
    return slot;
  }

  async function tokenFor(context: AuthContext): Promise<string> {
    const slot = slotFor(context);
    const cached = slot.current;
    if (cached && now() < cached.refreshAt) return cached.token;
    if (!slot.inflight) {
      slot.inflight = fetchToken(context).finally(() => {
        slot.inflight = undefined;
      });
    }
    try {
      const fresh = await slot.inflight;
      slot.current = fresh;
      return fresh.token;
    } catch (err) {
      // IAM being down must not stop requests while the token in hand is still valid.
      if (cached && now() < cached.expiresAt && !(err instanceof CredentialsError && err.permanent))
        return cached.token;
      throw err;
    }
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
        `IAM at ${endpoint} could not be reached for a token: ${(err as Error).message}`,
        false,
      );
    }
    const token = response.headers.get('X-Subject-Token');
    if (response.status !== 201 || !token) {
      const permanent =
        response.status >= 300 && response.status < 500 && response.status !== 408 && response.status !== 429;
      throw new CredentialsError(
        `IAM at ${endpoint} refused a token for user ${username} of domain ${domain} on project ${projectId}: HTTP ${response.status}${iamError(text)}`,
        permanent,
      );
    }
    const body = tokenBodySchema.safeParse(safeJson(text));
    const expiresAt = body.success ? Date.parse(body.data.token.expires_at) : Number.NaN;
    const issuedAt = Date.parse(response.headers.get('Date') ?? '');
    const obtainedAt = now();
    // Measured against IAM's own clock (its Date header), so a skewed worker clock does not matter.
    const lifetime = Number.isNaN(expiresAt)
      ? 0
      : expiresAt - (Number.isNaN(issuedAt) ? obtainedAt : issuedAt);
    if (lifetime <= 0) {
      throw new CredentialsError(`IAM at ${endpoint} issued a token without a usable expires_at`, false);
    }
    return {
      token,
      obtainedAt,
      refreshAt: obtainedAt + lifetime * REFRESH_AT_SHARE,
      expiresAt: obtainedAt + lifetime,
    };
  }

  return {
    description: `IAM token (password of user ${options.credentials.username} in domain ${options.credentials.domain})`,
    async authorize(request, context) {
      request.headers.set('X-Auth-Token', await tokenFor(context));
    },
    async reauthenticate(context, sentAt) {
      const slot = slotFor(context);
      // Another request has renewed it since this one went out: use that token.
      if (slot.current && slot.current.obtainedAt > sentAt) return;
      if (slot.current) slot.current = { ...slot.current, refreshAt: Number.NEGATIVE_INFINITY };
    },
  };
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
