import { createWriteStream, mkdirSync, type WriteStream } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inspect } from 'node:util';
import { DefaultLogger, type LogEntry, type Logger, Runtime } from '@temporalio/worker';

const root = fileURLToPath(new URL('../..', import.meta.url));

/** Everything the workers of this test file logged (DEBUG and above), for the tests that read it. */
export const workerLogs: LogEntry[] = [];

let logFile: string | undefined;
let stream: WriteStream | undefined;
let runtimeInstalled = false;

/**
 * Sends the SDK's and the workers' logs of one test file to `test-output/logs/<file>.log` (and to
 * `workerLogs`), so a passing run prints none of them and a failing one says where they are.
 * The Runtime takes one logger per process, and a process runs several test files one after
 * another: the logger writes to the file of the test file running now.
 */
export function logToFileOf(testPath: string): void {
  const file = join(
    root,
    'test-output',
    'logs',
    `${relative(join(root, 'test'), testPath).replaceAll('/', '__')}.log`,
  );
  if (file === logFile) return;
  stream?.end();
  stream = undefined;
  logFile = file;
  workerLogs.length = 0;
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  Runtime.install({
    logger: new DefaultLogger('DEBUG', (entry) => {
      workerLogs.push(entry);
      if (!stream) {
        mkdirSync(dirname(logFile as string), { recursive: true });
        stream = createWriteStream(logFile as string);
      }
      const at = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
      stream.write(
        `${at} [${entry.level}] ${entry.message} ${inspect(entry.meta ?? {}, { breakLength: Infinity })}\n`,
      );
    }),
  });
}

/** Where this test file's logs go (the dev servers' output included). */
export function testLogFile(): string {
  if (!logFile) throw new Error('logToFileOf has not run: is test/setup/test-logs.ts a setup file?');
  return logFile;
}

/** This file's logger, for what logs outside a worker (`MockActivityEnvironment`'s activities). */
export function testLogger(): Logger {
  return Runtime.instance().logger;
}
