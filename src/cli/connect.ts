import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { FailureType } from '../contract/index.js';
import { connectionSecurity, readTemporalSecurity } from '../worker/temporal-connection.js';

/**
 * Exit codes, so scripts can tell a failed export from a mistyped command and from a Temporal
 * cluster that could not be reached.
 */
export const ExitCode = { Ok: 0, TrackingFailed: 1, Usage: 2, Error: 3 } as const;

export interface ConnectionOptions {
  address: string;
  namespace: string;
}

/** The options every command inherits from the program. */
export interface GlobalOptions extends ConnectionOptions {
  taskQueue: string;
}

/**
 * A client for one CLI command; `close` releases the connection so the process can exit. TLS and
 * an API key come from the environment, as for the worker and the Temporal CLI.
 */
export async function connectClient({ address, namespace }: ConnectionOptions): Promise<{
  client: Client;
  close: () => Promise<void>;
}> {
  const problems: string[] = [];
  const security = readTemporalSecurity(process.env, problems);
  if (problems.length > 0)
    throw new Error(`Invalid Temporal connection settings:\n  - ${problems.join('\n  - ')}`);
  const connection = await Connection.connect({
    address,
    connectTimeout: '5s',
    ...(await connectionSecurity(security)),
  });
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}

/**
 * Runs one command with a client, closes the connection, and turns an InvalidInput (from our
 * own checks, or a workflow update's validator) into the usage exit code with the fields named.
 */
export async function withClient(
  globals: ConnectionOptions,
  body: (client: Client) => Promise<number>,
): Promise<number> {
  const { client, close } = await connectClient(globals);
  try {
    return await body(client);
  } catch (err) {
    const failure = err instanceof ApplicationFailure ? err : (err as { cause?: unknown })?.cause;
    if (failure instanceof ApplicationFailure && failure.type === FailureType.InvalidInput) {
      console.error(`${failure.type}: ${failure.message}`);
      return ExitCode.Usage;
    }
    throw err;
  } finally {
    await close();
  }
}
