/**
 * How a CloudDC request is authenticated. The client calls `authorize` on every send, so a scheme
 * that signs requests signs each retry afresh, and `reauthenticate` once after a 401.
 */
export interface CloudDCAuth {
  /** Names the scheme in logs; never carries a secret. */
  readonly scheme: string;
  authorize(request: Request): Promise<void>;
  reauthenticate(): Promise<void>;
}

/**
 * A static IAM token from the worker's environment. It cannot be renewed here, so a 401 is
 * retried once as is (a gateway may have rejected it transiently) and then reported.
 */
export function staticTokenAuth(token: string): CloudDCAuth {
  return {
    scheme: 'static token (X-Auth-Token)',
    async authorize(request) {
      request.headers.set('X-Auth-Token', token);
    },
    async reauthenticate() {},
  };
}
