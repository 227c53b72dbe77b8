import { asObject, asString, objects, type Loose } from '../relay/formats/json-values.js';

/** The part of a scan event the relay derives from a Lakera Guard response. */
export interface DerivedScanResult {
  flagged: boolean;
  /** Detector types that detected something, in the order Guard listed them (`prompt_attack`, `pii/email`, …). */
  categories: string[];
  /** `high` (prompt attack), `medium` (PII, moderated content, custom detectors), `low` (unknown links, other), `none` (not flagged). */
  threat_level: 'none' | 'low' | 'medium' | 'high';
  /** Ids of the detectors that fired (`detector-lakera-pinj-input`, …): names, never matched text. */
  detected_patterns: string[];
}

/**
 * A Lakera Guard v2 response (`POST /v2/guard`, https://docs.lakera.ai/docs/api/guard) →
 * `scan_result`. Reads only `flagged` and `breakdown[] {detector_type, detector_id, detected}`.
 * `payload[]` (match offsets and the matched text), `dev_info` and `metadata` are not read, so
 * nothing from them can be forwarded. `undefined` when the value is not a Guard response
 * (no boolean `flagged`).
 * @example deriveScanResult({ flagged: true, breakdown: [{ detector_type: 'prompt_attack', detector_id: 'd-1', detected: true }] })
 * // → { flagged: true, categories: ['prompt_attack'], threat_level: 'high', detected_patterns: ['d-1'] }
 */
export function deriveScanResult(guardResponse: unknown): DerivedScanResult | undefined {
  const guard = asObject(guardResponse);
  if (guard === undefined || typeof guard['flagged'] !== 'boolean') return undefined;
  const detected = objects(guard['breakdown']).filter((entry) => entry['detected'] === true);
  const categories = unique(detected.flatMap((entry) => asName(entry['detector_type']) ?? []));
  const patterns = unique(detected.flatMap((entry) => asName(entry['detector_id']) ?? []));
  return {
    flagged: guard['flagged'],
    categories,
    threat_level: guard['flagged'] ? threatLevel(categories) : 'none',
    detected_patterns: patterns,
  };
}

/**
 * Threat level from detector types: a prompt attack is `high`; PII, moderated content and custom
 * detectors are `medium`; unknown links and anything else flagged are `low`.
 */
export function threatLevel(categories: readonly string[]): 'low' | 'medium' | 'high' {
  if (categories.some((category) => category === 'prompt_attack' || category.startsWith('prompt_attack/') || category === 'jailbreak')) return 'high';
  if (categories.some((category) => /^(pii|moderated_content|custom)(\/|$)/.test(category))) return 'medium';
  return 'low';
}

/**
 * Pre-ingest step for scan events: when an event carries a raw Lakera Guard v2 response, under
 * `guard_response` or as `scan_result` itself (recognised by its `breakdown` array), replaces it
 * with the derived `scan_result`. Scores the application sent in `scan_result` are kept. The raw
 * response never stays in the event: its `payload` points into (and quotes) the scanned content.
 * `event_type` defaults to `scan` when absent. Events without a Guard response are returned as
 * they are; the input is never modified.
 * @example normaliseScanEvent({ timestamp: '…', guard_response: { flagged: false, breakdown: [] } })
 * // → { timestamp: '…', event_type: 'scan', scan_result: { flagged: false, categories: [], threat_level: 'none', detected_patterns: [] } }
 */
export function normaliseScanEvent(event: unknown): unknown {
  const source = asObject(event);
  if (source === undefined) return event;
  const given = asObject(source['scan_result']);
  const scanResultIsGuard = given !== undefined && Array.isArray(given['breakdown']);
  if (!('guard_response' in source) && !scanResultIsGuard) return event;

  const { guard_response: guardResponse, ...rest } = source;
  const guard = guardResponse ?? (scanResultIsGuard ? given : undefined);
  const derived = deriveScanResult(guard);
  const result: Loose = { ...rest };
  if (scanResultIsGuard) delete result['scan_result'];
  if (derived !== undefined) {
    const kept = scanResultIsGuard ? {} : keptFields(given);
    result['scan_result'] = { ...kept, ...derived };
    result['event_type'] ??= 'scan';
  }
  // A response that is not Guard's is dropped all the same (it may quote content); with no other
  // scan_result, ingest then answers 400 naming `scan_result`.
  return result;
}

// Application-computed fields other than the derived ones (e.g. `scores`) survive derivation.
function keptFields(scanResult: Loose | undefined): Loose {
  if (scanResult === undefined) return {};
  const { flagged: _flagged, categories: _categories, threat_level: _threat, detected_patterns: _patterns, ...kept } = scanResult;
  return kept;
}

function asName(value: unknown): string | undefined {
  const text = asString(value);
  return text !== undefined && text.length <= 128 ? text : undefined;
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}
