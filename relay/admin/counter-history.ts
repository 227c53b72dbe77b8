import type { Db } from '../storage/db.js';
import type { Metrics } from '../observe/metrics.js';

/** Which counters are kept over time, and the label that splits each (the empty string for none). */
const SERIES = [
  { name: 'accepted', label: 'kind' },
  { name: 'dropped', label: 'reason' },
  { name: 'findings', label: 'rule' },
] as const;

export type SeriesName = (typeof SERIES)[number]['name'];

/** One bucket of one counter: how much it grew in the minute starting at `at`. */
export interface CounterPoint {
  at: number;
  label: string;
  value: number;
}

const BUCKET_MS = 60_000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS counter_history (
  bucket INTEGER NOT NULL,
  series TEXT NOT NULL,
  label TEXT NOT NULL,
  value INTEGER NOT NULL,
  PRIMARY KEY (series, bucket, label)
) STRICT, WITHOUT ROWID;
`;

/**
 * The relay's counters over time, for the console's statistics: per minute, how many events
 * were accepted (by kind), dropped (by reason) and how many values each rule removed. The
 * Prometheus counters stay the source; each sample writes what they grew since the previous
 * sample, so the ingest path pays nothing. Labels are kinds, reasons and rule ids — never values.
 */
export class CounterHistory {
  private readonly last = new Map<string, number>();
  private readonly upsert;

  constructor(
    private readonly db: Db,
    private readonly metrics: Pick<Metrics, SeriesName>,
    private readonly now: () => number = Date.now,
  ) {
    db.exec(SCHEMA);
    this.upsert = db.prepare<[number, string, string, number]>(
      `INSERT INTO counter_history (bucket, series, label, value) VALUES (?, ?, ?, ?)
       ON CONFLICT (series, bucket, label) DO UPDATE SET value = value + excluded.value`,
    );
  }

  /** Writes how much every kept counter grew since the last sample into the current minute. */
  async sample(): Promise<void> {
    const bucket = Math.floor(this.now() / BUCKET_MS) * BUCKET_MS;
    const rows: [number, string, string, number][] = [];
    for (const { name, label } of SERIES) {
      const metric = await this.metrics[name].get();
      for (const sample of metric.values) {
        const value = String((sample.labels as Record<string, string | number | undefined>)[label] ?? '');
        const key = `${name}\u0000${value}`;
        const previous = this.last.get(key) ?? 0;
        // A counter never shrinks; a smaller value means the registry was reset (a new process).
        const grown = sample.value >= previous ? sample.value - previous : sample.value;
        this.last.set(key, sample.value);
        if (grown > 0) rows.push([bucket, name, value, grown]);
      }
    }
    if (rows.length === 0) return;
    this.db.transaction(() => {
      for (const row of rows) this.upsert.run(...row);
    })();
  }

  /** The minute buckets of one counter from `since` on, oldest first. */
  series(name: SeriesName, since: number): CounterPoint[] {
    return this.db
      .prepare<[string, number], CounterPoint>(
        'SELECT bucket AS at, label, value FROM counter_history WHERE series = ? AND bucket >= ? ORDER BY bucket, label',
      )
      .all(name, since);
  }

  /** Retention: removes buckets older than `cutoff` (ms); returns how many rows. */
  expire(cutoff: number): number {
    return this.db.prepare('DELETE FROM counter_history WHERE bucket < ?').run(cutoff).changes;
  }
}
