import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Context } from '@temporalio/activity';
import { type ArchiveInfo, type DownloadArchiveInput, describeExport } from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import { CloudDCApiError } from './clouddc-client.js';

/** A serial number as it may appear in a file name; anything else falls back to the server ID. */
const SN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * DownloadServerLogs, streamed to the archive sink: never the whole archive in memory, sha256 and
 * size computed on the way, bytes so far reported as heartbeats (so a stalled download times out
 * on the heartbeat, not after an hour). Nothing appears under the final name until the archive is
 * complete; a failed attempt removes what it wrote, and a retry starts again from the first byte
 * (the API documents no ranges to resume from).
 */
export function downloadArchiveActivity(deps: ActivityDependencies) {
  return async function downloadArchive(input: DownloadArchiveInput): Promise<ArchiveInfo> {
    const context = Context.current();
    const subject = describeExport(input);
    const call = apiCall(deps, subject, input.region);
    let download: Awaited<ReturnType<typeof deps.cloudDC.downloadServerLogs>>;
    try {
      download = await deps.cloudDC.downloadServerLogs(call.target, input, call.signal);
    } catch (err) {
      if (err instanceof CloudDCApiError) throw call.fail(subject, err);
      throw err;
    }
    const key = [input.destination, input.projectId, input.serverId, archiveName(input, download.filename)]
      .filter(Boolean)
      .join('/');
    const upload = await deps.archives.open(key);
    const hash = createHash('sha256');
    let bytes = 0;
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        hash.update(chunk);
        bytes += chunk.length;
        context.heartbeat({ bytes });
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>),
        meter,
        upload.stream,
        { signal: context.cancellationSignal },
      );
      if (download.contentLength !== undefined && bytes !== download.contentLength) {
        throw new Error(`the body ended after ${bytes} of ${download.contentLength} bytes`);
      }
      return await upload.commit({ bytes, sha256: hash.digest('hex') });
    } catch (err) {
      await upload.abort();
      if (context.cancellationSignal.aborted) throw err;
      throw call.fail(
        subject,
        new CloudDCApiError({
          kind: 'unavailable',
          message: `downloading the archive failed after ${bytes} bytes: ${(err as Error).message}`,
          ...(download.requestId ? { requestId: download.requestId } : {}),
        }),
      );
    }
  };
}

/** `{exportId}-{SN}-dump.tar.gz`, with the SN from the API's file name when it gives a usable one. */
function archiveName(input: DownloadArchiveInput, filename: string | undefined): string {
  const sn = filename?.replace(/-dump\.tar\.gz$/i, '');
  return `${input.exportId}-${sn && SN.test(sn) ? sn : input.serverId}-dump.tar.gz`;
}
