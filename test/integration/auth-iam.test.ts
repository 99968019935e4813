import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../src/contract/index.js';
import { applicationFailure } from '../helpers/failures.js';
import { FAST_POLICY, type Harness, startHarness, TEST_REGION, waitFor } from '../helpers/harness.js';
import { expectNoSecrets } from '../helpers/secrets.js';

const USER = { username: 'tracker-bot', password: 'pw-tracker-bot-do-not-leak-2', domain: 'acme-ops' };
const PROJECT = 'proj-iam';
const OTHER_REGION = 'ap-southeast-3';

let h: Harness;
beforeAll(async () => {
  h = await startHarness({
    auth: { scheme: 'iam', ...USER, endpointTemplate: 'set by the harness' },
    simulator: { iamUsers: [{ ...USER, projects: [PROJECT, 'proj-iam-2'] }], tokenLifetimeMs: 4_000 },
    regions: [OTHER_REGION],
  });
});
afterAll(async () => {
  await h?.close();
});

describe('IAM token auth', () => {
  it('tracks many exports at once with a single token request for the project', async () => {
    const before = h.sim.identity.tokenRequests;
    const handles = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const sim = h.sim.createExport(PROJECT, `srv-many-${i}`, { durationMs: 1_500 });
        return h.track({
          projectId: PROJECT,
          serverId: `srv-many-${i}`,
          exportId: sim.exportId,
          policy: FAST_POLICY,
        });
      }),
    );
    const results = await Promise.all(handles.map((handle) => handle.result()));
    expect(results.every((r) => r.outcome === 'completed')).toBe(true);
    expect(h.sim.identity.tokenRequests - before).toBe(1);
    expect(h.sim.requestsTo(`/v1/${PROJECT}/`).every((r) => r.auth === 'iam-token')).toBe(true);
  });

  it('renews the token before it expires, so a long export sees no 401', async () => {
    const sim = h.sim.createExport('proj-iam-2', 'srv-long', { durationMs: 7_000 });
    const before = h.sim.identity.tokenRequests;
    const result = await (
      await h.track({
        projectId: 'proj-iam-2',
        serverId: 'srv-long',
        exportId: sim.exportId,
        policy: FAST_POLICY,
      })
    ).result();
    expect(result.outcome).toBe('completed');
    expect(h.sim.identity.tokenRequests - before).toBeGreaterThanOrEqual(2);
    expect(h.sim.statusRequests(sim).every((r) => r.status === 200)).toBe(true);
  });

  it('gets a new token once after a 401 (a revoked token) and carries on', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-revoked', { durationMs: 3_000 });
    const handle = await h.track({
      projectId: PROJECT,
      serverId: 'srv-revoked',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    await waitFor(() => (h.sim.statusRequests(sim).length > 0 ? true : undefined), { what: 'a first poll' });
    const before = h.sim.identity.tokenRequests;
    h.sim.identity.revokeIssuedTokens();
    expect((await handle.result()).outcome).toBe('completed');
    const statuses = h.sim.statusRequests(sim).map((r) => r.status);
    expect(statuses.filter((s) => s === 401)).toHaveLength(1);
    expect(h.sim.identity.tokenRequests - before).toBe(1);
  });

  it('fails with CloudDCIamError, naming IAM, when IAM refuses a token for the project', async () => {
    const sim = h.sim.createExport('proj-forbidden', 'srv-1', { durationMs: 1_000 });
    const handle = await h.track({
      projectId: 'proj-forbidden',
      serverId: 'srv-1',
      exportId: sim.exportId,
      policy: FAST_POLICY,
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.CloudDCIamError);
    expect(failure.message).toContain('IAM');
    expect(failure.message).toContain('HTTP 403');
    expect(h.sim.statusRequests(sim)).toHaveLength(0);
  });

  it('tracks in another allowed region, and refuses a region outside the allow-list', async () => {
    const sim = h.sim.createExport(PROJECT, 'srv-region', { durationMs: 800 });
    const ok = await h.track({
      projectId: PROJECT,
      serverId: 'srv-region',
      exportId: sim.exportId,
      region: OTHER_REGION,
      policy: FAST_POLICY,
    });
    expect((await ok.result()).outcome).toBe('completed');
    const refused = await h.track({
      projectId: PROJECT,
      serverId: 'srv-region',
      exportId: sim.exportId,
      region: 'cn-north-4',
      policy: FAST_POLICY,
    });
    expect((await applicationFailure(refused.result())).type).toBe(FailureType.InvalidInput);
    expect(TEST_REGION).not.toBe(OTHER_REGION);
  });

  it('rejects a region that tries to be a host, before any call', async () => {
    const before = h.sim.requests.length;
    const handle = await h.env.client.workflow.start('trackLogExport', {
      taskQueue: h.taskQueue,
      workflowId: `ssrf-${Date.now()}`,
      args: [{ projectId: PROJECT, serverId: 'srv-1', exportId: '1', region: 'evil.example.com/#' }],
    });
    const failure = await applicationFailure(handle.result());
    expect(failure.type).toBe(FailureType.InvalidInput);
    expect(failure.message).toContain('region');
    expect(h.sim.requests.length).toBe(before);
  });

  it('keeps the password and every issued token out of histories and logs', async () => {
    expect(h.sim.identity.issuedTokens.length).toBeGreaterThanOrEqual(3);
    await expectNoSecrets(h, [USER.password, ...h.sim.identity.issuedTokens]);
  });
});
