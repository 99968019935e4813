import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { z } from 'zod';

const run = promisify(execFile);

const ringsSchema = z.array(
  z.object({
    role: z.string(),
    members: z.array(z.object({ identity: z.string() })).default([]),
  }),
);

/**
 * The membership rings as the cluster's gossip (ringpop) holds them, by role: the gRPC address of
 * each host. Read with `tdbg membership list-gossip` (what `tctl admin membership` was), which asks
 * the admin service's DescribeCluster through the frontend at `address`.
 */
export async function membershipRings(tdbg: string, address: string): Promise<Map<string, string[]>> {
  const { stdout } = await run(
    tdbg,
    ['--address', address, '--color', 'never', '--context-timeout', '3', 'membership', 'list-gossip'],
    { env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' }, timeout: 10_000 },
  );
  const rings = ringsSchema.parse(JSON.parse(stdout));
  return new Map(rings.map((ring) => [ring.role, ring.members.map((member) => member.identity)]));
}
