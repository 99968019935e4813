import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../src/activities/clouddc/retry-after.js';

const NOW = Date.UTC(2025, 5, 1, 12, 0, 0);

describe('parseRetryAfter', () => {
  describe('delta-seconds', () => {
    it.each([
      ['3', 3_000],
      [' 0 ', 0],
      ['0', 0],
      ['120', 120_000],
      ['  7\t', 7_000],
    ])('reads %j as %d ms', (header, expected) => {
      expect(parseRetryAfter(header, undefined, NOW)).toBe(expected);
    });

    it('ignores the clock and the Date header for delta-seconds', () => {
      const responseDate = new Date(NOW - 3_600_000).toUTCString();
      expect(parseRetryAfter('3', responseDate, 0)).toBe(3_000);
      expect(parseRetryAfter('3', responseDate, NOW * 2)).toBe(3_000);
    });
  });

  describe('HTTP-date', () => {
    const serverNow = Date.UTC(2025, 0, 15, 8, 30, 0);
    const responseDate = new Date(serverNow).toUTCString();
    const retryAt = new Date(serverNow + 5_000).toUTCString();

    it('measures against the response Date header', () => {
      expect(parseRetryAfter(retryAt, responseDate, serverNow)).toBe(5_000);
    });

    it('is immune to a skewed local clock when the response has a Date header', () => {
      // Local clock far ahead (would give 0) and far behind (would give hours).
      expect(parseRetryAfter(retryAt, responseDate, serverNow + 3_600_000)).toBe(5_000);
      expect(parseRetryAfter(retryAt, responseDate, serverNow - 3_600_000)).toBe(5_000);
      expect(parseRetryAfter(retryAt, responseDate, 0)).toBe(5_000);
      expect(parseRetryAfter(retryAt, responseDate, NOW)).toBe(5_000);
    });

    it('falls back to the local clock when the Date header is missing', () => {
      expect(parseRetryAfter(retryAt, undefined, serverNow - 2_000)).toBe(7_000);
      expect(parseRetryAfter(retryAt, null, serverNow + 1_000)).toBe(4_000);
      expect(parseRetryAfter(retryAt, '', serverNow)).toBe(5_000);
    });

    it('falls back to the local clock when the Date header is unreadable', () => {
      expect(parseRetryAfter(retryAt, 'not a date', serverNow - 10_000)).toBe(15_000);
    });

    it('gives 0 for a date already in the past', () => {
      const past = new Date(serverNow - 60_000).toUTCString();
      expect(parseRetryAfter(past, responseDate, NOW)).toBe(0);
      expect(parseRetryAfter(past, undefined, serverNow)).toBe(0);
    });
  });

  describe('absent or unreadable', () => {
    it.each([[undefined], [null], ['']])('gives undefined for %j', (header) => {
      expect(parseRetryAfter(header, undefined, NOW)).toBeUndefined();
    });

    it.each([['soon'], ['-1'], ['1.5'], ['abc'], ['3s'], ['   ']])(
      'gives undefined for garbage %j',
      (header) => {
        expect(parseRetryAfter(header, undefined, NOW)).toBeUndefined();
        expect(parseRetryAfter(header, new Date(NOW).toUTCString(), NOW)).toBeUndefined();
      },
    );
  });
});
