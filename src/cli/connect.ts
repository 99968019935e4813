import { Client, Connection } from '@temporalio/client';
import { InvalidArgumentError } from 'commander';
import { connectionSecurity, readTemporalSecurity } from '../client/temporal-connection.js';
import { readTracingSettings, startTracing, tracingClientInterceptors } from '../client/tracing.js';
import { classifyError } from './exit-codes.js';

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
 * an API key come from the environment, as for the worker and the Temporal CLI; so does tracing
 * (the OTEL_* variables), which makes what the command starts the root of its trace.
 */
export async function connectClient({ address, namespace }: ConnectionOptions): Promise<{
  client: Client;
  close: () => Promise<void>;
}> {
  const problems: string[] = [];
  const security = readTemporalSecurity(process.env, problems);
  const tracingSettings = readTracingSettings(process.env, problems);
  if (problems.length > 0)
    throw new InvalidArgumentError(`Invalid connection or tracing settings:\n  - ${problems.join('\n  - ')}`);
  const connection = await Connection.connect({
    address,
    connectTimeout: '5s',
    ...(await connectionSecurity(security)),
  });
  const tracing = tracingSettings ? await startTracing(tracingSettings, 'clouddc-logs-cli') : undefined;
  const interceptors = tracing ? await tracingClientInterceptors() : {};
  return {
    client: new Client({ connection, namespace, interceptors }),
    close: async () => {
      await connection.close();
      // The command's spans leave before the process does.
      await tracing?.shutdown();
    },
  };
}

/**
 * Runs one command with a client and closes the connection. Whatever the command throws is
 * printed as one line and becomes the exit code of docs/running.md (see `classifyError`).
 */
export async function withClient(
  globals: ConnectionOptions,
  body: (client: Client) => Promise<number>,
): Promise<number> {
  let close = async () => {};
  try {
    const connected = await connectClient(globals);
    close = connected.close;
    return await body(connected.client);
  } catch (err) {
    const { code, message } = classifyError(err, globals.address);
    if (message) console.error(message);
    return code;
  } finally {
    await close();
  }
}
