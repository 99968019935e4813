import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import type { FleetServerLine } from '../src/contract/index.js';
import type { CloudDCSimulator } from '../src/simulator/server.js';

/**
 * How many of a fleet's archives on disk hold exactly what the simulator served for their export
 * (same size and sha256, read back from the file) and are listed in its manifest with that sha256,
 * checked a few at a time.
 */
export async function verifiedArchives(
  sim: CloudDCSimulator,
  projectId: string,
  lines: readonly FleetServerLine[],
): Promise<number> {
  let verified = 0;
  const queue = lines.filter((line) => line.status === 'collected');
  const checkNext = async (): Promise<void> => {
    for (let success = queue.pop(); success; success = queue.pop()) {
      const record = sim.getExport(projectId, success.serverId, success.exportId);
      if (!record || !success.path) continue;
      const [expected, actual] = await Promise.all([sim.archiveDigest(record), digestOf(success.path)]);
      if (
        expected.sha256 === actual.sha256 &&
        expected.bytes === actual.bytes &&
        success.sha256 === expected.sha256
      )
        verified++;
    }
  };
  await Promise.all(Array.from({ length: 16 }, checkNext));
  return verified;
}

async function digestOf(path: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  let bytes = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    bytes += (chunk as Buffer).length;
  }
  return { bytes, sha256: hash.digest('hex') };
}
