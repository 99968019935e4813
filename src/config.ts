import { z } from 'zod';
import { DEFAULT_TASK_QUEUE, durationSchema, REGION_PATTERN } from './contract/index.js';

/** The worker's configuration, read from its environment only: secrets never travel in workflow inputs. */
export interface WorkerConfig {
  temporal: { address: string; namespace: string; taskQueue: string };
  cloudDC: {
    region: string;
    /** Base URL without a trailing slash. */
    endpoint: string;
    /** Per HTTP request, body included. */
    requestTimeoutMs: number;
    authToken: string;
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

const nonEmpty = (what: string) =>
  z
    .string({ error: `is required (${what})` })
    .trim()
    .min(1, { error: `is required (${what})` });

const HOST_PORT = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$/;

const envSchema = z.object({
  TEMPORAL_ADDRESS: nonEmpty('host:port of the Temporal frontend')
    .regex(HOST_PORT, { error: 'must be host:port, e.g. localhost:7233 (no scheme)' })
    .default('localhost:7233'),
  TEMPORAL_NAMESPACE: nonEmpty('Temporal namespace').default('default'),
  TEMPORAL_TASK_QUEUE: nonEmpty('task queue').default(DEFAULT_TASK_QUEUE),
  CLOUDDC_REGION: nonEmpty('Huawei Cloud region, e.g. cn-east-3').regex(REGION_PATTERN, {
    error: 'must be a region name such as cn-east-3',
  }),
  CLOUDDC_REQUEST_TIMEOUT: durationSchema.optional(),
  CLOUDDC_AUTH_TOKEN: nonEmpty('IAM token sent as X-Auth-Token'),
});

const LOOPBACK_HOSTS = /^(localhost|127(\.\d{1,3}){3}|\[::1\])$/i;

/** Reads and checks the whole environment at once, so one start-up names every problem. */
export function loadWorkerConfig(env: NodeJS.ProcessEnv = process.env): WorkerConfig {
  const parsed = envSchema.safeParse(withoutBlanks(env));
  const problems = parsed.success
    ? []
    : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
  // Checked apart from the schema so that a bad endpoint is named alongside every other problem.
  const explicitEndpoint = env.CLOUDDC_ENDPOINT?.trim();
  const endpoint = explicitEndpoint ? checkEndpoint(explicitEndpoint, problems) : undefined;
  if (!parsed.success || problems.length > 0) throw new ConfigError(problems);
  const data = parsed.data;
  return {
    temporal: {
      address: data.TEMPORAL_ADDRESS,
      namespace: data.TEMPORAL_NAMESPACE,
      taskQueue: data.TEMPORAL_TASK_QUEUE,
    },
    cloudDC: {
      region: data.CLOUDDC_REGION,
      endpoint: endpoint ?? `https://clouddc.${data.CLOUDDC_REGION}.myhuaweicloud.com`,
      requestTimeoutMs: data.CLOUDDC_REQUEST_TIMEOUT ?? 10_000,
      authToken: data.CLOUDDC_AUTH_TOKEN,
    },
  };
}

/** Plain http would put the token on the wire: allowed only to this machine (simulator, tunnels). */
function checkEndpoint(value: string, problems: string[]): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    problems.push(
      'CLOUDDC_ENDPOINT: must be an absolute URL such as https://clouddc.cn-east-3.myhuaweicloud.com',
    );
    return undefined;
  }
  if (url.protocol === 'http:' && !LOOPBACK_HOSTS.test(url.hostname)) {
    problems.push(
      `CLOUDDC_ENDPOINT: plain http is accepted only for loopback hosts, not ${url.hostname}; use https`,
    );
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    problems.push('CLOUDDC_ENDPOINT: must use https (or http on a loopback host)');
    return undefined;
  }
  if (url.search || url.hash || url.username || url.password) {
    problems.push('CLOUDDC_ENDPOINT: must not carry credentials, a query or a fragment');
    return undefined;
  }
  return url.toString().replace(/\/+$/, '');
}

/** An empty variable (`FOO=`) means unset, as in most tools. */
function withoutBlanks(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => !!entry[1]?.trim()),
  );
}
