import { execFile } from 'node:child_process';
import { mkdir, rename, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { RunningPostgres } from './postgres.js';
import { findToolBinary, type ToolSource } from './tool-binary.js';

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
/**
 * What `go install` builds (the last element of each package path) and the names the images give
 * them: the server (`temporalio/server`), the SQL tool and the admin debugger (`temporalio/admin-tools`).
 */
const COMMANDS = {
  server: { pkg: 'go.temporal.io/server/cmd/server', built: 'server', name: 'temporal-server' },
  sqlTool: { pkg: 'go.temporal.io/server/cmd/tools/sql', built: 'sql', name: 'temporal-sql-tool' },
  tdbg: { pkg: 'go.temporal.io/server/cmd/tools/tdbg', built: 'tdbg', name: 'tdbg' },
} as const;
const run = promisify(execFile);

export interface TemporalServerBinaries {
  server: string;
  sqlTool: string;
  /** The admin debugger: what `tctl admin` was, e.g. the membership rings. */
  tdbg: string;
  source: ToolSource;
}

/**
 * Finds the Temporal server, its SQL schema tool and tdbg: `TEMPORAL_SERVER_PATH`,
 * `TEMPORAL_SQL_TOOL_PATH` and `TEMPORAL_TDBG_PATH`, then `temporal-server`, `temporal-sql-tool`
 * and `tdbg` on `PATH`, then the project-local build under `.tools/`, building the pinned version
 * there with `go install` when one is missing (about six minutes on two cores with an empty Go
 * module and build cache).
 */
export async function findTemporalServer(
  log: (line: string) => void = () => {},
): Promise<TemporalServerBinaries> {
  let installing: Promise<void> | undefined;
  const install = () => {
    installing ??= installLocally(log);
    return installing;
  };
  const find = (variable: string, { name }: { name: string }) =>
    findToolBinary({ variable, name, localBinary: join(localInstall, name), install });
  const server = await find('TEMPORAL_SERVER_PATH', COMMANDS.server);
  const sqlTool = await find('TEMPORAL_SQL_TOOL_PATH', COMMANDS.sqlTool);
  const tdbg = await find('TEMPORAL_TDBG_PATH', COMMANDS.tdbg);
  return {
    server: server.path,
    sqlTool: sqlTool.path,
    tdbg: tdbg.path,
    source: installing ? 'installed' : server.source,
  };
}

/**
 * All three in one `go install`, built aside and each renamed into place, so that an interrupted
 * build is never taken for a finished one, and a folder an older build left without tdbg is
 * completed.
 */
async function installLocally(log: (line: string) => void): Promise<void> {
  const staging = `${localInstall}.partial-${process.pid}`;
  log(
    `Building the Temporal server, SQL tool and tdbg (go.temporal.io/server@${TEMPORAL_SERVER_VERSION}, ${TEMPORAL_SERVER_GO_TOOLCHAIN}) into ${localInstall} with go install ...`,
  );
  const started = Date.now();
  await mkdir(staging, { recursive: true });
  try {
    await run(
      'go',
      ['install', ...Object.values(COMMANDS).map(({ pkg }) => `${pkg}@${TEMPORAL_SERVER_VERSION}`)],
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
    await mkdir(localInstall, { recursive: true });
    // Another process finishing the same build first is harmless: its binaries are the same.
    for (const { built, name } of Object.values(COMMANDS))
      await rename(join(staging, built), join(localInstall, name));
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
