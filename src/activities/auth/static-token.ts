import type { CloudDCAuth } from './index.js';

/**
 * A static IAM token from the worker's environment. It cannot be renewed here, so a 401 is
 * retried once as is (a gateway may have rejected it transiently) and then reported.
 */
export function staticTokenAuth(token: string): CloudDCAuth {
  return {
    description: 'static IAM token (X-Auth-Token from CLOUDDC_AUTH_TOKEN)',
    async authorize(request) {
      request.headers.set('X-Auth-Token', token);
    },
    async reauthenticate() {},
  };
}
