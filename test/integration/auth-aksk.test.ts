import { afterAll, beforeAll, expect, it } from 'vitest';
import { FailureType } from '../../src/contract/index.js';
import { applicationFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness } from '../helpers/harness.js';
import { expectNoSecrets } from '../helpers/secrets.js';

const CREDENTIALS = {
  accessKey: 'AKTRACKER00000001',
  secretKey: 'sk-tracker-secret-do-not-leak-1',
  securityToken: 'st-tracker-security-token-do-not-leak-1',
};
const PROJECT = 'proj-aksk';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    auth: { scheme: 'aksk', ...CREDENTIALS },
    simulator: { accessKeys: [CREDENTIALS] },
  });
});
afterAll(async () => {
  await h?.close();
});

it('tracks an export with every request signed with AK/SK', async () => {
  const sim = h.sim.createExport(PROJECT, 'srv-1', { durationMs: 1_500 });
  const result = await (
    await h.track({ projectId: PROJECT, serverId: 'srv-1', exportId: sim.exportId, policy: FAST_POLICY })
  ).result();
  expect(result.outcome).toBe('completed');
  const requests = h.sim.statusRequests(sim);
  expect(requests.length).toBe(result.polls);
  expect(requests.every((r) => r.auth === 'aksk' && r.status === 200)).toBe(true);
});

it('signs a retry made after a Retry-After wait afresh, with a later X-Sdk-Date', async () => {
  const sim = h.sim.createExport(PROJECT, 'srv-2', { durationMs: 1_000 });
  h.sim.injectFaults({
    fault: { kind: 'status', status: 429, retryAfter: { seconds: 2, as: 'delta' } },
    path: `/srv-2/logs/exports/${sim.exportId}$`,
  });
  const result = await (
    await h.track({ projectId: PROJECT, serverId: 'srv-2', exportId: sim.exportId, policy: FAST_POLICY })
  ).result();
  expect(result.outcome).toBe('completed');
  const [throttled, retried] = h.sim.statusRequests(sim);
  expect(throttled?.status).toBe(429);
  expect(retried).toMatchObject({ status: 200, auth: 'aksk' });
  expect((retried?.sdkDate ?? '') > (throttled?.sdkDate ?? '')).toBe(true);
});

it('reports a signature the gateway keeps refusing as CloudDCAuthError, and rides out a 5xx burst', async () => {
  const refused = h.sim.createExport(PROJECT, 'srv-3', { durationMs: 1_000 });
  h.sim.injectFaults({
    fault: { kind: 'status', status: 401 },
    path: `/srv-3/logs/exports/${refused.exportId}$`,
    times: 2,
  });
  const handle = await h.track({
    projectId: PROJECT,
    serverId: 'srv-3',
    exportId: refused.exportId,
    policy: FAST_POLICY,
  });
  expect((await applicationFailure(handle.result())).type).toBe(FailureType.CloudDCAuthError);
  const flaky = h.sim.createExport(PROJECT, 'srv-4', { durationMs: 1_000 });
  h.sim.injectFaults({
    fault: { kind: 'status', status: 503 },
    path: `/srv-4/logs/exports/${flaky.exportId}$`,
    times: 3,
  });
  const ok = await h.track({
    projectId: PROJECT,
    serverId: 'srv-4',
    exportId: flaky.exportId,
    policy: FAST_POLICY,
  });
  expect((await ok.result()).outcome).toBe('completed');
});

it('keeps the secret key and security token out of histories and logs', async () => {
  await expectNoSecrets(h, [CREDENTIALS.secretKey, CREDENTIALS.securityToken]);
});
