import { Command, InvalidArgumentError, Option } from 'commander';
import { durationSchema } from '../contract/index.js';
import type { SimulatedAccessKey, SimulatedIamUser } from './identity.js';
import { CloudDCSimulator } from './server.js';

interface SimulatorCliOptions {
  host: string;
  port: number;
  token: string[];
  accessKey: SimulatedAccessKey[];
  iamUser: SimulatedIamUser[];
  tokenLifetime: number;
  rateLimit?: number;
  project: string;
  servers: number;
  exportDuration: number;
  runningStatus: string;
  archiveBytes: number;
  percentageFormat: 'percent-string' | 'number' | 'numeric-string';
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const parsed = Number(value);
    if (!Number.isInteger(parsed) || parsed < min || parsed > max) {
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    }
    return parsed;
  };
}

function duration(value: string): number {
  const parsed = durationSchema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError('expected a duration such as "2m" or "30s"');
  return parsed.data;
}

function accessKey(value: string): SimulatedAccessKey {
  const [ak, sk, securityToken] = value.split(':');
  if (!ak || !sk) throw new InvalidArgumentError('expected AK:SK or AK:SK:securityToken');
  return { accessKey: ak, secretKey: sk, ...(securityToken ? { securityToken } : {}) };
}

function iamUser(value: string): SimulatedIamUser {
  const [username, password, domain] = value.split(':');
  if (!username || !password || !domain) throw new InvalidArgumentError('expected name:password:domain');
  return { username, password, domain };
}

const program = new Command('clouddc-simulator')
  .description('A local CloudDC log-export API for development, demos and benchmarks')
  .option('--host <host>', 'interface to listen on (keep it on loopback)', '127.0.0.1')
  .option('--port <port>', 'port, 0 for any free one', integer(0, 65_535), 8089)
  .addOption(
    new Option('--token <token...>', 'accepted X-Auth-Token values (none: accept every request)')
      .env('SIMULATOR_TOKENS')
      .argParser((value: string, previous: string[] = []) => [
        ...previous,
        ...value.split(',').filter(Boolean),
      ])
      .default([]),
  )
  .option(
    '--access-key <ak:sk[:securityToken]>',
    'an AK/SK pair whose signatures are accepted (repeatable)',
    (value: string, previous: SimulatedAccessKey[] = []) => [...previous, accessKey(value)],
  )
  .option(
    '--iam-user <name:password:domain>',
    'an IAM user who may get tokens from POST /v3/auth/tokens (repeatable)',
    (value: string, previous: SimulatedIamUser[] = []) => [...previous, iamUser(value)],
  )
  .option('--token-lifetime <duration>', 'lifetime of issued IAM tokens', duration, 86_400_000)
  .option(
    '--rate-limit <perSecond>',
    'requests per second per project, 429 beyond (like the gateway)',
    integer(1, 100_000),
  )
  .option('--project <id>', 'project whose servers are seeded', 'demo-project')
  .option('--servers <count>', 'servers to seed (srv-001, srv-002, ...)', integer(0, 100_000), 5)
  .option('--export-duration <duration>', 'how long a new export takes', duration, 120_000)
  .option('--running-status <word>', 'status of an export in progress', 'processing')
  .option(
    '--archive-bytes <bytes>',
    "size of the random payload in each export's archive (above 64 MiB made as it is sent, never kept)",
    integer(0, 8 * 1024 ** 3 - 1),
    64 * 1024,
  )
  .addOption(
    new Option('--percentage-format <format>', 'how percentages are written')
      .choices(['percent-string', 'number', 'numeric-string'])
      .default('percent-string'),
  )
  .action(async (options: SimulatorCliOptions) => {
    const sim = await CloudDCSimulator.start({
      host: options.host,
      port: options.port,
      tokens: options.token,
      accessKeys: options.accessKey ?? [],
      iamUsers: options.iamUser ?? [],
      tokenLifetimeMs: options.tokenLifetime,
      ...(options.rateLimit ? { rateLimitPerProject: options.rateLimit } : {}),
      defaultScenario: {
        durationMs: options.exportDuration,
        runningStatus: options.runningStatus,
        archiveBytes: options.archiveBytes,
        percentageFormat: options.percentageFormat,
      },
    });
    const count = options.servers;
    for (let i = 1; i <= count; i++) sim.addServer(options.project, `srv-${String(i).padStart(3, '0')}`);
    for (const line of startupHints(sim.url, options)) console.log(line);
    const stop = async () => {
      await sim.close();
      process.exit(0);
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });

/**
 * What to do next, as lines that work as printed: the credentials the simulator checks are the
 * ones the curl and the worker lines send.
 */
function startupHints(url: string, options: SimulatorCliOptions): string[] {
  const token = options.token[0];
  const key = options.accessKey?.[0];
  const user = options.iamUser?.[0];
  const curlAuth = token ? ` -H 'X-Auth-Token: ${token}'` : '';
  const workerAuth = key
    ? `CLOUDDC_ACCESS_KEY=${key.accessKey} CLOUDDC_SECRET_KEY=${key.secretKey}${key.securityToken ? ` CLOUDDC_SECURITY_TOKEN=${key.securityToken}` : ''}`
    : user
      ? `CLOUDDC_IAM_ENDPOINT=${url} CLOUDDC_IAM_USERNAME=${user.username} CLOUDDC_IAM_PASSWORD=${user.password} CLOUDDC_IAM_DOMAIN=${user.domain}`
      : // With no credentials configured the simulator accepts any; the worker still needs a scheme.
        `CLOUDDC_AUTH_TOKEN=${token ?? 'any'}`;
  return [
    `CloudDC simulator listening on ${url}`,
    `  project ${options.project} with ${options.servers} servers (srv-001 ...) and no exports yet`,
    '  start an export of srv-001 (its answer carries the export_id):',
    `    curl -X POST${curlAuth} ${url}/v1/${options.project}/physicalservers/srv-001/logs/exports`,
    '  start one that fails at 60 %, as export 100:',
    `    curl -X POST ${url}/_sim/exports -d '{"projectId":"${options.project}","serverId":"srv-001","exportId":"100","scenario":{"outcome":"failed","failAtPercent":60}}'`,
    '  point a worker at it:',
    `    CLOUDDC_ENDPOINT=${url} CLOUDDC_REGION=cn-east-3 ${workerAuth} npm run worker:dev`,
    `  then track an export by its export_id:  npm run cli -- track --project ${options.project} --server srv-001 --export 100 --wait`,
  ];
}

await program.parseAsync(process.argv);
