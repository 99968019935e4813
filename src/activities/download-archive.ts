import { createHash } from 'node:crypto';
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Context } from '@temporalio/activity';
import { type ArchiveInfo, type DownloadArchiveInput, describeExport } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import { ArchiveStoreError } from './archive/sink.js';
import { storeStep } from './archive/store-step.js';
import type { ArchiveDownload } from './clouddc/client.js';
import { CloudDCApiError } from './clouddc/errors.js';

/** A serial number as it may appear in a file name; anything else falls back to the server ID. */
const SN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * DownloadServerLogs, streamed to the archive sink: never the whole archive in memory, sha256 and
 * size computed on the way, bytes so far reported as heartbeats (so a stalled download times out
 * on the heartbeat, not after an hour). Nothing appears under the final name until the archive is
 * complete; a failed attempt removes what it wrote, and a retry starts again from the first byte
 * (the API documents no ranges to resume from).
 *
 * An archive the sink already holds is not stored again: the API gives no checksum ahead, so the
 * download is hashed on its own first, and only an archive that differs replaces the stored one.
 */
export function downloadArchiveActivity(deps: ActivityDependencies) {
  return async function downloadArchive(input: DownloadArchiveInput): Promise<ArchiveInfo> {
    const context = Context.current();
    const subject = describeExport(input);
    const call = apiCall(deps, subject, input, { exportId: input.exportId });
    const requestArchive = () =>
      call.send(() => deps.cloudDC.downloadServerLogs(call.target, input, call.limits));
    const inStore = <T>(step: () => Promise<T>) =>
      storeStep({ subject, stored: 'the archive', store: deps.archives.description }, step);
    const receive = async (download: ArchiveDownload, into: Writable) => {
      try {
        return await receiveArchive(download, into, deps.metrics);
      } catch (err) {
        if (context.cancellationSignal.aborted || err instanceof ArchiveStoreError) throw err;
        throw await call.fail(
          subject,
          new CloudDCApiError({
            kind: 'unavailable',
            message: `downloading the archive failed: ${(err as Error).message}`,
            ...(download.requestId ? { requestId: download.requestId } : {}),
          }),
        );
      }
    };

    let download = await requestArchive();
    const key = [input.destination, input.projectId, input.serverId, archiveName(input, download.filename)]
      .filter(Boolean)
      .join('/');
    // A body nobody will read is cancelled, so its connection is not left hanging.
    const unlessStored = <T>(step: Promise<T>) =>
      step.catch(async (err: unknown) => {
        await download.body.cancel().catch(() => undefined);
        throw err;
      });
    const stored = await unlessStored(inStore(() => deps.archives.find(key)));
    if (stored && (download.contentLength === undefined || download.contentLength === stored.bytes)) {
      const received = await receive(download, discard());
      if (received.sha256 === stored.sha256) {
        context.log.info('Archive already stored with the same sha256; not stored again', {
          archive: stored.url,
          sha256: stored.sha256,
        });
        return stored;
      }
      context.log.warn('Archive differs from the one stored under its name; replacing it', {
        archive: stored.url,
        storedSha256: stored.sha256,
        downloadedSha256: received.sha256,
      });
      download = await requestArchive();
    }
    const upload = await unlessStored(
      inStore(() =>
        deps.archives.open(
          key,
          download.contentLength === undefined ? {} : { bytes: download.contentLength },
        ),
      ),
    );
    try {
      const received = await inStore(() => receive(download, upload.stream));
      return await inStore(() => upload.commit(received));
    } catch (err) {
      await upload.abort();
      throw err;
    }
  };
}

/**
 * Streams the body into `into`, counting and hashing on the way and heartbeating the bytes so far.
 * A body that stops arriving is given up after IDLE_MS, long before the activity's heartbeat
 * timeout, so a stalled attempt never lingers next to its retry.
 */
async function receiveArchive(
  download: ArchiveDownload,
  into: Writable,
  metrics: ActivityDependencies['metrics'],
): Promise<{ bytes: number; sha256: string }> {
  const context = Context.current();
  const hash = createHash('sha256');
  let bytes = 0;
  const idle = new AbortController();
  const stalled = () => idle.abort(new Error(`no data for ${IDLE_MS} ms after ${bytes} bytes`));
  let idleTimer = setTimeout(stalled, IDLE_MS);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      clearTimeout(idleTimer);
      idleTimer = setTimeout(stalled, IDLE_MS);
      hash.update(chunk);
      bytes += chunk.length;
      metrics?.downloaded(chunk.length);
      context.heartbeat({ bytes });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>), meter, into, {
      signal: AbortSignal.any([context.cancellationSignal, idle.signal]),
    });
  } catch (err) {
    throw idle.signal.aborted ? idle.signal.reason : err;
  } finally {
    clearTimeout(idleTimer);
  }
  if (download.contentLength !== undefined && bytes !== download.contentLength) {
    throw new Error(`the body ended after ${bytes} of ${download.contentLength} bytes`);
  }
  return { bytes, sha256: hash.digest('hex') };
}

/** A stream that keeps nothing, for hashing a download without storing it. */
function discard(): Writable {
  return new Writable({
    write(_chunk, _encoding, done) {
      done();
    },
  });
}

/** Longest pause in a download's body before the attempt gives up (and is retried); under the heartbeat timeout, so the error says why. */
const IDLE_MS = 15_000;

/** `{exportId}-{SN}-dump.tar.gz`, with the SN from the API's file name when it gives a usable one. */
function archiveName(input: DownloadArchiveInput, filename: string | undefined): string {
  const sn = filename?.replace(/-dump\.tar\.gz$/i, '');
  return `${input.exportId}-${sn && SN.test(sn) ? sn : input.serverId}-dump.tar.gz`;
}
