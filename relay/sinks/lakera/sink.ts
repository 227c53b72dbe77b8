import type { JsonObject } from '../../../scrubbers/types.js';
import type { Sink } from '../sink.js';
import { toLakeraPayload } from './payload.js';

/**
 * Lakera's telemetry endpoint (`LAKERA_API_KEY`, `LAKERA_TELEMETRY_ENDPOINT`): scan events, one
 * telemetry payload per request, uncompressed.
 */
export const lakeraSink: Sink = {
  name: 'lakera',
  mode: 'single',
  gzip: false,
  settings: (config) => config.lakera,
  encode: (row, identity, context) =>
    JSON.stringify(toLakeraPayload(row.eventId, JSON.parse(row.payload) as JsonObject, context.projectId, identity)),
};
