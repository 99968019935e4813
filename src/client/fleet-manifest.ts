import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import {
  type CollectFleetLogsResult,
  type FleetServerLine,
  type ListedFleetResult,
  readFleetResult,
} from '../contract/index.js';

/**
 * The servers' lines of a fleet whose manifests are in an archive directory this process can read
 * (a result from before manifests lists its servers itself), the first `limit` of them. An object
 * store's manifests are `s3://` or `obs://` objects, read with the store's own tools: this client
 * holds no store credentials, and such a manifest is refused by name.
 */
export async function readFleetServers(
  raw: CollectFleetLogsResult | ListedFleetResult,
  limit = Number.POSITIVE_INFINITY,
): Promise<FleetServerLine[]> {
  const { result, lines } = readFleetResult(raw);
  const read = lines.slice(0, limit);
  for (const manifest of result.manifests) {
    if (read.length >= limit) break;
    if (!manifest.path)
      throw new Error(
        `the manifest ${manifest.url} is not in an archive directory; read it with the object store's tools`,
      );
    const input = createReadStream(manifest.path);
    try {
      for await (const line of createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY })) {
        if (line) read.push(JSON.parse(line) as FleetServerLine);
        if (read.length >= limit) break;
      }
    } finally {
      input.destroy();
    }
  }
  return read;
}
