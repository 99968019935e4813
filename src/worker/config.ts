import { existsSync } from 'node:fs';
import { z } from 'zod';
import type { ArchiveStoreConfig } from '../activities/archive/archive-sink-from.js';
import {
  readTemporalSecurity,
  TEMPORAL_SECRET_VARIABLES,
  type TemporalSecurity,
} from '../client/temporal-connection.js';
import { readTracingSettings, TRACING_SECRET_VARIABLES } from '../client/tracing.js';
import {
  DEFAULT_NEXUS_ENDPOINT,
  DEFAULT_TASK_QUEUE,
  durationSchema,
  REGION_PATTERN,
} from '../contract/index.js';
import { defaultBuildId } from '../worker-deployment/build-id.js';
import { DEFAULT_DEPLOYMENT_NAME, type DeploymentVersion } from '../worker-deployment/contract.js';
import type { TelemetryConfig } from './telemetry.js';

/** One of the three ways to authenticate to CloudDC; exactly one is configured. */
export type AuthConfig =
  | { scheme: 'token'; token: string }
  | { scheme: 'aksk'; accessKey: string; secretKey: string; securityToken?: string }
  | { scheme: 'iam'; username: string; password: string; domain: string; endpointTemplate: string };

/** The worker's configuration, read from its environment only: secrets never travel in workflow inputs. */
export interface WorkerConfig {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    /** Activities per second the server hands out on the task queue, across all its workers. */
    taskQueueActivitiesPerSecond?: number;
    /** Trackers kept in memory between their workflow tasks; the rest are replayed when they wake. */
    maxCachedWorkflows?: number;
    /** A workflow bundle made ahead of time, instead of bundling the workflows at start. */
    workflowBundlePath?: string;
    /**
     * The Worker Deployment build this worker is, its trackers and collections pinned to it; unset
     * with `TEMPORAL_WORKER_VERSIONING=off` (a server without Worker Deployments).
     */
    deployment?: DeploymentVersion & { buildIdLacksRevision: boolean };
    /** TLS and API key, for a secured cluster or Temporal Cloud. */
    security: TemporalSecurity;
  };
  /** Where downloaded archives go. */
  archives: ArchiveStoreConfig;
  telemetry: TelemetryConfig;
  cloudDC: {
    /** Used when a workflow input names no region. */
    region: string;
    /** Regions inputs may name (the default region included); anything else is refused. */
    regions: string[];
    /** Base URL; `{region}` stands for the region. */
    endpointTemplate: string;
    /** Per HTTP request, body included. */
    requestTimeoutMs: number;
    /**
     * The gateway's quota: requests per second to each project, for the whole deployment (held by
     * Temporal's task queue, or by each worker where the server cannot).
     */
    rateLimitPerSecond: number;
    auth: AuthConfig;
  };
}

export class ConfigError extends Error {
  readonly problems: string[];
  constructor(problems: string[]) {
    super(`Invalid worker configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** The base URL for a region from a template such as `https://clouddc.{region}.myhuaweicloud.com`. */
export function endpointFor(template: string, region: string): string {
  return template.replaceAll('{region}', region).replace(/\/+$/, '');
}

/** What the worker says about its credentials at start-up: the scheme, never a secret. */
export function describeAuth(auth: AuthConfig): string {
  switch (auth.scheme) {
    case 'token':
      return 'static IAM token (CLOUDDC_AUTH_TOKEN)';
    case 'aksk':
      return `AK/SK signing, SDK-HMAC-SHA256${auth.securityToken ? ' with temporary credentials' : ''}`;
    case 'iam':
      return `IAM tokens for user ${auth.username} of domain ${auth.domain} from ${auth.endpointTemplate}`;
  }
}

/**
 * Requests per second to one project. Five a second keeps well under the per-user throttles API
 * gateways are usually configured with (tens per second) and, spread by the adaptive policy,
 * covers hundreds of running exports per project at the default maxInterval of 5 minutes. A 429
 * of the gateway lowers it further on its own.
 */
export const DEFAULT_RATE_LIMIT_PER_SECOND = 5;

const DEFAULT_CLOUDDC_ENDPOINT = 'https://clouddc.{region}.myhuaweicloud.com';
const DEFAULT_IAM_ENDPOINT = 'https://iam.{region}.myhuaweicloud.com';
const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/;
const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

const nonEmpty = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, { error: `is required (${what})` });
const perSecond = (what: string) =>
  z.coerce
    .number({ error: `must be a number (${what})` })
    .positive({ error: `must be more than 0 (${what})` })
    .max(10_000, { error: `must be at most 10000 (${what})` });
const regionName = z.string().regex(REGION_PATTERN, { error: 'must be a region name such as cn-east-3' });
const regionOrAwsName = z
  .string()
  .regex(/^[a-z]{2}(-[a-z0-9]+){1,3}$/, { error: 'must be a region name such as cn-east-3 or us-east-1' });
/** `obs://bucket` or `s3://bucket`, optionally followed by a prefix of plain path segments: scheme, bucket, prefix. */
const ARCHIVE_URL =
  /^(obs|s3):\/\/([a-z0-9][a-z0-9.-]{1,61}[a-z0-9])((?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*)\/?$/;

const temporalEnvSchema = z.object({
  TEMPORAL_ADDRESS: nonEmpty('host:port of the Temporal frontend')
    .regex(HOST_PORT, { error: 'must be host:port, e.g. localhost:7233 (no scheme)' })
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: nonEmpty('Temporal namespace').default('default'),
});

/** What the namespace set-up (`npm run search-attributes`) needs beside the connection: the budget's place and size. */
const budgetEnvSchema = temporalEnvSchema.extend({
  TEMPORAL_TASK_QUEUE: nonEmpty('task queue').default(DEFAULT_TASK_QUEUE),
  CLOUDDC_RATE_LIMIT: perSecond('requests per second to each project').default(DEFAULT_RATE_LIMIT_PER_SECOND),
});

/** Nexus endpoint names: what the server accepts (a letter first, then letters, digits, `-` and `_`). */
const endpointName = z
  .string()
  .trim()
  .regex(/^[a-zA-Z][a-zA-Z0-9_-]{0,199}$/, 'a letter, then letters, digits, - or _ (at most 200)');

const namespaceSetupEnvSchema = budgetEnvSchema.extend({
  CLOUDDC_NEXUS_ENDPOINT: endpointName.default(DEFAULT_NEXUS_ENDPOINT),
});

const envSchema = budgetEnvSchema.extend({
  CLOUDDC_REGION: nonEmpty('Huawei Cloud region, e.g. cn-east-3').pipe(regionName),
  CLOUDDC_REGIONS: z
    .string()
    .transform((list) =>
      list
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    )
    .pipe(z.array(regionName))
    .optional(),
  CLOUDDC_ARCHIVE_DIR: z.string().trim().min(1).optional(),
  CLOUDDC_ARCHIVE_URL: z
    .string()
    .trim()
    .regex(ARCHIVE_URL, {
      error:
        'must be obs://bucket/prefix or s3://bucket/prefix (a bucket name of 3 to 63 lowercase letters, digits, "." and "-")',
    })
    .optional(),
  CLOUDDC_ARCHIVE_REGION: regionOrAwsName.optional(),
  CLOUDDC_ARCHIVE_PATH_STYLE: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
  LOG_FORMAT: z.enum(['text', 'json'], { error: 'must be text or json' }).default('text'),
  LOG_LEVEL: z
    .string()
    .transform((level) => level.toUpperCase())
    .pipe(
      z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR'], {
        error: 'must be TRACE, DEBUG, INFO, WARN or ERROR',
      }),
    )
    .default('INFO'),
  METRICS_ADDRESS: z.string().regex(HOST_PORT, { error: 'must be host:port, e.g. 0.0.0.0:9464' }).optional(),
  TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND: perSecond('activities per second on the task queue').optional(),
  TEMPORAL_MAX_CACHED_WORKFLOWS: z.coerce
    .number({ error: 'must be a whole number' })
    .int({ error: 'must be a whole number' })
    .min(0, { error: 'must be 0 or more' })
    .optional(),
  TEMPORAL_WORKFLOW_BUNDLE: z
    .string()
    .refine((path) => existsSync(path), { error: 'names no file (a bundle from `npm run build`)' })
    .optional(),
  TEMPORAL_WORKER_VERSIONING: z.enum(['on', 'off'], { error: 'must be on or off' }).default('on'),
  TEMPORAL_DEPLOYMENT_NAME: z
    .string()
    .trim()
    .regex(/^[A-Za-z0-9][A-Za-z0-9_/-]{0,199}$/, {
      error: 'must be letters, digits, "-", "_" or "/" (no "."), at most 200',
    })
    .default(DEFAULT_DEPLOYMENT_NAME),
  TEMPORAL_WORKER_BUILD_ID: z
    .string()
    .trim()
    .regex(/^(?!__)[\x21-\x7e]{1,255}$/, {
      error: 'must be 1 to 255 printable characters without spaces, not starting with "__"',
    })
    .optional(),
  CLOUDDC_REQUEST_TIMEOUT: durationSchema
    .refine((ms) => ms <= 60_000, { error: 'must be at most 60s (a status poll is a small request)' })
    .optional(),
});

const HEADER_SECRETS = ['CLOUDDC_AUTH_TOKEN', 'CLOUDDC_ACCESS_KEY', 'CLOUDDC_SECURITY_TOKEN'];
const PRINTABLE_ASCII = /^[\x21-\x7e]+$/;

/** Every variable that holds a secret, for the worker to drop from its environment once read. */
export const SECRET_VARIABLES = [
  'CLOUDDC_AUTH_TOKEN',
  'CLOUDDC_SECRET_KEY',
  'CLOUDDC_SECURITY_TOKEN',
  'CLOUDDC_IAM_PASSWORD',
  'CLOUDDC_ARCHIVE_SECRET_KEY',
  'CLOUDDC_ARCHIVE_SECURITY_TOKEN',
  ...TEMPORAL_SECRET_VARIABLES,
  ...TRACING_SECRET_VARIABLES,
];

/** Which variables belong to which scheme; `required` ones make it complete. */
const SCHEMES = {
  aksk: {
    label: 'AK/SK',
    required: ['CLOUDDC_ACCESS_KEY', 'CLOUDDC_SECRET_KEY'],
    optional: ['CLOUDDC_SECURITY_TOKEN'],
  },
  iam: {
    label: 'IAM password',
    required: ['CLOUDDC_IAM_USERNAME', 'CLOUDDC_IAM_PASSWORD', 'CLOUDDC_IAM_DOMAIN'],
    optional: ['CLOUDDC_IAM_ENDPOINT'],
  },
  token: { label: 'static token', required: ['CLOUDDC_AUTH_TOKEN'], optional: [] },
} as const;

/** The connection, and the task queue and per-project quota that the namespace set-up writes. */
export function loadNamespaceSetupConfig(rawEnv: NodeJS.ProcessEnv = process.env): Pick<
  WorkerConfig['temporal'],
  'address' | 'namespace' | 'security' | 'taskQueue'
> & {
  rateLimitPerSecond: number;
  /** The Nexus endpoint to route to this namespace and task queue. */
  nexusEndpoint: string;
} {
  const env = withoutBlanks(rawEnv);
  const parsed = namespaceSetupEnvSchema.safeParse(env);
  const problems = parsed.success ? [] : issuesOf(parsed.error);
  const security = readTemporalSecurity(env, problems);
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  return {
    address: parsed.data.TEMPORAL_ADDRESS,
    namespace: parsed.data.TEMPORAL_NAMESPACE,
    security,
    taskQueue: parsed.data.TEMPORAL_TASK_QUEUE,
    rateLimitPerSecond: parsed.data.CLOUDDC_RATE_LIMIT,
    nexusEndpoint: parsed.data.CLOUDDC_NEXUS_ENDPOINT,
  };
}

/** Reads and checks the whole environment at once, so one start-up names every problem. */
export function loadWorkerConfig(rawEnv: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const env = withoutBlanks(rawEnv);
  const parsed = envSchema.safeParse(env);
  const problems = parsed.success ? [] : issuesOf(parsed.error);
  const endpointTemplate = checkEndpoint(
    'CLOUDDC_ENDPOINT',
    env.CLOUDDC_ENDPOINT ?? DEFAULT_CLOUDDC_ENDPOINT,
    problems,
  );
  const auth = readAuth(env, problems);
  const security = readTemporalSecurity(env, problems);
  const tracing = readTracingSettings(env, problems);
  const archives = parsed.success ? readArchiveStore(env, parsed.data, auth, problems) : undefined;
  if (!parsed.success || problems.length > 0 || !auth || !endpointTemplate || !archives)
    throw new ConfigError(problems);
  const data = parsed.data;
  return {
    temporal: {
      address: data.TEMPORAL_ADDRESS,
      namespace: data.TEMPORAL_NAMESPACE,
      taskQueue: data.TEMPORAL_TASK_QUEUE,
      ...(data.TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND
        ? { taskQueueActivitiesPerSecond: data.TEMPORAL_TASK_QUEUE_ACTIVITIES_PER_SECOND }
        : {}),
      ...(data.TEMPORAL_MAX_CACHED_WORKFLOWS !== undefined
        ? { maxCachedWorkflows: data.TEMPORAL_MAX_CACHED_WORKFLOWS }
        : {}),
      ...(data.TEMPORAL_WORKFLOW_BUNDLE ? { workflowBundlePath: data.TEMPORAL_WORKFLOW_BUNDLE } : {}),
      ...(data.TEMPORAL_WORKER_VERSIONING === 'on' ? { deployment: deploymentOf(env, data) } : {}),
      security,
    },
    archives,
    telemetry: {
      logFormat: data.LOG_FORMAT,
      logLevel: data.LOG_LEVEL,
      ...(data.METRICS_ADDRESS ? { metricsAddress: data.METRICS_ADDRESS } : {}),
      ...(tracing ? { tracing } : {}),
    },
    cloudDC: {
      region: data.CLOUDDC_REGION,
      regions: [...new Set([data.CLOUDDC_REGION, ...(data.CLOUDDC_REGIONS ?? [])])],
      endpointTemplate,
      requestTimeoutMs: data.CLOUDDC_REQUEST_TIMEOUT ?? 10_000,
      rateLimitPerSecond: data.CLOUDDC_RATE_LIMIT,
      auth,
    },
  };
}

function deploymentOf(
  env: Record<string, string>,
  data: z.output<typeof envSchema>,
): NonNullable<WorkerConfig['temporal']['deployment']> {
  const guessed = data.TEMPORAL_WORKER_BUILD_ID ? undefined : defaultBuildId(env);
  return {
    deploymentName: data.TEMPORAL_DEPLOYMENT_NAME,
    buildId: data.TEMPORAL_WORKER_BUILD_ID ?? (guessed?.buildId as string),
    buildIdLacksRevision: guessed !== undefined && !guessed.exact,
  };
}

/**
 * The archive directory by default; an object store when CLOUDDC_ARCHIVE_URL names one. The
 * store's own keys come first; otherwise the CloudDC AK/SK, which OBS accepts when the same
 * account owns the bucket; otherwise whatever the AWS SDK finds itself.
 */
function readArchiveStore(
  env: Record<string, string>,
  data: z.output<typeof envSchema>,
  auth: AuthConfig | undefined,
  problems: string[],
): ArchiveStoreConfig | undefined {
  const storeVariables = [
    'CLOUDDC_ARCHIVE_ENDPOINT',
    'CLOUDDC_ARCHIVE_REGION',
    'CLOUDDC_ARCHIVE_PATH_STYLE',
    ...ARCHIVE_KEY_VARIABLES,
  ].filter((name) => env[name] !== undefined);
  if (!data.CLOUDDC_ARCHIVE_URL) {
    if (storeVariables.length > 0) {
      problems.push(
        `${storeVariables.join(', ')}: only used with an object store; set CLOUDDC_ARCHIVE_URL too (obs://bucket/prefix or s3://bucket/prefix)`,
      );
      return undefined;
    }
    return { kind: 'directory', directory: data.CLOUDDC_ARCHIVE_DIR ?? './archives' };
  }
  if (data.CLOUDDC_ARCHIVE_DIR) {
    problems.push('CLOUDDC_ARCHIVE_DIR: set either it or CLOUDDC_ARCHIVE_URL, not both');
    return undefined;
  }
  const [, scheme, bucket, path = ''] = ARCHIVE_URL.exec(data.CLOUDDC_ARCHIVE_URL) ?? [];
  const region = data.CLOUDDC_ARCHIVE_REGION ?? (scheme === 'obs' ? data.CLOUDDC_REGION : 'us-east-1');
  const endpoint = env.CLOUDDC_ARCHIVE_ENDPOINT
    ? checkEndpoint('CLOUDDC_ARCHIVE_ENDPOINT', env.CLOUDDC_ARCHIVE_ENDPOINT, problems)
    : scheme === 'obs'
      ? `https://obs.${region}.myhuaweicloud.com`
      : undefined;
  if (env.CLOUDDC_ARCHIVE_ENDPOINT && (!endpoint || endpoint.includes('{region}'))) {
    if (endpoint) problems.push('CLOUDDC_ARCHIVE_ENDPOINT: must be a URL without {region}');
    return undefined;
  }
  const keys = ARCHIVE_KEY_VARIABLES.filter((name) => env[name] !== undefined);
  const missing = ['CLOUDDC_ARCHIVE_ACCESS_KEY', 'CLOUDDC_ARCHIVE_SECRET_KEY'].filter((name) => !env[name]);
  if (keys.length > 0 && missing.length > 0) {
    problems.push(...missing.map((name) => `${name}: is required with ${keys.join(', ')}`));
    return undefined;
  }
  const own = keys.length > 0;
  const credentials = own
    ? {
        accessKeyId: env.CLOUDDC_ARCHIVE_ACCESS_KEY as string,
        secretAccessKey: env.CLOUDDC_ARCHIVE_SECRET_KEY as string,
        ...(env.CLOUDDC_ARCHIVE_SECURITY_TOKEN ? { sessionToken: env.CLOUDDC_ARCHIVE_SECURITY_TOKEN } : {}),
      }
    : auth?.scheme === 'aksk'
      ? {
          accessKeyId: auth.accessKey,
          secretAccessKey: auth.secretKey,
          ...(auth.securityToken ? { sessionToken: auth.securityToken } : {}),
        }
      : undefined;
  return {
    kind: 'object-store',
    scheme: scheme as 'obs' | 's3',
    bucket: bucket as string,
    prefix: path.replace(/^\/+|\/+$/g, ''),
    ...(endpoint ? { endpoint } : {}),
    region,
    // Stores other than OBS and AWS (MinIO and the like) are usually reached by path.
    forcePathStyle: data.CLOUDDC_ARCHIVE_PATH_STYLE
      ? data.CLOUDDC_ARCHIVE_PATH_STYLE === 'true'
      : scheme === 's3' && !!env.CLOUDDC_ARCHIVE_ENDPOINT,
    ...(credentials ? { credentials } : {}),
    credentialsFrom: own
      ? 'CLOUDDC_ARCHIVE_ACCESS_KEY'
      : credentials
        ? 'CLOUDDC_ACCESS_KEY (the CloudDC AK/SK)'
        : "the AWS SDK's default chain",
  };
}

const ARCHIVE_KEY_VARIABLES = [
  'CLOUDDC_ARCHIVE_ACCESS_KEY',
  'CLOUDDC_ARCHIVE_SECRET_KEY',
  'CLOUDDC_ARCHIVE_SECURITY_TOKEN',
];

/** Exactly one complete scheme; a partial or a second one is a mistake worth stopping for. */
function readAuth(env: Record<string, string>, problems: string[]): AuthConfig | undefined {
  const present = (Object.keys(SCHEMES) as Array<keyof typeof SCHEMES>).filter((scheme) =>
    [...SCHEMES[scheme].required, ...SCHEMES[scheme].optional].some((name) => env[name] !== undefined),
  );
  if (present.length === 0) {
    problems.push(
      'credentials: none set. Set CLOUDDC_ACCESS_KEY and CLOUDDC_SECRET_KEY (AK/SK, recommended), ' +
        'or CLOUDDC_IAM_USERNAME, CLOUDDC_IAM_PASSWORD and CLOUDDC_IAM_DOMAIN, or CLOUDDC_AUTH_TOKEN',
    );
    return undefined;
  }
  if (present.length > 1) {
    const sets = present.map(
      (scheme) => `${SCHEMES[scheme].label} (${setVariables(env, scheme).join(', ')})`,
    );
    problems.push(`credentials: more than one scheme is set: ${sets.join(' and ')}; set exactly one`);
    return undefined;
  }
  const scheme = present[0] as keyof typeof SCHEMES;
  const missing = SCHEMES[scheme].required.filter((name) => env[name] === undefined);
  if (missing.length > 0) {
    problems.push(...missing.map((name) => `${name}: is required for ${SCHEMES[scheme].label} credentials`));
    return undefined;
  }
  // These travel in headers: a wrapped paste or a trailing newline from a secret file would make
  // every request fail, with the runtime quoting the value in its error.
  const unsendable = HEADER_SECRETS.filter(
    (name) => env[name] !== undefined && !PRINTABLE_ASCII.test(env[name]),
  );
  if (unsendable.length > 0) {
    problems.push(
      ...unsendable.map(
        (name) => `${name}: must be a single line of printable ASCII (it is sent in a header)`,
      ),
    );
    return undefined;
  }
  switch (scheme) {
    case 'token':
      return { scheme, token: env.CLOUDDC_AUTH_TOKEN as string };
    case 'aksk':
      return {
        scheme,
        accessKey: env.CLOUDDC_ACCESS_KEY as string,
        secretKey: env.CLOUDDC_SECRET_KEY as string,
        ...(env.CLOUDDC_SECURITY_TOKEN ? { securityToken: env.CLOUDDC_SECURITY_TOKEN } : {}),
      };
    case 'iam': {
      const endpointTemplate = checkEndpoint(
        'CLOUDDC_IAM_ENDPOINT',
        env.CLOUDDC_IAM_ENDPOINT ?? DEFAULT_IAM_ENDPOINT,
        problems,
      );
      if (!endpointTemplate) return undefined;
      return {
        scheme,
        username: env.CLOUDDC_IAM_USERNAME as string,
        password: env.CLOUDDC_IAM_PASSWORD as string,
        domain: env.CLOUDDC_IAM_DOMAIN as string,
        endpointTemplate,
      };
    }
  }
}

function setVariables(env: Record<string, string>, scheme: keyof typeof SCHEMES): string[] {
  return [...SCHEMES[scheme].required, ...SCHEMES[scheme].optional].filter((name) => env[name] !== undefined);
}

/**
 * Credentials go wherever this URL points, so it must be https, or plain http to this machine
 * (the simulator, a local tunnel). `{region}` may stand for the region.
 */
function checkEndpoint(variable: string, template: string, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(template.replaceAll('{region}', 'cn-east-3'));
  } catch {
    problems.push(`${variable}: must be an absolute URL such as https://clouddc.{region}.myhuaweicloud.com`);
    return undefined;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.test(url.hostname)) {
    problems.push(
      `${variable}: plain http is accepted only for loopback hosts, not ${url.hostname}; use https`,
    );
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push(`${variable}: must use https (or http on a loopback host)`);
    return undefined;
  }
  if (url.search || url.hash || url.username || url.password) {
    problems.push(`${variable}: must not carry credentials, a query or a fragment`);
    return undefined;
  }
  return template.trim().replace(/\/+$/, '');
}

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
}

/** An empty variable (`FOO=`) means unset, as in most tools. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]?.trim()),
  );
}
