import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { akskAuth } from '../../src/activities/auth/aksk-auth.js';
import { iamTokenAuth } from '../../src/activities/auth/iam-token-auth.js';
import { CredentialsError } from '../../src/activities/auth/index.js';
import { staticTokenAuth } from '../../src/activities/auth/static-token.js';
import { createCloudDCClient } from '../../src/activities/clouddc/client.js';
import { CloudDCApiError } from '../../src/activities/clouddc/errors.js';
import { CloudDCSimulator } from '../../src/simulator/server.js';
import { waitFor } from '../helpers/harness.js';

const AK = 'AKSIMEXAMPLE0001';
const SK = 'sk-simulator-secret-0001';
const TEMP = {
  accessKey: 'AKTEMPORARY0002',
  secretKey: 'sk-temporary-0002',
  securityToken: 'st-temporary-token-0002',
};
const USER = { username: 'ops-bot', password: 'pw-ops-bot-0003', domain: 'acme' };
const REGION = 'cn-east-3';

let sim: CloudDCSimulator;
beforeAll(async () => {
  sim = await CloudDCSimulator.start({
    accessKeys: [{ accessKey: AK, secretKey: SK }, TEMP],
    iamUsers: [USER],
    tokenLifetimeMs: 60_000,
  });
});
afterAll(async () => {
  await sim?.close();
});

const target = () => ({ endpoint: sim.url, region: REGION });

function newExport() {
  const record = sim.createExport('p-auth', 's-1', { durationMs: 60_000 });
  return { ref: { projectId: 'p-auth', serverId: 's-1', exportId: record.exportId }, record };
}

describe('AK/SK signing against the simulated gateway', () => {
  it('is accepted, with X-Sdk-Date and X-Project-Id sent', async () => {
    const { ref } = newExport();
    const client = createCloudDCClient({
      auth: akskAuth({ accessKey: AK, secretKey: SK }),
      timeoutMs: 2_000,
    });
    expect((await client.showLogsExportStatus(target(), ref)).status).toBe('processing');
    const [request] = sim.statusRequests(ref);
    expect(request).toMatchObject({ status: 200, auth: 'aksk' });
    expect(request?.sdkDate).toMatch(/^\d{8}T\d{6}Z$/);
  });

  it('accepts temporary credentials with their security token', async () => {
    const { ref } = newExport();
    const client = createCloudDCClient({ auth: akskAuth(TEMP), timeoutMs: 2_000 });
    await client.showLogsExportStatus(target(), ref);
    expect(sim.statusRequests(ref)[0]).toMatchObject({ status: 200, auth: 'aksk' });
  });

  it('is refused with a wrong secret key, after exactly one retry', async () => {
    const { ref } = newExport();
    const client = createCloudDCClient({
      auth: akskAuth({ accessKey: AK, secretKey: 'wrong' }),
      timeoutMs: 2_000,
    });
    const err = (await client
      .showLogsExportStatus(target(), ref)
      .catch((e: unknown) => e)) as CloudDCApiError;
    expect(err.info).toMatchObject({ kind: 'unauthorized', errorCode: 'APIGW.0301' });
    expect(err.info.errorMsg).toContain('verify aksk signature fail');
    expect(sim.statusRequests(ref)).toHaveLength(2);
  });

  it.each([
    [14 * 60_000, 200],
    [-14 * 60_000, 200],
    [16 * 60_000, 401],
    [-16 * 60_000, 401],
  ])('with the worker clock %i ms off, the gateway answers %i (15-minute window)', async (skew, status) => {
    const { ref } = newExport();
    const auth = akskAuth({ accessKey: AK, secretKey: SK }, () => Date.now() + skew);
    const client = createCloudDCClient({ auth, timeoutMs: 2_000 });
    await client.showLogsExportStatus(target(), ref).catch(() => undefined);
    expect(sim.statusRequests(ref)[0]?.status).toBe(status);
  });

  it('signs every send afresh: the retry after a 401 carries a new X-Sdk-Date', async () => {
    const { ref } = newExport();
    sim.injectFaults({ fault: { kind: 'status', status: 401 }, path: `/exports/${ref.exportId}$` });
    let clock = Date.UTC(2026, 10, 27, 12, 0, 0);
    const auth = akskAuth({ accessKey: AK, secretKey: SK }, () => {
      clock += 5_000;
      return clock;
    });
    await createCloudDCClient({ auth, timeoutMs: 2_000 })
      .showLogsExportStatus(target(), ref)
      .catch(() => undefined);
    const [first, second] = sim.statusRequests(ref);
    expect(first?.sdkDate).toBeDefined();
    expect(second?.sdkDate).toBeDefined();
    expect(second?.sdkDate).not.toBe(first?.sdkDate);
  });
});

describe('IAM tokens', () => {
  const ctx = { projectId: 'p-iam', region: REGION };
  const auth = (overrides: Partial<Parameters<typeof iamTokenAuth>[0]> = {}) =>
    iamTokenAuth({ credentials: USER, iamEndpointFor: () => sim.url, timeoutMs: 2_000, ...overrides });

  it('fetches one token for a thousand requests that need it at the same moment', async () => {
    const before = sim.identity.tokenRequests;
    const iam = auth();
    const requests = Array.from({ length: 1_000 }, () => new Request(`${sim.url}/v1/p-iam/physicalservers`));
    await Promise.all(requests.map((request) => iam.authorize(request, ctx)));
    expect(sim.identity.tokenRequests - before).toBe(1);
    const tokens = new Set(requests.map((r) => r.headers.get('X-Auth-Token')));
    expect(tokens.size).toBe(1);
    expect(sim.identity.issuedTokens).toContain([...tokens][0]);
  });

  it('keeps one token per project', async () => {
    const before = sim.identity.tokenRequests;
    const iam = auth();
    const a = new Request(sim.url);
    const b = new Request(sim.url);
    await iam.authorize(a, { projectId: 'p-one', region: REGION });
    await iam.authorize(b, { projectId: 'p-two', region: REGION });
    await iam.authorize(new Request(sim.url), { projectId: 'p-one', region: REGION });
    expect(sim.identity.tokenRequests - before).toBe(2);
    expect(a.headers.get('X-Auth-Token')).not.toBe(b.headers.get('X-Auth-Token'));
  });

  it('renews a token in the background at 80 % of its lifetime, serving the old one meanwhile', async () => {
    let clock = Date.now();
    const iam = auth({ now: () => clock });
    const before = sim.identity.tokenRequests;
    const first = new Request(sim.url);
    await iam.authorize(first, ctx);
    clock += 30_000;
    await iam.authorize(new Request(sim.url), ctx);
    expect(sim.identity.tokenRequests - before).toBe(1);
    clock += 20_000; // 50 s of a 60 s lifetime: past the 80 % mark, not yet expired
    const during = new Request(sim.url);
    await iam.authorize(during, ctx);
    expect(during.headers.get('X-Auth-Token')).toBe(first.headers.get('X-Auth-Token'));
    await waitFor(() => (sim.identity.tokenRequests - before === 2 ? true : undefined), {
      what: 'the background renewal',
    });
    const after = new Request(sim.url);
    await waitFor(
      async () => {
        await iam.authorize(after, ctx);
        return after.headers.get('X-Auth-Token') !== first.headers.get('X-Auth-Token') ? true : undefined;
      },
      { what: 'the renewed token in use' },
    );
    expect(sim.identity.tokenRequests - before).toBe(2);
  });

  it('drops a refused token once, however many requests report it, and fetches one new token', async () => {
    const iam = auth();
    const before = sim.identity.tokenRequests;
    const rejected = new Request(sim.url);
    await iam.authorize(rejected, ctx);
    await Promise.all([iam.reauthenticate(ctx, rejected), iam.reauthenticate(ctx, rejected)]);
    const retried = [new Request(sim.url), new Request(sim.url)];
    await Promise.all(retried.map((r) => iam.authorize(r, ctx)));
    expect(sim.identity.tokenRequests - before).toBe(2);
    expect(retried[0]?.headers.get('X-Auth-Token')).not.toBe(rejected.headers.get('X-Auth-Token'));
    // A late 401 for the old token does not throw away the new one.
    await iam.reauthenticate(ctx, rejected);
    await iam.authorize(new Request(sim.url), ctx);
    expect(sim.identity.tokenRequests - before).toBe(2);
  });

  it('never falls back to a refused token while IAM is down', async () => {
    const iam = auth();
    const rejected = new Request(sim.url);
    await iam.authorize(rejected, ctx);
    await iam.reauthenticate(ctx, rejected);
    sim.injectFaults({ fault: { kind: 'status', status: 503 }, path: '^/v3/auth/tokens$' });
    const err = (await iam.authorize(new Request(sim.url), ctx).catch((e: unknown) => e)) as CredentialsError;
    expect(err).toBeInstanceOf(CredentialsError);
    expect(err.problem).toBe('iam-unavailable');
  });

  it('replaces a token the API refuses right after it was fetched (client, end to end)', async () => {
    const { ref } = newExport();
    sim.injectFaults({ fault: { kind: 'status', status: 401 }, path: `/exports/${ref.exportId}$` });
    const before = sim.identity.tokenRequests;
    const client = createCloudDCClient({ auth: auth(), timeoutMs: 2_000 });
    expect((await client.showLogsExportStatus(target(), ref)).status).toBe('processing');
    expect(sim.statusRequests(ref).map((r) => r.status)).toEqual([401, 200]);
    expect(sim.identity.tokenRequests - before).toBe(2);
  });

  it('gives up waiting for a hanging IAM when the request is aborted', async () => {
    sim.injectFaults({ fault: { kind: 'delay', ms: 3_000 }, path: '^/v3/auth/tokens$' });
    const { ref } = newExport();
    const client = createCloudDCClient({ auth: auth({ timeoutMs: 10_000 }), timeoutMs: 10_000 });
    const started = Date.now();
    const err = (await client
      .showLogsExportStatus(target(), ref, { signal: AbortSignal.timeout(200) })
      .catch((e: unknown) => e)) as CloudDCApiError;
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(err.info.kind).toBe('iam-unavailable');
    expect(sim.statusRequests(ref)).toHaveLength(0);
  });

  it('reports refused credentials as a permanent error naming IAM, without the password', async () => {
    const iam = auth({ credentials: { ...USER, password: 'wrong-password' } });
    const err = (await iam.authorize(new Request(sim.url), ctx).catch((e: unknown) => e)) as CredentialsError;
    expect(err).toBeInstanceOf(CredentialsError);
    expect(err.problem).toBe('iam-refused');
    expect(err.message).toContain('IAM');
    expect(err.message).toContain('HTTP 401');
    expect(err.message).toContain('The username or password is wrong.');
    expect(err.message).not.toContain('wrong-password');
  });

  it('reports IAM being unavailable as a transient error, typed as IAM by the client', async () => {
    sim.injectFaults({ fault: { kind: 'status', status: 503 }, path: '^/v3/auth/tokens$' });
    const iam = auth();
    const err = (await iam.authorize(new Request(sim.url), ctx).catch((e: unknown) => e)) as CredentialsError;
    expect(err.problem).toBe('iam-unavailable');
    sim.injectFaults({ fault: { kind: 'drop' }, path: '^/v3/auth/tokens$' });
    const { ref } = newExport();
    const client = createCloudDCClient({ auth: auth(), timeoutMs: 2_000 });
    const clientErr = (await client
      .showLogsExportStatus(target(), ref)
      .catch((e: unknown) => e)) as CloudDCApiError;
    expect(clientErr).toBeInstanceOf(CloudDCApiError);
    expect(clientErr.info.kind).toBe('iam-unavailable');
    expect(clientErr.message).toContain('IAM');
    expect(sim.statusRequests(ref)).toHaveLength(0);
  });
});

describe('credentials that cannot go in a header', () => {
  it('are reported with a fixed message that does not quote them', async () => {
    const { ref } = newExport();
    const secret = 'line-one\nline-two-secret';
    const client = createCloudDCClient({ auth: staticTokenAuth(secret), timeoutMs: 2_000 });
    const err = (await client
      .showLogsExportStatus(target(), ref)
      .catch((e: unknown) => e)) as CloudDCApiError;
    expect(err.info.kind).toBe('unauthorized');
    expect(err.message).toContain('could not be put on the request');
    expect(err.message).not.toContain('line-two-secret');
  });
});
