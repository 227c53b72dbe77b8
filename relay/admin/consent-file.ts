import { readFileSync, watch, watchFile, unwatchFile, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Logger } from 'pino';
import { ConfigError } from '../../config/errors.js';
import { parseConsentFile } from '../../config/consent-file.js';
import type { ConsentFileChange, ConsentStore } from './consent-store.js';
import { isStorageFault } from '../storage/db.js';
import type { Metrics } from '../observe/metrics.js';

/** What one read of the consent file did. */
export type ConsentFileResult =
  | { outcome: 'applied'; changes: ConsentFileChange[] }
  | { outcome: 'unchanged' }
  | { outcome: 'refused'; reason: string };

/** How long after the last change event the file is read: an editor or a ConfigMap update writes in several steps. */
const DEBOUNCE_MS = 250;
/** When applying failed on storage, the next try; no file event may come to trigger it. */
const STORAGE_RETRY_MS = 5000;
/** Only where the file system cannot be watched: a stat every few seconds. */
const POLL_MS = 5000;

/**
 * The declarative consent file (`RELAY_CONSENT_FILE`): read at start and again whenever it
 * changes. A file that cannot be read or parsed is refused and the consent it gave last stays.
 */
export class ConsentFile {
  private lastText: string | undefined;

  constructor(
    readonly path: string,
    private readonly consent: ConsentStore,
  ) {}

  /** Reads the file and applies it when its text changed since the last good read. */
  load(): ConsentFileResult {
    let text: string;
    try {
      text = readFileSync(this.path, 'utf8');
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      return { outcome: 'refused', reason: `cannot read it (${typeof code === 'string' ? code : 'error'})` };
    }
    if (text === this.lastText) return { outcome: 'unchanged' };
    let declared;
    try {
      declared = parseConsentFile(text);
    } catch (error) {
      if (error instanceof ConfigError) return { outcome: 'refused', reason: error.message };
      throw error;
    }
    const changes = this.consent.applyFile(declared, this.path);
    this.lastText = text;
    return { outcome: 'applied', changes };
  }

  /**
   * Watches the file's directory — a ConfigMap update swaps a symlink there rather than writing
   * the file — and applies the file after each burst of changes. Returns the function that stops it.
   */
  watch(onResult: (result: ConsentFileResult) => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const reload = () => {
      timer = undefined;
      let result: ConsentFileResult;
      try {
        result = this.load();
      } catch (error) {
        if (!isStorageFault(error)) throw error;
        result = { outcome: 'refused', reason: 'storage is not writable; retrying' };
        schedule(STORAGE_RETRY_MS);
      }
      onResult(result);
    };
    const schedule = (ms: number) => {
      if (timer !== undefined) clearTimeout(timer);
      timer = setTimeout(reload, ms);
      timer.unref();
    };
    let watcher: FSWatcher | undefined;
    try {
      const name = basename(this.path);
      watcher = watch(dirname(this.path), { persistent: false }, (_event, changed) => {
        if (changed === null || changed === name || changed.startsWith('..')) schedule(DEBOUNCE_MS);
      });
      watcher.on('error', () => schedule(DEBOUNCE_MS));
    } catch {
      watchFile(this.path, { interval: POLL_MS, persistent: false }, () => schedule(DEBOUNCE_MS));
    }
    return () => {
      if (timer !== undefined) clearTimeout(timer);
      if (watcher === undefined) unwatchFile(this.path);
      else watcher.close();
    };
  }
}

/** Logs and counts one read of the consent file; company ids and old/new values, never more. */
export function reportConsentFile(path: string, result: ConsentFileResult, metrics: Metrics, logger: Logger): void {
  metrics.consentFileReloads.inc({ outcome: result.outcome });
  if (result.outcome === 'refused') {
    logger.error({ file: path, reason: result.reason }, 'consent file refused; the consent it gave last stays in force');
  } else if (result.outcome === 'applied') {
    const changes = result.changes.map(({ companyId, before, after, purged }) => ({ companyId, before, after, purged }));
    logger.info({ file: path, changed: changes.length, changes: changes.slice(0, 50) }, 'consent file applied');
  }
}
