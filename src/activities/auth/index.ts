/** Which request a credential is for: IAM tokens are scoped to a project and issued per region. */
export interface AuthContext {
  projectId: string;
  region: string;
}

/**
 * How a CloudDC request is authenticated. The client calls `authorize` on every send, so a scheme
 * that signs requests signs each retry afresh, and `reauthenticate` once after a 401.
 */
export interface CloudDCAuth {
  /** Names the scheme in logs; never carries a secret. */
  readonly description: string;
  authorize(request: Request, context: AuthContext): Promise<void>;
  /** After a 401 to a request sent at `sentAt`: get fresh credentials unless that already happened since. */
  reauthenticate(context: AuthContext, sentAt: number): Promise<void>;
}

/**
 * Raised while obtaining credentials (an IAM token), as opposed to by the CloudDC API itself.
 * `permanent` when IAM rejected the credentials; otherwise IAM was unreachable or failing.
 */
export class CredentialsError extends Error {
  readonly permanent: boolean;
  constructor(message: string, permanent: boolean) {
    super(message);
    this.name = 'CredentialsError';
    this.permanent = permanent;
  }
}
