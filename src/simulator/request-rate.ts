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
