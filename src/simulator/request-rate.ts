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
