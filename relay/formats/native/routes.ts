import type { Context } from 'hono';
import type { EventKind } from '../../../scrubbers/types.js';
import { ingestScope } from '../../http/ingest-auth.js';
import { requireJsonType } from '../../http/parse-body.js';
import { bodyReadLimits, readIngestBody } from '../../http/read-body.js';
import { throwToOnError, type FormatDeps, type IngestFormat } from '../format.js';

/**
 * The relay's own format: `POST /v1/errors` and `/v1/scans` take one event, a JSON array or
 * NDJSON, answer `202` with what was accepted and dropped, and refuse in the relay's JSON error
 * shape (the app's `onError`). The body goes to the pipeline undecoded, so that a large one is
 * decoded and scrubbed on the scrub worker.
 */
export function nativeFormat(deps: FormatDeps): IngestFormat {
  const readLimits = bodyReadLimits(deps.config);
  const route = (kind: EventKind) => async (c: Context) => {
    const contentType = c.req.header('content-type');
    requireJsonType(contentType, true);
    const scope = ingestScope(c);
    const bytes = await readIngestBody(c, readLimits);
    const body = { bytes, contentType, contentEncoding: c.req.header('content-encoding') };
    return c.json(await deps.pipeline.ingestBody(kind, body, scope), 202);
  };
  return {
    name: 'native',
    routes: [
      { paths: ['/v1/errors'], auth: 'bearer', handle: route('error') },
      { paths: ['/v1/scans'], auth: 'bearer', handle: route('scan') },
    ],
    refuse: throwToOnError,
  };
}
