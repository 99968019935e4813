/**
 * Creates the bucket the worker's configuration names, when it is missing: for the simulator's
 * Docker Compose profile and other development stores. Production buckets are made by whoever owns
 * the account (with a lifecycle rule, see docs/archives.md); the worker itself never creates one.
 */
import { BucketAlreadyOwnedByYou, CreateBucketCommand, HeadBucketCommand } from '@aws-sdk/client-s3';
import { objectStoreClient } from '../activities/archive/archive-sink-from.js';
import { ConfigError, loadWorkerConfig } from '../worker/config.js';

async function main(): Promise<void> {
  const { archives } = loadWorkerConfig();
  if (archives.kind !== 'object-store') {
    console.log(`Archives go to the directory ${archives.directory}; no bucket to create`);
    return;
  }
  const client = objectStoreClient(archives);
  const exists = await client.send(new HeadBucketCommand({ Bucket: archives.bucket })).then(
    () => true,
    () => false,
  );
  if (!exists) {
    await client.send(new CreateBucketCommand({ Bucket: archives.bucket })).catch((err: unknown) => {
      if (!(err instanceof BucketAlreadyOwnedByYou)) throw err;
    });
  }
  console.log(`Bucket ${archives.bucket}: ${exists ? 'already there' : 'created'}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});
