import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { z } from 'zod';
import {
  parseAuthorization,
  parseSdkDate,
  SIGNING_ALGORITHM,
  sign,
  signaturesEqual,
} from '../activities/auth/aksk-signature.js';

export interface SimulatedAccessKey {
  accessKey: string;
  secretKey: string;
  /** Temporary credentials: requests must carry (and sign) this `X-Security-Token`. */
  securityToken?: string;
}

export interface SimulatedIamUser {
  username: string;
  password: string;
  domain: string;
  /** Projects the user may get tokens for; any project when absent. */
  projects?: string[];
}

export interface IdentityOptions {
  /** Static `X-Auth-Token` values accepted for every project. */
  tokens?: string[];
  accessKeys?: SimulatedAccessKey[];
  iamUsers?: SimulatedIamUser[];
  /** Lifetime of tokens issued by `POST /v3/auth/tokens`; default 24 h, as IAM's. */
  tokenLifetimeMs?: number;
  clock: () => number;
}

/** The gateway refuses an `X-Sdk-Date` further than this from its clock. */
const SIGNATURE_WINDOW_MS = 15 * 60_000;

export type AuthOutcome =
  | { ok: true; scheme: 'token' | 'aksk' | 'iam-token' }
  | { ok: false; message: string };

export interface IncomingForAuth {
  method: string;
  /** Path and query exactly as received. */
  rawUrl: string;
  headers: IncomingHttpHeaders;
  body: Buffer;
  /** The project the request is about, for project-scoped IAM tokens. */
  projectId?: string;
}

const tokenRequestSchema = z.object({
  auth: z.object({
    identity: z.object({
      methods: z.array(z.string()).refine((m) => m.includes('password')),
      password: z.object({
        user: z.object({ name: z.string(), password: z.string(), domain: z.object({ name: z.string() }) }),
      }),
    }),
    scope: z.object({ project: z.object({ id: z.string() }) }),
  }),
});

/** The simulator's IAM and API-gateway authentication: static tokens, AK/SK signatures, IAM tokens. */
export class SimulatedIdentity {
  /** Every token `POST /v3/auth/tokens` asked for, granted or not. */
  tokenRequests = 0;
  readonly #options: IdentityOptions;
  readonly #issued = new Map<string, { projectId: string; expiresAt: number }>();
  readonly #everIssued: string[] = [];

  constructor(options: IdentityOptions) {
    this.#options = options;
  }

  /** With no credentials configured, every request is let through. */
  get enforcing(): boolean {
    const { tokens = [], accessKeys = [], iamUsers = [] } = this.#options;
    return tokens.length + accessKeys.length + iamUsers.length > 0;
  }

  /** `POST /v3/auth/tokens` with the password method, scoped to a project. */
  issueToken(body: unknown): { status: number; headers: Record<string, string>; body: unknown } {
    this.tokenRequests += 1;
    const parsed = tokenRequestSchema.safeParse(body);
    if (!parsed.success) {
      return {
        status: 400,
        headers: {},
        body: { error: { code: 400, message: 'The request body is invalid.', title: 'Bad Request' } },
      };
    }
    const { user } = parsed.data.auth.identity.password;
    const projectId = parsed.data.auth.scope.project.id;
    const known = (this.#options.iamUsers ?? []).find(
      (u) => u.username === user.name && u.password === user.password && u.domain === user.domain.name,
    );
    if (known?.projects && !known.projects.includes(projectId)) {
      return {
        status: 403,
        headers: {},
        body: {
          error: {
            code: 403,
            message: `The user has no access to project ${projectId}.`,
            title: 'Forbidden',
          },
        },
      };
    }
    if (!known) {
      return {
        status: 401,
        headers: {},
        body: { error: { code: 401, message: 'The username or password is wrong.', title: 'Unauthorized' } },
      };
    }
    const now = this.#options.clock();
    const expiresAt = now + (this.#options.tokenLifetimeMs ?? 86_400_000);
    const token = `MIIsim${randomBytes(48).toString('base64url')}`;
    this.#issued.set(token, { projectId, expiresAt });
    this.#everIssued.push(token);
    return {
      status: 201,
      headers: { 'X-Subject-Token': token },
      body: {
        token: {
          expires_at: new Date(expiresAt).toISOString(),
          issued_at: new Date(now).toISOString(),
          methods: ['password'],
          project: { id: projectId },
          user: { name: user.name, domain: { name: user.domain.name } },
        },
      },
    };
  }

  /** Every token issued so far stops working, as after a password change. */
  revokeIssuedTokens(): void {
    this.#issued.clear();
  }

  /** Every token ever issued, so tests can look for them where they must not be. */
  get issuedTokens(): readonly string[] {
    return this.#everIssued;
  }

  verify(request: IncomingForAuth): AuthOutcome {
    const authorization = first(request.headers.authorization);
    if (authorization?.startsWith(SIGNING_ALGORITHM)) return this.#verifySignature(request, authorization);
    const token = first(request.headers['x-auth-token']);
    if (!token)
      return { ok: false, message: 'Incorrect IAM authentication information: x-auth-token not found' };
    if ((this.#options.tokens ?? []).includes(token)) return { ok: true, scheme: 'token' };
    const issued = this.#issued.get(token);
    if (!issued) return { ok: false, message: 'Incorrect IAM authentication information: token invalid' };
    if (this.#options.clock() >= issued.expiresAt) {
      return { ok: false, message: 'Incorrect IAM authentication information: token expired' };
    }
    if (request.projectId !== undefined && request.projectId !== issued.projectId) {
      return {
        ok: false,
        message: 'Incorrect IAM authentication information: token is scoped to another project',
      };
    }
    return { ok: true, scheme: 'iam-token' };
  }

  #verifySignature(request: IncomingForAuth, authorization: string): AuthOutcome {
    const parsed = parseAuthorization(authorization);
    if (!parsed)
      return { ok: false, message: 'Incorrect IAM authentication information: malformed authorization' };
    const key = (this.#options.accessKeys ?? []).find((k) => k.accessKey === parsed.accessKey);
    if (!key) return { ok: false, message: 'Incorrect IAM authentication information: unknown access key' };
    const sdkDate = first(request.headers['x-sdk-date']) ?? '';
    const signedAt = parseSdkDate(sdkDate);
    if (Number.isNaN(signedAt) || Math.abs(this.#options.clock() - signedAt) > SIGNATURE_WINDOW_MS) {
      return {
        ok: false,
        message:
          'Incorrect IAM authentication information: x-sdk-date is missing or outside the 15-minute window',
      };
    }
    for (const required of ['host', 'x-sdk-date', ...(key.securityToken ? ['x-security-token'] : [])]) {
      if (!parsed.signedHeaders.includes(required)) {
        return { ok: false, message: `Incorrect IAM authentication information: ${required} must be signed` };
      }
    }
    if (key.securityToken && first(request.headers['x-security-token']) !== key.securityToken) {
      return { ok: false, message: 'Incorrect IAM authentication information: security token invalid' };
    }
    const headers: Record<string, string> = {};
    for (const name of parsed.signedHeaders) {
      if (name === 'host') continue;
      const value = request.headers[name];
      if (value === undefined)
        return {
          ok: false,
          message: `Incorrect IAM authentication information: signed header ${name} missing`,
        };
      headers[name] = Array.isArray(value) ? value.join(',') : value;
    }
    const [path = '/', query = ''] = request.rawUrl.split('?', 2);
    const expected = sign(
      {
        method: request.method,
        host: first(request.headers.host) ?? '',
        path,
        query: [...new URLSearchParams(query)],
        headers,
        body: request.body,
      },
      key.accessKey,
      key.secretKey,
    );
    if (
      expected.signedHeaders !== parsed.signedHeaders.join(';') ||
      !signaturesEqual(expected.signature, parsed.signature)
    ) {
      return { ok: false, message: 'Incorrect IAM authentication information: verify aksk signature fail' };
    }
    return { ok: true, scheme: 'aksk' };
  }
}

function first(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
