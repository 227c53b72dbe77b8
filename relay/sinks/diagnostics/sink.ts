import type { Sink } from '../sink.js';

/**
 * The company's diagnostics endpoint (`DIAGNOSTICS_ENDPOINT`): error traces, many per request,
 * gzip'd, as the stored JSON with the stable id and the allowed identifiers spliced in front.
 */
export const diagnosticsSink: Sink = {
  name: 'diagnostics',
  mode: 'batch',
  gzip: true,
  settings: (config) => config.diagnostics,
  encode(row, identity) {
    // Spliced, not re-parsed: the stored payload is already the JSON that is sent.
    let head = `{"event_id":${JSON.stringify(row.eventId)}`;
    if (identity.companyId !== undefined) head += `,"company_id":${JSON.stringify(identity.companyId)}`;
    if (identity.userHash !== undefined) head += `,"user_id":${JSON.stringify(identity.userHash)}`;
    const rest = row.payload.slice(1);
    return rest.trimStart().startsWith('}') ? `${head}}` : `${head},${rest}`;
  },
};
