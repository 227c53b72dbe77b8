// A small HTTP load generator on undici (already a dependency of the relay): closed-loop with a
// fixed concurrency for throughput and latency, open-loop at a fixed rate for overload. Written
// here instead of adding autocannon so the same code drives the relay and the baseline, and so
// the open-loop mode can count every status without coordinated omission hiding the backlog.
import { clearInterval, setInterval, setTimeout } from 'node:timers';
import { Pool } from 'undici';

/** p-th percentile (0-100) of a list of numbers, by nearest rank. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

function summarise(latencies, statuses, errors, seconds) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: latencies.length,
    seconds,
    requestsPerSecond: latencies.length / seconds,
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    statuses: Object.fromEntries(statuses),
    errors,
  };
}

/**
 * Keeps `concurrency` requests in flight for `durationMs` after `warmupMs`; only requests that
 * start after the warm-up are measured.
 * @param {{ url: string, path: string, headers: Record<string,string>, body: () => string | Buffer, concurrency: number, durationMs: number, warmupMs?: number }} options
 */
export async function closedLoop(options) {
  const pool = new Pool(options.url, { connections: options.concurrency, pipelining: 1 });
  const latencies = [];
  const statuses = new Map();
  let errors = 0;
  const begin = performance.now();
  const measureFrom = begin + (options.warmupMs ?? 0);
  const end = measureFrom + options.durationMs;
  const worker = async () => {
    while (performance.now() < end) {
      const started = performance.now();
      try {
        const response = await pool.request({ path: options.path, method: 'POST', headers: options.headers, body: options.body() });
        await response.body.dump();
        if (started >= measureFrom) {
          latencies.push(performance.now() - started);
          statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
        }
      } catch {
        if (started >= measureFrom) errors += 1;
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  await pool.close();
  return summarise(latencies, statuses, errors, (Math.min(performance.now(), end) - measureFrom) / 1000);
}

/**
 * Starts `rate` requests per second for `durationMs`, whatever the answers, with at most
 * `maxInFlight` outstanding (beyond that a request counts as `shed` by the generator, not sent).
 * Latency is measured from the scheduled start, so a backlog shows up in it.
 * @param {{ url: string, path: string, headers: Record<string,string>, body: () => string | Buffer, rate: number, durationMs: number, connections: number, maxInFlight: number, timeoutMs: number }} options
 */
export async function openLoop(options) {
  const pool = new Pool(options.url, { connections: options.connections, pipelining: 1, headersTimeout: options.timeoutMs, bodyTimeout: options.timeoutMs });
  const latencies = [];
  const statuses = new Map();
  let errors = 0;
  let shed = 0;
  let inFlight = 0;
  const pending = new Set();
  const begin = performance.now();
  const tickMs = 5;
  let scheduled = 0;
  await new Promise((resolve) => {
    const timer = setInterval(() => {
      const now = performance.now();
      const due = Math.min(options.rate * ((now - begin) / 1000), (options.rate * options.durationMs) / 1000);
      while (scheduled < due) {
        const plannedAt = begin + (scheduled / options.rate) * 1000;
        scheduled += 1;
        if (inFlight >= options.maxInFlight) {
          shed += 1;
          continue;
        }
        inFlight += 1;
        const request = pool
          .request({ path: options.path, method: 'POST', headers: options.headers, body: options.body() })
          .then(async (response) => {
            await response.body.dump();
            latencies.push(performance.now() - plannedAt);
            statuses.set(response.statusCode, (statuses.get(response.statusCode) ?? 0) + 1);
          })
          .catch(() => {
            errors += 1;
          })
          .finally(() => {
            inFlight -= 1;
            pending.delete(request);
          });
        pending.add(request);
      }
      if (now - begin >= options.durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, tickMs);
  });
  const sentFor = (performance.now() - begin) / 1000;
  await Promise.race([Promise.allSettled([...pending]), new Promise((resolve) => setTimeout(resolve, options.timeoutMs + 1000))]);
  await pool.destroy();
  return { ...summarise(latencies, statuses, errors, sentFor), offered: scheduled, shed, unanswered: pending.size };
}
