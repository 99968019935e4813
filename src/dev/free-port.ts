import type { AddressInfo } from 'node:net';
import { createServer } from 'node:net';

/** A loopback port nothing listens on right now, for a server that must be told its port. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * A free loopback port between 20000 and `limit`, for a server that stores its port where an
 * ephemeral one (the kernel hands those out above 32767) does not fit.
 */
export async function freePortBelow(limit: number): Promise<number> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const port = 20_000 + Math.floor(Math.random() * (limit - 20_000));
    if (await isFree(port)) return port;
  }
  throw new Error(`No free loopback port between 20000 and ${limit}`);
}

/** Whether a TCP port on loopback is free: a dev command taking a documented default, a random pick. */
export async function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer()
      .once('error', () => resolve(false))
      .once('listening', () => probe.close(() => resolve(true)))
      .listen(port, '127.0.0.1');
  });
}
