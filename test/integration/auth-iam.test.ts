import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../src/contract/index.js';
import { CloudDCSimulator } from '../../src/simulator/server.js';
import { applicationFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, TEST_REGION, waitFor } from '../helpers/harness.js';
import { expectNoSecrets } from '../helpers/secrets.js';

const USER = { username: 'tracker-bot', password: 'pw-tracker-bot-do-not-leak-2', domain: 'acme-ops' };
const OTHER_REGION = 'ap-southeast-3';

let h: Harness;
/** IAM on a host of its own, sharing its credentials with the CloudDC simulator. */
let iam: CloudDCSimulator;
beforeAll(async () => {
  iam = await CloudDCSimulator.start({
    iamUsers: [{ ...USER, projects: ['proj-many', 'proj-long', 'proj-revoked', 'proj-region'] }],
    tokenLifetimeMs: 8_000,
  });
  h = await startHarness({
    auth: { scheme: 'iam', ...USER, endpointTemplate: `${iam.url}/iam-{region}` },
    simulator: { identity: iam.identity },
    regions: [OTHER_REGION],
  });
});
afterAll(async () => {
  await h?.close();
  await iam?.close();
});

function track(projectId: string, serverId: string, durationMs: number, region?: string) {
  const record = h.sim.createExport(projectId, serverId, { durationMs });
  const input = {
    projectId,
    serverId,
    exportId: record.exportId,
    policy: FAST_POLICY,
    ...(region ? { region } : {}),
  };
  return { record, started: h.track(input) };
}

describe('IAM token auth', () => {
  it('tracks many exports at once with a single token request for the project', async () => {
    const before = iam.identity.tokenRequests;
    const runs = Array.from({ length: 20 }, (_, i) => track('proj-many', `srv-${i}`, 1_500));
    const results = await Promise.all(runs.map(async ({ started }) => (await started).result()));
    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    expect(iam.identity.tokenRequests - before).toBe(1);
    expect(h.sim.requestsTo('/v1/proj-many/').every((r) => r.auth === 'iam-token' && r.status === 200)).toBe(
      true,
    );
  });

  it('renews the token before it expires, so a long export sees no 401', async () => {
    const before = iam.identity.tokenRequests;
    const { record, started } = track('proj-long', 'srv-long', 10_000);
    expect((await (await started).result()).outcome).toBe('completed');
    expect(iam.identity.tokenRequests - before).toBeGreaterThanOrEqual(2);
    expect(h.sim.statusRequests(record).every((r) => r.status === 200)).toBe(true);
  });

  it('after a 401 gets a new token once, waits out IAM being down, and carries on', async () => {
    const { record, started } = track('proj-revoked', 'srv-revoked', 4_000);
    const handle = await started;
    await waitFor(() => (h.sim.statusRequests(record).length > 0 ? true : undefined), {
      what: 'a first poll',
    });
    iam.injectFaults({ fault: { kind: 'status', status: 503 }, path: '/v3/auth/tokens$', times: 2 });
    iam.identity.revokeIssuedTokens();
    expect((await handle.result()).outcome).toBe('completed');
    const statuses = h.sim.statusRequests(record).map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length).toBeGreaterThanOrEqual(1);
    expect(statuses.at(-1)).toBe(200);
    const iamAnswers = iam.requests.filter((r) => r.path.endsWith('/v3/auth/tokens')).map((r) => r.status);
    expect(iamAnswers).toContain(503);
    expect(iamAnswers.at(-1)).toBe(201);
  });

  it('fails with CloudDCIamError, naming IAM, when IAM refuses a token for the project', async () => {
    const { record, started } = track('proj-forbidden', 'srv-1', 1_000);
    const failure = await applicationFailure((await started).result());
    expect(failure.type).toBe(FailureType.CloudDCIamError);
    expect(failure.message).toContain('IAM');
    expect(failure.message).toContain('HTTP 403');
    expect(h.sim.statusRequests(record)).toHaveLength(0);
  });

  it("asks each region's IAM for tokens, sends the password only to IAM and tokens only to CloudDC", async () => {
    const inDefault = track('proj-region', 'srv-a', 800);
    const inOther = track('proj-region', 'srv-b', 800, OTHER_REGION);
    for (const { started } of [inDefault, inOther])
      expect((await (await started).result()).outcome).toBe('completed');
    const iamPaths = new Set(iam.requests.map((r) => r.path));
    expect(iamPaths).toContain(`/iam-${TEST_REGION}/v3/auth/tokens`);
    expect(iamPaths).toContain(`/iam-${OTHER_REGION}/v3/auth/tokens`);
    expect(iam.requests.every((r) => r.path.endsWith('/v3/auth/tokens') && r.authToken === undefined)).toBe(
      true,
    );
    expect(h.sim.requests.some((r) => r.path.includes('/v3/'))).toBe(false);
  });

  it('refuses a region outside the allow-list, and one that tries to be a host, before any call', async () => {
    const before = h.sim.requests.length + iam.requests.length;
    const { started } = track('proj-region', 'srv-c', 800, 'cn-north-4');
    expect((await applicationFailure((await started).result())).type).toBe(FailureType.InvalidInput);
    const handle = await h.env.client.workflow.start('trackLogExport', {
      taskQueue: h.taskQueue,
      workflowId: `ssrf-${Date.now()}`,
      args: [{ projectId: 'proj-region', serverId: 'srv-1', exportId: '1', region: 'evil.example.com/#' }],
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.InvalidInput);
    expect(failure.message).toContain('region');
    expect(h.sim.requests.length + iam.requests.length).toBe(before);
  });

  it('keeps the password and every issued token out of histories and logs', async () => {
    expect(iam.identity.issuedTokens.length).toBeGreaterThanOrEqual(4);
    await expectNoSecrets(h, [USER.password, ...iam.identity.issuedTokens]);
  });
});
