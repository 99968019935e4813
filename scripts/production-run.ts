/**
 * `npm run test:production`: the tracker on a production-like Temporal cluster without Docker
 * (see docs/production-run.md). The real Temporal server (built from the Go module proxy into
 * .tools/ once) as one process per service, as a production deployment runs it: a frontend, a
 * history service, two matching hosts and the internal worker, on PostgreSQL (Debian's, a
 * throw-away cluster on loopback) and in one membership. Set up as the compose file sets up its
 * cluster: the SQL tool's schemas, `temporal operator namespace create`, our
 * deploy/dynamicconfig.yaml, `node dist/worker/setup-namespace.js`; then two `node dist/worker.js`
 * processes against the CloudDC simulator, and the checks of scripts/production-run/checks.ts:
 *
 *   (a) collections complete, each with its archive, checksums intact;
 *   (b) visibility queries by our search attributes find the trackers;
 *   (c) a burst of eager trackers of one project: its busiest second within its quota, whole
 *       seconds at the task queue's pace (the budget binds), one matching host holding the
 *       activity partition;
 *   (d) one worker killed with SIGKILL, then the history service and the matching host holding the
 *       activity partition restarted, mid-tracking: every collection still completes, and no
 *       export is requested twice;
 *   (e) nothing left running, one export per server, every project's busiest second within its
 *       quota over the whole run.
 *
 * Prints a table of figures (with which service ran as which process) and exits non-zero on any
 * failure. Cleans up every process and directory it made, also on Ctrl-C.
 */

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DEFAULT_TASK_QUEUE } from '../src/contract/index.js';
import { startPostgres } from '../src/dev/postgres.js';
import { stopChild } from '../src/dev/stop-child.js';
import { findTemporalCli } from '../src/dev/temporal-cli.js';
import { startTemporalCluster, type TemporalServiceSpec } from '../src/dev/temporal-cluster.js';
import {
  findTemporalServer,
  setUpTemporalSchemas,
  TEMPORAL_SERVER_VERSION,
} from '../src/dev/temporal-server.js';
import { CloudDCSimulator } from '../src/simulator/server.js';
import { CHECKS } from './production-run/checks.js';
import type { RunContext } from './production-run/context.js';
import { distIsCurrent } from './production-run/dist.js';
import { check, figure, printFigures, say, seconds, timed } from './production-run/report.js';
import { startWorker, untilPolling, type WorkerProcess } from './production-run/workers.js';

const run = promisify(execFile);
const root = fileURLToPath(new URL('..', import.meta.url));
const NAMESPACE = 'default';
const REGION = 'cn-east-3';
const TOKEN = `production-run-${process.pid}`;
/** Requests per second to each project: the suite's polls fit, and the server enforces it. */
const RATE_LIMIT = 20;

/** One process per service; two matching hosts, so a task queue's partition lives on one of two. */
const TOPOLOGY: TemporalServiceSpec[] = [
  { name: 'frontend', role: 'frontend' },
  { name: 'history', role: 'history' },
  // At info level a matching host logs each partition it loads: how the checks learn the owner.
  { name: 'matching-1', role: 'matching', logLevel: 'info' },
  { name: 'matching-2', role: 'matching', logLevel: 'info' },
  { name: 'worker', role: 'worker' },
];

const cleanups: Array<() => Promise<unknown>> = [];
const startedAt = Date.now();
/** Logs and archives; removed after a clean run, kept after a failure. */
let workDir: string | undefined;

async function main(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'clouddc-production-run-'));
  workDir = dir;
  const logDir = join(dir, 'logs');
  const archiveDir = join(dir, 'archives');
  await mkdir(logDir);
  await mkdir(archiveDir);
  say(`logs in ${logDir} (kept on failure)`);

  // 1. The build and the binaries.
  if (await distIsCurrent(root)) {
    figure('npm run build', 'skipped (dist/ up to date)');
  } else {
    say('building dist/ (npm run build) ...');
    await timed(
      'npm run build',
      () => run('npm', ['run', 'build'], { cwd: root, timeout: 600_000 }),
      () => 'dist/ missing or stale',
    );
  }
  const binaries = await timed(
    'Temporal server, SQL tool, tdbg',
    () => findTemporalServer(say),
    (b) =>
      b.source === 'installed'
        ? `built ${TEMPORAL_SERVER_VERSION} with go install into .tools/`
        : `${TEMPORAL_SERVER_VERSION} found (${b.source === 'project' ? '.tools/' : b.source})`,
  );
  const cli = await findTemporalCli(say);
  if (!cli)
    throw new Error('No Temporal CLI: set TEMPORAL_CLI_PATH, or let the tests install it into .tools/');

  // 2. The cluster, as the compose file builds it, with one process per service.
  const clusterStarted = Date.now();
  const pg = await timed(
    'PostgreSQL start (initdb + pg_ctl)',
    () => startPostgres(say),
    (p) => `PostgreSQL ${p.major}`,
  );
  cleanups.push(() => pg.stop());
  await timed('Schemas (temporal-sql-tool)', () => setUpTemporalSchemas(binaries.sqlTool, pg));
  const cluster = await timed(
    `Temporal services start, until all ${TOPOLOGY.length} are in the membership rings`,
    async () => {
      const started = startTemporalCluster({
        server: binaries.server,
        tdbg: binaries.tdbg,
        pg,
        dynamicConfigFile: await runDynamicConfig(dir),
        logDir,
        services: TOPOLOGY,
        log: say,
      });
      // Registered before it resolves: Ctrl-C during the start stops what has been spawned.
      cleanups.push(async () => (await started.catch(() => undefined))?.stop());
      return started;
    },
  );
  for (const service of cluster.services)
    figure(
      `Temporal ${service.name} (start --service ${service.role})`,
      `pid ${service.pid()}, gRPC ${service.address}, membership port ${service.membershipPort}`,
    );
  // The command the compose file's temporal-namespace job runs (there with the admin-tools image's CLI).
  await timed('Namespace create (temporal operator namespace create)', () =>
    run(cli.path, [
      'operator',
      'namespace',
      'create',
      '--namespace',
      NAMESPACE,
      '--retention',
      '72h',
      '--address',
      cluster.address,
    ]),
  );
  const setup = await timed('setup-namespace (search attributes, budget, Nexus)', () =>
    run(process.execPath, ['dist/worker/setup-namespace.js'], {
      cwd: root,
      env: {
        PATH: process.env.PATH ?? '',
        TEMPORAL_ADDRESS: cluster.address,
        TEMPORAL_NAMESPACE: NAMESPACE,
        CLOUDDC_RATE_LIMIT: String(RATE_LIMIT),
      },
      timeout: 300_000,
    }),
  );
  say(setup.stdout.trim().replaceAll('\n', '\n[production-run]   '));
  check(
    /Search attributes of namespace default: (added|all present)/.test(setup.stdout),
    'search attributes set up',
  );
  check(
    setup.stdout.includes(`Task queue ${DEFAULT_TASK_QUEUE}: at most ${RATE_LIMIT} requests/s per project`),
    'the server holds the per-project budget (fairness keys) on the task queue',
  );

  // 3. The simulator and our workers.
  const sim = await CloudDCSimulator.start({ tokens: [TOKEN] });
  cleanups.push(() => sim.close());
  const workerEnv = {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: NAMESPACE,
    CLOUDDC_REGION: REGION,
    CLOUDDC_ENDPOINT: sim.url,
    CLOUDDC_AUTH_TOKEN: TOKEN,
    CLOUDDC_RATE_LIMIT: String(RATE_LIMIT),
    CLOUDDC_ARCHIVE_DIR: archiveDir,
    LOG_FORMAT: 'json',
  };
  const launchWorker = async (name: string, env: Record<string, string> = {}): Promise<WorkerProcess> => {
    const worker = startWorker(name, root, { ...workerEnv, ...env }, logDir);
    cleanups.push(() => stopChild(worker.child));
    await untilPolling(worker);
    return worker;
  };
  const workers = await timed(
    'Two workers polling (node dist/worker.js)',
    () => Promise.all([launchWorker('worker-1'), launchWorker('worker-2')]),
    (started) => started.map((w) => `${w.name} pid ${w.child.pid}`).join(', '),
  );
  figure('Cluster up, from nothing to two polling workers', seconds(Date.now() - clusterStarted));

  // 4. The checks.
  const client = new Client({
    connection: await Connection.connect({ address: cluster.address }),
    namespace: NAMESPACE,
  });
  cleanups.push(() => client.connection.close());
  const ctx: RunContext = {
    client,
    sim,
    cluster,
    workers,
    startWorker: launchWorker,
    quota: RATE_LIMIT,
    servers: [],
    workDir: dir,
  };
  const checksStarted = Date.now();
  for (const { label, run: runCheck } of CHECKS) await timed(label, () => runCheck(ctx));
  figure('Checks, all', seconds(Date.now() - checksStarted));
}

/** Once, however many paths (the end of the run, a failure, Ctrl-C) ask for it; latest first. */
let cleaning: Promise<void> | undefined;
function cleanUp(): Promise<void> {
  cleaning ??= (async () => {
    for (const cleanup of [...cleanups].reverse()) {
      try {
        await cleanup();
      } catch (err) {
        console.error(`cleanup: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

let finishing = false;
let interrupted = false;
// `on`, not `once`: Ctrl-C reaches every process of the group, and npm and tsx pass it on again,
// so a second signal must not find the default handler (which would exit mid-cleanup).
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (finishing) return;
    finishing = true;
    interrupted = true;
    say(`${signal}: cleaning up ...`);
    void cleanUp().finally(() => {
      if (workDir) say(`logs and archives kept in ${workDir}`);
      process.exit(130);
    });
  });
}

let failure: unknown;
try {
  await main();
} catch (err) {
  failure = err;
}
// Interrupted: what failed after the signal is its consequence; the handler ends the run.
if (interrupted) await new Promise(() => {});
finishing = true;
figure('Total', seconds(Date.now() - startedAt));
printFigures(
  `Production-like run (Temporal ${TEMPORAL_SERVER_VERSION}, one process per service, on PostgreSQL, no Docker): ${failure ? 'FAILED' : 'PASSED'}`,
);
if (failure) {
  console.error(`\n${(failure as Error).stack ?? failure}`);
  await cleanUp();
  if (workDir) say(`logs and archives kept in ${workDir}`);
  process.exit(1);
}
await cleanUp();
// A clean run leaves nothing behind; its logs only matter when something failed.
if (workDir) await rm(workDir, { recursive: true, force: true });
process.exit(0);

/**
 * deploy/dynamicconfig.yaml, and for this run only: a retired build seen drained within seconds
 * (the server looks every 3 minutes by default, after 3 minutes of grace for visibility).
 */
async function runDynamicConfig(dir: string): Promise<string> {
  const file = join(dir, 'dynamicconfig.yaml');
  const documented = await readFile(join(root, 'deploy', 'dynamicconfig.yaml'), 'utf8');
  await writeFile(
    file,
    `${documented}\nmatching.wv.VersionDrainageStatusRefreshInterval:\n  - value: 2s\nmatching.wv.VersionDrainageStatusVisibilityGracePeriod:\n  - value: 2s\n`,
  );
  return file;
}
