/**
 * What a dev command started, stopped last-started-first on Ctrl-C, SIGTERM or a failure, so that
 * stopping at any point leaves nothing running.
 */
export function stopOnSignals(): {
  add(what: string, stop: () => Promise<void>): void;
  stopAll(code: number): Promise<never>;
  readonly stopping: boolean;
} {
  const cleanups: Array<{ what: string; stop: () => Promise<void> }> = [];
  let stopping = false;
  const stopAll = async (code: number): Promise<never> => {
    if (!stopping) {
      stopping = true;
      if (cleanups.length > 0)
        console.log(
          `\nStopping ${cleanups
            .map((c) => c.what)
            .reverse()
            .join(', ')} ...`,
        );
      for (const { what, stop } of cleanups.reverse())
        await stop().catch((err: unknown) => console.error(`Could not stop ${what}: ${String(err)}`));
      console.log('Stopped.');
      process.exit(code);
    }
    return new Promise<never>(() => {});
  };
  process.once('SIGINT', () => void stopAll(0));
  process.once('SIGTERM', () => void stopAll(0));
  return {
    add: (what, stop) => cleanups.push({ what, stop }),
    stopAll,
    get stopping() {
      return stopping;
    },
  };
}
