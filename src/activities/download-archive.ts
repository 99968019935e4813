import { createHash } from 'node:crypto';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as NodeReadableStream } from 'node:stream/web';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import {
  type ArchiveInfo,
  type DownloadArchiveInput,
  describeExport,
  TransientFailureType,
} from '../contract/index.js';
import { type ActivityDependencies, apiCall } from './api-call.js';
import type { ArchiveUpload } from './archive/sink.js';
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
    const call = apiCall(deps, subject, input, { exportId: input.exportId });
    let download: Awaited<ReturnType<typeof deps.cloudDC.downloadServerLogs>>;
    try {
      download = await deps.cloudDC.downloadServerLogs(call.target, input, call.limits);
    } catch (err) {
      if (err instanceof CloudDCApiError) throw await call.fail(subject, err);
      throw err;
    }
    const key = [input.destination, input.projectId, input.serverId, archiveName(input, download.filename)]
      .filter(Boolean)
      .join('/');
    let upload: ArchiveUpload;
    try {
      upload = await deps.archives.open(key);
    } catch (err) {
      await download.body.cancel().catch(() => undefined);
      // The archive directory itself refuses (no space, no permission, a path it will not take):
      // reported as it is, and retried like any other failed attempt.
      throw ApplicationFailure.create({
        type: TransientFailureType.CloudDCUnavailable,
        message: `${subject}: the archive could not be stored at ${deps.archives.description}: ${(err as Error).message}`,
      });
    }
    const hash = createHash('sha256');
    let bytes = 0;
    // A body that stops arriving is given up here, long before the activity's heartbeat timeout,
    // so a stalled attempt never lingers next to its retry.
    const idle = new AbortController();
    let idleTimer = setTimeout(() => idle.abort(new Error(`no data for ${IDLE_MS} ms`)), IDLE_MS);
    const meter = new Transform({
      transform(chunk: Buffer, _encoding, done) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => idle.abort(new Error(`no data for ${IDLE_MS} ms`)), IDLE_MS);
        hash.update(chunk);
        bytes += chunk.length;
        deps.metrics?.downloaded(chunk.length);
        context.heartbeat({ bytes });
        done(null, chunk);
      },
    });
    try {
      await pipeline(
        Readable.fromWeb(download.body as NodeReadableStream<Uint8Array>),
        meter,
        upload.stream,
        { signal: AbortSignal.any([context.cancellationSignal, idle.signal]) },
      );
      if (download.contentLength !== undefined && bytes !== download.contentLength) {
        throw new Error(`the body ended after ${bytes} of ${download.contentLength} bytes`);
      }
      return await upload.commit({ bytes, sha256: hash.digest('hex') });
    } catch (err) {
      await upload.abort();
      if (context.cancellationSignal.aborted) throw err;
      throw await call.fail(
        subject,
        new CloudDCApiError({
          kind: 'unavailable',
          message: `downloading the archive failed after ${bytes} bytes: ${idle.signal.aborted ? String(idle.signal.reason) : (err as Error).message}`,
          ...(download.requestId ? { requestId: download.requestId } : {}),
        }),
      );
    } finally {
      clearTimeout(idleTimer);
    }
  };
}

/** Longest pause in a download's body before the attempt gives up (and is retried); under the heartbeat timeout, so the error says why. */
const IDLE_MS = 15_000;

/** `{exportId}-{SN}-dump.tar.gz`, with the SN from the API's file name when it gives a usable one. */
function archiveName(input: DownloadArchiveInput, filename: string | undefined): string {
  const sn = filename?.replace(/-dump\.tar\.gz$/i, '');
  return `${input.exportId}-${sn && SN.test(sn) ? sn : input.serverId}-dump.tar.gz`;
}
