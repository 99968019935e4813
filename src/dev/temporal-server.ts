import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { freePort } from './free-port.js';
import type { RunningPostgres } from './postgres.js';
import { findToolBinary, isExecutable, type ToolSource } from './tool-binary.js';

/**
 * The Temporal server we build from the Go module proxy: the release the compose file's
 * `temporalio/server` and `temporalio/admin-tools` images belong to (same minor; see
 * docs/production-run.md). Its module needs Go 1.26.10 or newer, hence the pinned toolchain,
 * which `go` fetches from the proxy itself when the installed one is older.
 */
export const TEMPORAL_SERVER_VERSION = 'v1.32.2';
export const TEMPORAL_SERVER_GO_TOOLCHAIN = 'go1.27.3';

const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
const localInstall = join(projectRoot, '.tools', `temporal-server-${TEMPORAL_SERVER_VERSION}`);
/** Named as in the images: `temporal-server` (cmd/server) and `temporal-sql-tool` (cmd/tools/sql). */
const localServer = join(localInstall, 'temporal-server');
const localSqlTool = join(localInstall, 'temporal-sql-tool');
const run = promisify(execFile);

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  source: ToolSource;
}

/**
 * Finds the Temporal server and its SQL schema tool: `TEMPORAL_SERVER_PATH` and
 * `TEMPORAL_SQL_TOOL_PATH`, then `temporal-server` and `temporal-sql-tool` on `PATH`, then the
 * project-local build under `.tools/`, building the pinned version there with `go install` when
 * none is found (about six minutes on two cores with an empty Go module and build cache).
 */
export async function findTemporalServer(
  log: (line: string) => void = () => {},
): Promise<TemporalServerBinaries> {
  let installing: Promise<void> | undefined;
  const install = () => {
    installing ??= installLocally(log);
    return installing;
  };
  const server = await findToolBinary({
    variable: 'TEMPORAL_SERVER_PATH',
    name: 'temporal-server',
    localBinary: localServer,
    install,
  });
  const sqlTool = await findToolBinary({
    variable: 'TEMPORAL_SQL_TOOL_PATH',
    name: 'temporal-sql-tool',
    localBinary: localSqlTool,
    install,
  });
  return { server: server.path, sqlTool: sqlTool.path, source: server.source };
}

/** Both binaries in one `go install`, built aside and renamed into place together. */
async function installLocally(log: (line: string) => void): Promise<void> {
  const staging = `${localInstall}.partial-${process.pid}`;
  log(
    `Building the Temporal server and SQL tool (go.temporal.io/server@${TEMPORAL_SERVER_VERSION}, ${TEMPORAL_SERVER_GO_TOOLCHAIN}) into ${localInstall} with go install ...`,
  );
  const started = Date.now();
  await mkdir(staging, { recursive: true });
  try {
    await run(
      'go',
      [
        'install',
        `go.temporal.io/server/cmd/server@${TEMPORAL_SERVER_VERSION}`,
        `go.temporal.io/server/cmd/tools/sql@${TEMPORAL_SERVER_VERSION}`,
      ],
      {
        env: {
          ...process.env,
          GOBIN: staging,
          GOFLAGS: '-mod=mod',
          GOTOOLCHAIN: TEMPORAL_SERVER_GO_TOOLCHAIN,
        },
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    await rename(join(staging, 'server'), join(staging, 'temporal-server'));
    await rename(join(staging, 'sql'), join(staging, 'temporal-sql-tool'));
    await rename(staging, localInstall).catch(async (err: NodeJS.ErrnoException) => {
      // Another process finished the same build first; theirs is as good as ours.
      if (!(await isExecutable(localServer))) throw err;
    });
    log(`Built the Temporal server in ${Math.round((Date.now() - started) / 1000)} s`);
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/**
 * The schema set-up the compose file's `temporal-schema` service runs with the admin-tools image:
 * both databases created where they lack, versioned, and brought to the release's newest
 * schema (`postgresql/v12/...`, the schemas embedded in the tool, the same files the image keeps
 * under /etc/temporal/schema). Safe to run again.
 */
export async function setUpTemporalSchemas(sqlTool: string, pg: RunningPostgres): Promise<void> {
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user];
  const env = { PATH: process.env.PATH ?? '', SQL_PASSWORD: pg.password };
  const tool = async (args: string[]) => {
    try {
      await run(sqlTool, [...base, ...args], { env, maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
    } catch (err) {
      const { stdout = '', stderr = '' } = err as { stdout?: string; stderr?: string };
      throw new Error(
        `temporal-sql-tool ${args.join(' ')} failed: ${`${stdout}\n${stderr}`.trim().slice(-2_000)}`,
      );
    }
  };
  for (const [database, schema] of [
    ['temporal', 'postgresql/v12/temporal'],
    ['temporal_visibility', 'postgresql/v12/visibility'],
  ] as const) {
    // Each step keeps what exists: `create` ignores an existing database, `setup-schema -v 0.0`
    // an initialised one, `update-schema` applies only the versions the database lacks.
    await tool(['--db', database, 'create']);
    await tool(['--db', database, 'setup-schema', '-v', '0.0']);
    await tool(['--db', database, 'update-schema', '--schema-name', schema]);
  }
}

export interface TemporalServerOptions {
  binary: string;
  pg: RunningPostgres;
  /** The dynamic config file (deploy/dynamicconfig.yaml), as the compose file mounts it. */
  dynamicConfigFile: string;
  /** Appended to, across restarts. */
  logFile: string;
  log?: (line: string) => void;
}

export interface RunningTemporalServer {
  /** host:port of the frontend. */
  address: string;
  /** The variables the server was configured by (no password). */
  settings: Record<string, string>;
  /** Starts the process again with the same settings and ports; resolves once it answers. */
  restart(): Promise<number>;
  /** SIGTERM, then SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
  process(): ChildProcess;
}

/**
 * Runs `temporal-server start` as the `temporalio/server` image does: no config file, so the
 * server renders its embedded template from the environment, which holds exactly the variables
 * the compose file's `temporal` service sets (DB, POSTGRES_*, DYNAMIC_CONFIG_FILE_PATH,
 * BIND_ON_IP), plus free ports for each service so that it shares the machine with anything.
 */
export async function startTemporalServer(options: TemporalServerOptions): Promise<RunningTemporalServer> {
  const ports: Record<string, string> = {};
  for (const service of ['FRONTEND', 'HISTORY', 'MATCHING', 'WORKER']) {
    ports[`${service}_GRPC_PORT`] = String(await freePort());
    // The cluster_membership table keeps these as a PostgreSQL smallint: an ephemeral port (above
    // 32767) fails the server's start with "out of range for type smallint".
    ports[`${service}_MEMBERSHIP_PORT`] = String(await freePortBelow(32_768));
  }
  ports.FRONTEND_HTTP_PORT = String(await freePort());
  const settings = {
    ...serverEnvironment(options.pg, options.dynamicConfigFile),
    ...ports,
  };
  const address = `127.0.0.1:${ports.FRONTEND_GRPC_PORT}`;
  const logStream = createWriteStream(options.logFile, { flags: 'a' });
  let child: ChildProcess;

  const launch = async (): Promise<number> => {
    const started = Date.now();
    child = spawn(options.binary, ['start'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        ...settings,
        POSTGRES_PWD: options.pg.password,
        // Its own log (a file here) at warnings and errors: info is a few lines a second.
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.pipe(logStream, { end: false });
    child.stderr?.pipe(logStream, { end: false });
    await untilServing(address, child, options.logFile);
    const ms = Date.now() - started;
    options.log?.(`Temporal server ${TEMPORAL_SERVER_VERSION} answering at ${address} after ${ms} ms`);
    return ms;
  };
  const stop = async (graceMs = 30_000) => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  };

  await launch();
  return {
    address,
    settings,
    restart: launch,
    stop: async (graceMs) => {
      await stop(graceMs);
      logStream.end();
    },
    process: () => child,
  };
}

/**
 * What the compose file's `temporal` service sets, for a server on loopback. The password
 * (POSTGRES_PWD) is added by the caller; it is never printed.
 */
export function serverEnvironment(pg: RunningPostgres, dynamicConfigFile: string): Record<string, string> {
  return {
    DB: 'postgres12',
    DB_PORT: String(pg.port),
    POSTGRES_SEEDS: pg.host,
    POSTGRES_USER: pg.user,
    BIND_ON_IP: '127.0.0.1',
    DYNAMIC_CONFIG_FILE_PATH: dynamicConfigFile,
    TEMPORAL_ALLOW_NO_AUTH: 'true',
  };
}

/** A loopback port below `limit` that nothing listens on now (the kernel hands out ephemeral ones above 32767). */
async function freePortBelow(limit: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (limit - 20_000));
    const free = await new Promise<boolean>((resolve) => {
      const probe = createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, '127.0.0.1', () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
  throw new Error(`No free loopback port between 20000 and ${limit}`);
}

/** Until the frontend answers GetSystemInfo; fails early when the process exits. */
async function untilServing(address: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let lastError = '';
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      const tail = await readFile(logFile, 'utf8').catch(() => '');
      throw new Error(
        `The Temporal server exited (${child.exitCode ?? child.signalCode}) while starting:\n${tail.slice(-3_000)}`,
      );
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = (err as Error).message;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `The Temporal server did not answer at ${address} within 120 s (${lastError}); see ${logFile}`,
  );
}
