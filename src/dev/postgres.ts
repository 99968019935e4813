import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './free-port.js';
import { isExecutable } from './tool-binary.js';

const run = promisify(execFile);

/**
 * Debian's PostgreSQL server binaries (`apt-get install postgresql`): `initdb`, `pg_ctl` and
 * `postgres` live in `/usr/lib/postgresql/<major>/bin`, not on `PATH`. `POSTGRES_BIN_DIR` names
 * another directory; otherwise the newest major version installed is taken.
 */
export async function findPostgresBinDir(): Promise<{ dir: string; major: number }> {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv) {
    if (!(await isExecutable(join(fromEnv, 'pg_ctl'))))
      throw new Error(`POSTGRES_BIN_DIR=${fromEnv} holds no pg_ctl`);
    const { stdout } = await run(join(fromEnv, 'pg_ctl'), ['--version']);
    return { dir: fromEnv, major: Number(/(\d+)/.exec(stdout)?.[1] ?? 0) };
  }
  const majors = (await readdir('/usr/lib/postgresql').catch(() => [] as string[]))
    .map(Number)
    .filter((major) => Number.isInteger(major))
    .sort((a, b) => b - a);
  for (const major of majors) {
    const dir = `/usr/lib/postgresql/${major}/bin`;
    if ((await isExecutable(join(dir, 'initdb'))) && (await isExecutable(join(dir, 'pg_ctl'))))
      return { dir, major };
  }
  throw new Error(
    "No PostgreSQL server found in /usr/lib/postgresql/*/bin: install Debian's (apt-get install postgresql) or set POSTGRES_BIN_DIR",
  );
}

export interface RunningPostgres {
  host: '127.0.0.1';
  port: number;
  user: string;
  password: string;
  major: number;
  /** The cluster's files, removed by `stop`. */
  dataDir: string;
  logFile: string;
  stop(): Promise<void>;
}

/**
 * A PostgreSQL cluster of its own: a fresh data directory, TCP on a free loopback port only (no
 * Unix socket), one superuser with a random password and SCRAM authentication, as a managed
 * database would have. The server refuses to run as root, so as root it runs as the `postgres`
 * user the Debian package creates.
 */
export async function startPostgres(log: (line: string) => void = () => {}): Promise<RunningPostgres> {
  const { dir, major } = await findPostgresBinDir();
  const asRoot = process.getuid?.() === 0;
  const owner = asRoot ? await postgresAccount() : undefined;
  const wrap = (binary: string, args: string[]): [string, string[]] =>
    owner ? ['runuser', ['-u', 'postgres', '--', join(dir, binary), ...args]] : [join(dir, binary), args];
  const pg = (binary: string, args: string[]) => {
    const [command, fullArgs] = wrap(binary, args);
    return run(command, fullArgs, { maxBuffer: 16 * 1024 * 1024, timeout: 120_000 });
  };

  const root = await mkdtemp(join(tmpdir(), 'clouddc-postgres-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'postgres.log');
  const passwordFile = join(root, 'password');
  const user = 'temporal';
  const password = randomBytes(12).toString('hex');
  const port = await freePort();
  await writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  if (owner) {
    await chown(root, owner.uid, owner.gid);
    await chown(passwordFile, owner.uid, owner.gid);
  }
  let started = false;
  const stop = async () => {
    if (started) {
      await pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w', '-t', '30']).catch(() =>
        pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'immediate', '-w']).catch(() => undefined),
      );
      started = false;
    }
    await rm(root, { recursive: true, force: true });
  };
  try {
    await pg('initdb', [
      '-D',
      dataDir,
      '-U',
      user,
      `--pwfile=${passwordFile}`,
      '--auth=scram-sha-256',
      '--encoding=UTF8',
      '--locale=C',
    ]);
    await rm(passwordFile);
    const options = [
      "-c listen_addresses='127.0.0.1'",
      `-c port=${port}`,
      "-c unix_socket_directories=''",
      // Temporal's default pools: 20 connections per service for the store, 10 for visibility.
      '-c max_connections=200',
    ].join(' ');
    started = true;
    await pg('pg_ctl', ['start', '-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60']);
    log(`PostgreSQL ${major} on 127.0.0.1:${port} (data in ${dataDir})`);
    return { host: '127.0.0.1', port, user, password, major, dataDir, logFile, stop };
  } catch (err) {
    const tail = await readFile(logFile, 'utf8').catch(() => '');
    await stop();
    throw new Error(`PostgreSQL did not start: ${(err as Error).message}\n${tail.slice(-2_000)}`);
  }
}

async function postgresAccount(): Promise<{ uid: number; gid: number }> {
  try {
    const [uid, gid] = await Promise.all(
      ['-u', '-g'].map(async (flag) => Number((await run('id', [flag, 'postgres'])).stdout.trim())),
    );
    return { uid: uid as number, gid: gid as number };
  } catch {
    throw new Error('PostgreSQL refuses to run as root and there is no postgres user to run it as');
  }
}
