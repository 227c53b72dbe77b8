/** How far behind the event loop is, sampled only while someone asks. */
export interface LoopDelay {
  /** The smoothed delay in ms; (re)starts the sampler, which stops again after `idleMs` without a read. */
  current(): number;
  stop(): void;
}

/**
 * How late a 20 ms timer fires, smoothed: a cheap, current measure of how far behind the event
 * loop is. Under overload it grows with the queue of requests the relay has not read yet. The
 * timer runs only while requests read the value: an idle relay wakes for nothing, and the first
 * request after a quiet spell sees 0, which is what a loop with nothing to do is behind by.
 */
export function watchEventLoopDelay(intervalMs = 20, idleMs = 1000): LoopDelay {
  let delay = 0;
  let expected = 0;
  let lastRead = 0;
  let timer: NodeJS.Timeout | undefined;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
    delay = 0;
  };
  const tick = () => {
    const now = performance.now();
    if (now - lastRead > idleMs) {
      stop();
      return;
    }
    delay = delay * 0.5 + Math.max(0, now - expected) * 0.5;
    expected = now + intervalMs;
  };
  return {
    current: () => {
      lastRead = performance.now();
      if (timer === undefined) {
        expected = lastRead + intervalMs;
        timer = setInterval(tick, intervalMs);
        timer.unref();
      }
      return delay;
    },
    stop,
  };
}
