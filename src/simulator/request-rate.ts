/** The most of `times` (epoch ms) that fall within any one second: how hard a client pushed, or how fast a server dispatched. */
export function busiestSecond(times: number[]): number {
  const sorted = [...times].sort((a, b) => a - b);
  let most = 0;
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[j] as number) - (sorted[i] as number) >= 1_000) i++;
    most = Math.max(most, j - i + 1);
  }
  return most;
}

/**
 * The one-second windows holding more than `limit` of `times` (epoch ms), each from the time that
 * opens it, with how many it holds: the busiest where several overlap, none overlapping another.
 */
export function secondsOver(times: number[], limit: number): Array<{ at: number; count: number }> {
  const sorted = [...times].sort((a, b) => a - b);
  const over: Array<{ at: number; count: number }> = [];
  for (let i = 0, j = 0; i < sorted.length; i++) {
    while (j < sorted.length && (sorted[j] as number) - (sorted[i] as number) < 1_000) j++;
    const window = { at: sorted[i] as number, count: j - i };
    if (window.count <= limit) continue;
    const last = over.at(-1);
    if (last && window.at - last.at < 1_000) {
      if (window.count > last.count) over[over.length - 1] = window;
    } else over.push(window);
  }
  return over;
}

/** How many of `times` (epoch ms) fell in each second, counted from the first. */
export function countsPerSecond(times: number[]): number[] {
  const first = Math.min(...times);
  const counts: number[] = [];
  for (const at of times) {
    const second = Math.floor((at - first) / 1_000);
    counts[second] = (counts[second] ?? 0) + 1;
  }
  return Array.from(counts, (count) => count ?? 0);
}
