import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeAuth, endpointFor, loadWorkerConfig } from '../../src/worker/config.js';

const TOKEN = 'tok-5ecr3t-VALUE-never-log-me';
const minimal = { CLOUDDC_REGION: 'cn-east-3', CLOUDDC_AUTH_TOKEN: 't', GIT_REVISION: '0123456789abcdef' };
const deployment = {
  deploymentName: 'clouddc-log-export-tracker',
  buildId: '0.1.0-0123456789ab',
  buildIdLacksRevision: false,
};

/** Runs the loader, expects a ConfigError and returns it. */
function configError(env: NodeJS.ProcessEnv): ConfigError {
  let thrown: unknown;
  try {
    loadWorkerConfig(env);
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(ConfigError);
  return thrown as ConfigError;
}

/** Whether some problem names the variable. */
function names(err: ConfigError, variable: string): boolean {
  return err.problems.some((p) => p.includes(variable)) && err.message.includes(variable);
}

/** The base URL the configuration gives a region. */
function endpointOf(env: NodeJS.ProcessEnv, region = 'cn-east-3'): string {
  return endpointFor(loadWorkerConfig(env).cloudDC.endpointTemplate, region);
}

describe('loadWorkerConfig', () => {
  it('gives the defaults for a minimal environment', () => {
    expect(loadWorkerConfig(minimal)).toEqual({
      temporal: {
        address: 'localhost:7233',
        namespace: 'default',
        taskQueue: 'clouddc-log-exports',
        deployment,
        security: { tls: false },
      },
      archives: { kind: 'directory', directory: './archives' },
      telemetry: { logFormat: 'text', logLevel: 'INFO' },
      cloudDC: {
        region: 'cn-east-3',
        regions: ['cn-east-3'],
        endpointTemplate: 'https://clouddc.{region}.myhuaweicloud.com',
        requestTimeoutMs: 10_000,
        rateLimitPerSecond: 5,
        auth: { scheme: 'token', token: 't' },
      },
    });
  });

  it('derives the default endpoint from the region', () => {
    expect(endpointOf({ ...minimal, CLOUDDC_REGION: 'ap-southeast-3' }, 'ap-southeast-3')).toBe(
      'https://clouddc.ap-southeast-3.myhuaweicloud.com',
    );
  });

  it('reads the Temporal settings', () => {
    const config = loadWorkerConfig({
      ...minimal,
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_NAMESPACE: 'ops',
      TEMPORAL_TASK_QUEUE: 'exports-2',
    });
    expect(config.temporal).toEqual({
      address: 'temporal.internal:7233',
      namespace: 'ops',
      taskQueue: 'exports-2',
      deployment,
      security: { tls: false },
    });
  });

  describe('Worker Versioning', () => {
    it('names the build after the package version and the git revision', () => {
      const { GIT_REVISION: _none, ...withoutRevision } = minimal;
      const fromCheckout = loadWorkerConfig(withoutRevision).temporal.deployment;
      expect(fromCheckout?.buildId).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
      expect(fromCheckout?.buildIdLacksRevision).toBe(false);
    });

    it('takes the deployment and build from the environment', () => {
      const config = loadWorkerConfig({
        ...minimal,
        TEMPORAL_DEPLOYMENT_NAME: 'log-exports/eu',
        TEMPORAL_WORKER_BUILD_ID: '2026.12.06-r2',
      });
      expect(config.temporal.deployment).toEqual({
        deploymentName: 'log-exports/eu',
        buildId: '2026.12.06-r2',
        buildIdLacksRevision: false,
      });
    });

    it('runs unversioned with TEMPORAL_WORKER_VERSIONING=off', () => {
      expect(
        loadWorkerConfig({ ...minimal, TEMPORAL_WORKER_VERSIONING: 'off' }).temporal.deployment,
      ).toBeUndefined();
    });

    it.each([
      ['TEMPORAL_DEPLOYMENT_NAME', 'log.exports'],
      ['TEMPORAL_WORKER_BUILD_ID', 'has space'],
      ['TEMPORAL_WORKER_BUILD_ID', '__unversioned__'],
      ['TEMPORAL_WORKER_VERSIONING', 'maybe'],
    ])('refuses %s=%s, naming it', (variable, value) => {
      expect(names(configError({ ...minimal, [variable]: value }), variable)).toBe(true);
    });
  });

  it('ignores unrelated variables', () => {
    expect(loadWorkerConfig({ ...minimal, PATH: '/usr/bin', HOME: '/root' }).cloudDC.region).toBe(
      'cn-east-3',
    );
  });

  describe('CLOUDDC_ENDPOINT', () => {
    it.each([
      ['https://clouddc.example.com', 'https://clouddc.example.com'],
      ['https://10.0.0.5:8443/api', 'https://10.0.0.5:8443/api'],
      ['http://127.0.0.1:8080', 'http://127.0.0.1:8080'],
      ['http://localhost', 'http://localhost'],
      ['http://localhost:3000', 'http://localhost:3000'],
      ['http://[::1]:9', 'http://[::1]:9'],
    ])('accepts %s', (endpoint, expected) => {
      expect(loadWorkerConfig({ ...minimal, CLOUDDC_ENDPOINT: endpoint }).cloudDC.endpointTemplate).toBe(
        expected,
      );
    });

    it.each([
      ['https://clouddc.example.com/', 'https://clouddc.example.com'],
      ['https://clouddc.example.com/v1/', 'https://clouddc.example.com/v1'],
      ['http://127.0.0.1:8080/', 'http://127.0.0.1:8080'],
    ])('removes the trailing slash of %s', (endpoint, expected) => {
      expect(loadWorkerConfig({ ...minimal, CLOUDDC_ENDPOINT: endpoint }).cloudDC.endpointTemplate).toBe(
        expected,
      );
    });

    it.each([['http://clouddc.example.com'], ['http://10.0.0.5:8080'], ['http://localhost.evil.com']])(
      'rejects plain http to the non-loopback host %s',
      (endpoint) => {
        const err = configError({ ...minimal, CLOUDDC_ENDPOINT: endpoint });
        expect(names(err, 'CLOUDDC_ENDPOINT')).toBe(true);
      },
    );

    it.each([['not a url'], ['clouddc.example.com'], ['ftp://clouddc.example.com']])(
      'rejects %s',
      (endpoint) => {
        expect(names(configError({ ...minimal, CLOUDDC_ENDPOINT: endpoint }), 'CLOUDDC_ENDPOINT')).toBe(true);
      },
    );

    it('treats an empty endpoint as unset', () => {
      expect(endpointOf({ ...minimal, CLOUDDC_ENDPOINT: '' })).toBe(
        'https://clouddc.cn-east-3.myhuaweicloud.com',
      );
    });

    it('may name the region with {region}', () => {
      const env = { ...minimal, CLOUDDC_ENDPOINT: 'https://clouddc.{region}.internal.example/' };
      expect(endpointOf(env, 'cn-south-1')).toBe('https://clouddc.cn-south-1.internal.example');
    });
  });

  describe('CLOUDDC_REQUEST_TIMEOUT', () => {
    it('reads "3s" as 3000 ms', () => {
      expect(loadWorkerConfig({ ...minimal, CLOUDDC_REQUEST_TIMEOUT: '3s' }).cloudDC.requestTimeoutMs).toBe(
        3_000,
      );
    });

    it('rejects a malformed timeout', () => {
      expect(
        names(configError({ ...minimal, CLOUDDC_REQUEST_TIMEOUT: 'abc' }), 'CLOUDDC_REQUEST_TIMEOUT'),
      ).toBe(true);
    });
  });

  describe('logs and metrics', () => {
    it('reads the log format, level and metrics address', () => {
      expect(
        loadWorkerConfig({
          ...minimal,
          LOG_FORMAT: 'json',
          LOG_LEVEL: 'debug',
          METRICS_ADDRESS: '0.0.0.0:9464',
        }).telemetry,
      ).toEqual({ logFormat: 'json', logLevel: 'DEBUG', metricsAddress: '0.0.0.0:9464' });
    });

    it.each([
      ['LOG_FORMAT', 'xml'],
      ['LOG_LEVEL', 'loud'],
      ['METRICS_ADDRESS', 'http://0.0.0.0:9464'],
    ])('rejects %s=%j, naming it', (name, value) => {
      expect(names(configError({ ...minimal, [name]: value }), name)).toBe(true);
    });
  });

  describe('rate limits', () => {
    it('reads CLOUDDC_RATE_LIMIT, the task-queue cap and the workflow cache size', () => {
      const config = loadWorkerConfig({
        ...minimal,
        CLOUDDC_RATE_LIMIT: '2.5',
        TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: '40',
        TEMPORAL_MAX_CACHED_WORKFLOWS: '500',
      });
      expect(config.cloudDC.rateLimitPerSecond).toBe(2.5);
      expect(config.temporal.taskQueueActivitiesPerSecond).toBe(40);
      expect(config.temporal.maxCachedWorkflows).toBe(500);
      expect(
        names(
          configError({ ...minimal, TEMPORAL_MAX_CACHED_WORKFLOWS: '1.5' }),
          'TEMPORAL_MAX_CACHED_WORKFLOWS',
        ),
      ).toBe(true);
    });

    it('takes a workflow bundle made ahead of time, and refuses a path that names no file', () => {
      const bundle = fileURLToPath(import.meta.url);
      expect(
        loadWorkerConfig({ ...minimal, TEMPORAL_WORKFLOW_BUNDLE: bundle }).temporal.workflowBundlePath,
      ).toBe(bundle);
      expect(loadWorkerConfig(minimal).temporal.workflowBundlePath).toBeUndefined();
      expect(
        names(
          configError({ ...minimal, TEMPORAL_WORKFLOW_BUNDLE: '/no/such/workflow-bundle.js' }),
          'TEMPORAL_WORKFLOW_BUNDLE',
        ),
      ).toBe(true);
    });

    it.each(['0', '-1', 'fast', '1e9'])('rejects %j, naming the variable', (value) => {
      expect(names(configError({ ...minimal, CLOUDDC_RATE_LIMIT: value }), 'CLOUDDC_RATE_LIMIT')).toBe(true);
      expect(
        names(
          configError({ ...minimal, TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: value }),
          'TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND',
        ),
      ).toBe(true);
    });
  });

  describe('problems', () => {
    it('names a missing region', () => {
      const err = configError({ CLOUDDC_AUTH_TOKEN: 't' });
      expect(names(err, 'CLOUDDC_REGION')).toBe(true);
      expect(err.problems).toHaveLength(1);
    });

    it('names every scheme when no credentials are set', () => {
      const err = configError({ CLOUDDC_REGION: 'cn-east-3' });
      for (const variable of [
        'CLOUDDC_AUTH_TOKEN',
        'CLOUDDC_ACCESS_KEY',
        'CLOUDDC_SECRET_KEY',
        'CLOUDDC_IAM_USERNAME',
      ]) {
        expect(names(err, variable)).toBe(true);
      }
      expect(err.problems).toHaveLength(1);
    });

    it('rejects a region that is not a region name', () => {
      for (const region of ['https://evil.example', 'cn-east-3.evil.com', '../x']) {
        expect(names(configError({ ...minimal, CLOUDDC_REGION: region }), 'CLOUDDC_REGION')).toBe(true);
      }
    });

    it('lists the missing region and token at once', () => {
      const err = configError({});
      expect(names(err, 'CLOUDDC_REGION')).toBe(true);
      expect(names(err, 'CLOUDDC_AUTH_TOKEN')).toBe(true);
    });

    it('lists every problem at once: missing region, missing token and a bad endpoint', () => {
      const err = configError({ CLOUDDC_ENDPOINT: 'http://clouddc.example.com' });
      expect(err.name).toBe('ConfigError');
      expect(names(err, 'CLOUDDC_REGION')).toBe(true);
      expect(names(err, 'CLOUDDC_AUTH_TOKEN')).toBe(true);
      expect(names(err, 'CLOUDDC_ENDPOINT')).toBe(true);
    });

    it('lists a bad timeout together with a bad endpoint', () => {
      const err = configError({
        ...minimal,
        CLOUDDC_REQUEST_TIMEOUT: 'abc',
        CLOUDDC_ENDPOINT: 'http://clouddc.example.com',
      });
      expect(names(err, 'CLOUDDC_REQUEST_TIMEOUT')).toBe(true);
      expect(names(err, 'CLOUDDC_ENDPOINT')).toBe(true);
    });

    it('treats empty and blank variables as unset', () => {
      const err = configError({ CLOUDDC_REGION: '', CLOUDDC_AUTH_TOKEN: '   ' });
      expect(names(err, 'CLOUDDC_REGION')).toBe(true);
      expect(names(err, 'CLOUDDC_AUTH_TOKEN')).toBe(true);
      const config = loadWorkerConfig({ ...minimal, TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: ' ' });
      expect(config.temporal.address).toBe('localhost:7233');
      expect(config.temporal.namespace).toBe('default');
    });

    it('wants TEMPORAL_ADDRESS as host:port, without a scheme', () => {
      expect(
        names(configError({ ...minimal, TEMPORAL_ADDRESS: 'http://temporal:7233' }), 'TEMPORAL_ADDRESS'),
      ).toBe(true);
      expect(names(configError({ ...minimal, TEMPORAL_ADDRESS: 'temporal' }), 'TEMPORAL_ADDRESS')).toBe(true);
      expect(
        loadWorkerConfig({ ...minimal, TEMPORAL_ADDRESS: 'temporal.internal:7233' }).temporal.address,
      ).toBe('temporal.internal:7233');
      expect(loadWorkerConfig({ ...minimal, TEMPORAL_ADDRESS: '[::1]:7233' }).temporal.address).toBe(
        '[::1]:7233',
      );
    });

    it('never puts the token value in the error', () => {
      const envs: NodeJS.ProcessEnv[] = [
        { CLOUDDC_AUTH_TOKEN: TOKEN },
        { CLOUDDC_AUTH_TOKEN: TOKEN, CLOUDDC_REGION: 'nowhere' },
        { CLOUDDC_AUTH_TOKEN: TOKEN, CLOUDDC_REGION: 'cn-east-3', CLOUDDC_ENDPOINT: 'http://evil.example' },
        { CLOUDDC_AUTH_TOKEN: TOKEN, CLOUDDC_REGION: 'cn-east-3', CLOUDDC_REQUEST_TIMEOUT: 'soon' },
        { CLOUDDC_AUTH_TOKEN: TOKEN, CLOUDDC_REGION: 'cn-east-3', CLOUDDC_ENDPOINT: 'https://u:p@h.example' },
      ];
      for (const env of envs) {
        const err = configError(env);
        expect(err.problems.length).toBeGreaterThan(0);
        expect(err.message).not.toContain(TOKEN);
        expect(String(err)).not.toContain(TOKEN);
        expect(err.problems.join('\n')).not.toContain(TOKEN);
      }
    });
  });

  describe('credentials (exactly one scheme)', () => {
    const region = { CLOUDDC_REGION: 'cn-east-3' };
    const aksk = { CLOUDDC_ACCESS_KEY: 'AKEXAMPLE', CLOUDDC_SECRET_KEY: 'sk-secret-value' };
    const iam = {
      CLOUDDC_IAM_USERNAME: 'ops-bot',
      CLOUDDC_IAM_PASSWORD: 'pw-secret-value',
      CLOUDDC_IAM_DOMAIN: 'acme',
    };

    it('reads AK/SK, with a security token for temporary credentials', () => {
      expect(loadWorkerConfig({ ...region, ...aksk }).cloudDC.auth).toEqual({
        scheme: 'aksk',
        accessKey: 'AKEXAMPLE',
        secretKey: 'sk-secret-value',
      });
      expect(
        loadWorkerConfig({ ...region, ...aksk, CLOUDDC_SECURITY_TOKEN: 'st' }).cloudDC.auth,
      ).toMatchObject({
        securityToken: 'st',
      });
    });

    it('reads IAM password credentials, with the IAM endpoint defaulting to the region', () => {
      const { auth } = loadWorkerConfig({ ...region, ...iam }).cloudDC;
      expect(auth).toEqual({
        scheme: 'iam',
        ...{ username: 'ops-bot', password: 'pw-secret-value', domain: 'acme' },
        endpointTemplate: 'https://iam.{region}.myhuaweicloud.com',
      });
      const local = loadWorkerConfig({ ...region, ...iam, CLOUDDC_IAM_ENDPOINT: 'http://127.0.0.1:9000/' })
        .cloudDC.auth;
      expect(local).toMatchObject({ endpointTemplate: 'http://127.0.0.1:9000' });
    });

    it('accepts plain http for IAM only on loopback', () => {
      const err = configError({ ...region, ...iam, CLOUDDC_IAM_ENDPOINT: 'http://iam.example.com' });
      expect(names(err, 'CLOUDDC_IAM_ENDPOINT')).toBe(true);
    });

    it.each([
      ['AK/SK and a token', { ...aksk, CLOUDDC_AUTH_TOKEN: 't' }],
      ['IAM and AK/SK', { ...iam, ...aksk }],
      [
        'a token and a lone IAM endpoint',
        { CLOUDDC_AUTH_TOKEN: 't', CLOUDDC_IAM_ENDPOINT: 'https://iam.example.com' },
      ],
    ])('refuses %s together, naming both', (_, env) => {
      const err = configError({ ...region, ...env });
      expect(err.problems).toHaveLength(1);
      expect(err.problems[0]).toContain('more than one scheme');
      for (const variable of Object.keys(env)) expect(names(err, variable)).toBe(true);
    });

    it.each([
      ['an access key without its secret', { CLOUDDC_ACCESS_KEY: 'AK' }, ['CLOUDDC_SECRET_KEY']],
      [
        'a security token alone',
        { CLOUDDC_SECURITY_TOKEN: 'st' },
        ['CLOUDDC_ACCESS_KEY', 'CLOUDDC_SECRET_KEY'],
      ],
      [
        'an IAM user without password and domain',
        { CLOUDDC_IAM_USERNAME: 'u' },
        ['CLOUDDC_IAM_PASSWORD', 'CLOUDDC_IAM_DOMAIN'],
      ],
    ])('names what is missing for %s', (_, env, missing) => {
      const err = configError({ ...region, ...env });
      for (const variable of missing) expect(names(err, variable)).toBe(true);
    });

    it.each([
      ['CLOUDDC_AUTH_TOKEN', { CLOUDDC_AUTH_TOKEN: 'tok-secret\n' }],
      ['CLOUDDC_ACCESS_KEY', { ...aksk, CLOUDDC_ACCESS_KEY: 'AK EXAMPLE' }],
      ['CLOUDDC_SECURITY_TOKEN', { ...aksk, CLOUDDC_SECURITY_TOKEN: 'st-secret\r\nmore' }],
    ])('refuses %s that cannot go in a header, without quoting it', (variable, env) => {
      const err = configError({ ...region, ...env });
      expect(names(err, variable)).toBe(true);
      expect(err.message).toContain('single line of printable ASCII');
      expect(err.message).not.toContain('secret');
    });

    it('describes the scheme without any secret', () => {
      const env = { ...region, ...aksk, CLOUDDC_SECURITY_TOKEN: 'st-secret' };
      const described = [
        describeAuth(loadWorkerConfig(env).cloudDC.auth),
        describeAuth(loadWorkerConfig({ ...region, ...iam }).cloudDC.auth),
        describeAuth(loadWorkerConfig({ ...region, CLOUDDC_AUTH_TOKEN: TOKEN }).cloudDC.auth),
      ];
      expect(described[0]).toContain('AK/SK');
      expect(described[1]).toContain('ops-bot');
      for (const text of described) {
        for (const secret of ['sk-secret-value', 'st-secret', 'pw-secret-value', TOKEN])
          expect(text).not.toContain(secret);
      }
    });

    it('never puts a secret key or password in the error', () => {
      for (const env of [
        { ...aksk, CLOUDDC_AUTH_TOKEN: TOKEN },
        { ...iam, CLOUDDC_REGION: 'nowhere' },
        { ...iam, ...aksk },
      ]) {
        const text = configError(env).message;
        for (const secret of ['sk-secret-value', 'pw-secret-value', TOKEN])
          expect(text).not.toContain(secret);
      }
    });
  });

  describe('CLOUDDC_REGIONS', () => {
    it('allows the default region alone unless more are listed', () => {
      expect(loadWorkerConfig(minimal).cloudDC.regions).toEqual(['cn-east-3']);
      expect(
        loadWorkerConfig({ ...minimal, CLOUDDC_REGIONS: 'ap-southeast-3, cn-south-1' }).cloudDC.regions,
      ).toEqual(['cn-east-3', 'ap-southeast-3', 'cn-south-1']);
    });

    it('rejects anything that is not a region name', () => {
      const err = configError({ ...minimal, CLOUDDC_REGIONS: 'cn-south-1,evil.example.com' });
      expect(names(err, 'CLOUDDC_REGIONS')).toBe(true);
    });
  });
});

describe('the archive store', () => {
  const archives = (env: NodeJS.ProcessEnv) => loadWorkerConfig({ ...minimal, ...env }).archives;

  it('is an OBS bucket in the worker region, signed with the CloudDC AK/SK when it has no keys of its own', () => {
    expect(
      loadWorkerConfig({
        CLOUDDC_REGION: 'ap-southeast-3',
        CLOUDDC_ACCESS_KEY: 'AK1',
        CLOUDDC_SECRET_KEY: 'SK1',
        CLOUDDC_ARCHIVE_URL: 'obs://ops-logs/clouddc/nightly/',
      }).archives,
    ).toEqual({
      kind: 'object-store',
      scheme: 'obs',
      bucket: 'ops-logs',
      prefix: 'clouddc/nightly',
      endpoint: 'https://obs.ap-southeast-3.myhuaweicloud.com',
      region: 'ap-southeast-3',
      forcePathStyle: false,
      credentials: { accessKeyId: 'AK1', secretAccessKey: 'SK1' },
      credentialsFrom: 'CLOUDDC_ACCESS_KEY (the CloudDC AK/SK)',
    });
  });

  it('is any S3-compatible store at an endpoint, by path, with keys of its own', () => {
    expect(
      archives({
        CLOUDDC_ARCHIVE_URL: 's3://archives',
        CLOUDDC_ARCHIVE_ENDPOINT: 'http://127.0.0.1:9000/',
        CLOUDDC_ARCHIVE_ACCESS_KEY: 'minio',
        CLOUDDC_ARCHIVE_SECRET_KEY: 'minio-secret',
      }),
    ).toEqual({
      kind: 'object-store',
      scheme: 's3',
      bucket: 'archives',
      prefix: '',
      endpoint: 'http://127.0.0.1:9000',
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: 'minio', secretAccessKey: 'minio-secret' },
      credentialsFrom: 'CLOUDDC_ARCHIVE_ACCESS_KEY',
    });
  });

  it("leaves AWS S3 to the SDK's own endpoint and credential chain", () => {
    expect(archives({ CLOUDDC_ARCHIVE_URL: 's3://b-1/x', CLOUDDC_ARCHIVE_REGION: 'eu-west-1' })).toEqual({
      kind: 'object-store',
      scheme: 's3',
      bucket: 'b-1',
      prefix: 'x',
      region: 'eu-west-1',
      forcePathStyle: false,
      credentialsFrom: "the AWS SDK's default chain",
    });
  });

  it.each([
    [{ CLOUDDC_ARCHIVE_URL: 'https://bucket/x' }, 'CLOUDDC_ARCHIVE_URL'],
    [{ CLOUDDC_ARCHIVE_URL: 's3://UPPER/x' }, 'CLOUDDC_ARCHIVE_URL'],
    [{ CLOUDDC_ARCHIVE_URL: 's3://b-1/../x' }, 'CLOUDDC_ARCHIVE_URL'],
    [{ CLOUDDC_ARCHIVE_URL: 's3://b-1', CLOUDDC_ARCHIVE_DIR: '/data' }, 'CLOUDDC_ARCHIVE_DIR'],
    [{ CLOUDDC_ARCHIVE_ENDPOINT: 'http://127.0.0.1:9000' }, 'CLOUDDC_ARCHIVE_URL'],
    [
      { CLOUDDC_ARCHIVE_URL: 's3://b-1', CLOUDDC_ARCHIVE_ENDPOINT: 'http://minio.internal:9000' },
      'CLOUDDC_ARCHIVE_ENDPOINT',
    ],
    [{ CLOUDDC_ARCHIVE_URL: 's3://b-1', CLOUDDC_ARCHIVE_ACCESS_KEY: 'a' }, 'CLOUDDC_ARCHIVE_SECRET_KEY'],
    [{ CLOUDDC_ARCHIVE_URL: 's3://b-1', CLOUDDC_ARCHIVE_PATH_STYLE: 'yes' }, 'CLOUDDC_ARCHIVE_PATH_STYLE'],
  ])('refuses %o, naming %s', (env, variable) => {
    expect(names(configError({ ...minimal, ...env }), variable)).toBe(true);
  });

  it('never shows the store secret in a configuration error', () => {
    const err = configError({
      ...minimal,
      CLOUDDC_ARCHIVE_URL: 's3://b-1',
      CLOUDDC_ARCHIVE_SECRET_KEY: 'store-secret-value',
    });
    expect(names(err, 'CLOUDDC_ARCHIVE_ACCESS_KEY')).toBe(true);
    expect(err.message).not.toContain('store-secret-value');
  });
});
