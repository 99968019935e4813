import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  type ArchiveInfo,
  describeFleetManifest,
  fleetManifestKey,
  type StoreFleetManifestInput,
} from '../contract/index.js';
import type { ActivityDependencies } from './api-call.js';
import { storeStep } from './archive/store-step.js';

/** JSON lines, as the store labels a manifest. */
const MANIFEST_CONTENT_TYPE = 'application/jsonl';

/**
 * Stores one run's lines of a fleet's manifest, one JSON line a server, beside the archives and
 * through the same sink: the fleet's servers are listed where its archives are, and a fleet's
 * result stays small however many it has. Storing the same part again (a retried attempt, a
 * replayed run) replaces it whole.
 */
export function storeFleetManifestActivity(deps: Pick<ActivityDependencies, 'archives'>) {
  return async function storeFleetManifest(input: StoreFleetManifestInput): Promise<ArchiveInfo> {
    const body = Buffer.from(input.lines.map((line) => `${JSON.stringify(line)}\n`).join(''));
    const facts = { bytes: body.length, sha256: createHash('sha256').update(body).digest('hex') };
    const inStore = <T>(step: () => Promise<T>) =>
      storeStep(
        { subject: describeFleetManifest(input), stored: 'the manifest', store: deps.archives.description },
        step,
      );
    const upload = await inStore(() =>
      deps.archives.open(fleetManifestKey(input), { bytes: facts.bytes, contentType: MANIFEST_CONTENT_TYPE }),
    );
    try {
      await inStore(() => pipeline(Readable.from([body]), upload.stream));
      return await inStore(() => upload.commit(facts));
    } catch (err) {
      await upload.abort();
      throw err;
    }
  };
}
