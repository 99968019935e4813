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
  /**
   * After a 401 to `rejected` (as it was sent): drop the credentials it carried, unless they
   * were already replaced, so the next `authorize` gets fresh ones.
   */
  reauthenticate(context: AuthContext, rejected: Request): Promise<void>;
}

/**
 * Why credentials could not be put on a request, as opposed to the CloudDC API refusing them:
 * IAM refused to issue a token, IAM could not be reached (or not in time), or the worker's own
 * credentials could not be applied.
 */
export type CredentialsProblem = 'iam-refused' | 'iam-unavailable' | 'local';

export class CredentialsError extends Error {
  readonly problem: CredentialsProblem;
  /** The message never carries a secret: callers put it in failures and logs. */
  constructor(message: string, problem: CredentialsProblem) {
    super(message);
    this.name = 'CredentialsError';
    this.problem = problem;
  }
}
