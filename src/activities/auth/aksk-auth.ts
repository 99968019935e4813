import { formatSdkDate, sign } from './aksk-signature.js';
import type { CloudDCAuth } from './index.js';

export interface AkskCredentials {
  accessKey: string;
  secretKey: string;
  /** With temporary credentials. */
  securityToken?: string;
}

/** Headers worth signing: the ones a proxy does not rewrite and the gateway requires. */
const SIGNED = ['content-type', 'x-project-id', 'x-sdk-date', 'x-security-token'];

/**
 * AK/SK signing (`SDK-HMAC-SHA256`). Signs at send time, so every retry (after a Retry-After wait,
 * or after a 401) carries a fresh `X-Sdk-Date` inside the gateway's 15-minute window.
 */
export function akskAuth(credentials: AkskCredentials, now: () => number = Date.now): CloudDCAuth {
  return {
    description: `AK/SK signing (SDK-HMAC-SHA256${credentials.securityToken ? ', temporary credentials' : ''})`,
    async authorize(request, { projectId }) {
      const url = new URL(request.url);
      request.headers.set('X-Sdk-Date', formatSdkDate(now()));
      request.headers.set('X-Project-Id', projectId);
      if (credentials.securityToken) request.headers.set('X-Security-Token', credentials.securityToken);
      const headers: Record<string, string> = {};
      for (const name of SIGNED) {
        const value = request.headers.get(name);
        if (value !== null) headers[name] = value;
      }
      const body = request.body ? new Uint8Array(await request.clone().arrayBuffer()) : '';
      const { authorization } = sign(
        {
          method: request.method,
          host: url.host,
          path: url.pathname,
          query: [...url.searchParams],
          headers,
          body,
        },
        credentials.accessKey,
        credentials.secretKey,
      );
      request.headers.set('Authorization', authorization);
    },
    // Nothing to renew: the retry is signed afresh by `authorize`.
    async reauthenticate() {},
  };
}
