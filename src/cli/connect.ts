import { Client, Connection } from '@temporalio/client';

export interface ConnectionOptions {
  address: string;
  namespace: string;
}

/** A client for one CLI command; `close` releases the connection so the process can exit. */
export async function connectClient({ address, namespace }: ConnectionOptions): Promise<{
  client: Client;
  close: () => Promise<void>;
}> {
  const connection = await Connection.connect({ address, connectTimeout: '5s' });
  return { client: new Client({ connection, namespace }), close: () => connection.close() };
}
