import { metricMeter } from '@temporalio/workflow';
import type { TrackerStatus } from '../../contract/index.js';

/**
 * The tracker's own metrics, on the worker's Prometheus endpoint with the SDK's (tagged with the
 * workflow type and task queue; the SDK drops them while replaying, so each is counted once).
 */
export function countPoll(answered: boolean): void {
  metricMeter
    .createCounter('clouddc_tracker_polls', 'polls', 'Status polls made by trackers')
    .add(1, { answered: String(answered) });
}

/**
 * How long an export may have been finished before the tracker noticed: the time between the
 * last poll that found it running and the one that found it ended (an upper bound; the API does
 * not say when it ended).
 */
export function recordDetectionWindow(ms: number, outcome: 'completed' | 'failed'): void {
  metricMeter
    .createHistogram(
      'clouddc_detection_window',
      'int',
      'ms',
      'Time between the last poll finding an export running and the one finding it ended',
    )
    .record(Math.max(0, Math.round(ms)), { outcome });
}

/** A tracker started (not one continued as new). */
export function countStarted(): void {
  metricMeter.createCounter('clouddc_tracker_started', 'trackers', 'Trackers started').add(1);
}

/** A tracker ended, by how: completed, failed, timed-out, stalled or cancelled. */
export function countEnded(outcome: TrackerStatus): void {
  metricMeter
    .createCounter('clouddc_tracker_ended', 'trackers', 'Trackers ended, by outcome')
    .add(1, { outcome });
}
