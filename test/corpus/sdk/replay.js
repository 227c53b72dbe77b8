// Reading the committed corpus and posting it to a relay: shared by test/sdk/content-leak.test.ts
// and bench/content-leak.js.
import { readFileSync } from 'node:fs';
import { fetch } from 'undici';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));

/** The companies the corpus posts for; each needs consent for its events to leave. */
export const COMPANIES = ['acme', 'globex', 'initech', 'umbrella', 'hooli'];

/** The Sentry DSN public key of a company in the corpus. */
export const sentryKeyOf = (company) => `pk${company}0042`;

/** `RELAY_SENTRY_KEYS` for a relay that receives the corpus. */
export const SENTRY_KEYS = COMPANIES.map((company) => `${sentryKeyOf(company)}=${company}`).join(',');

function ndjson(name) {
  return readFileSync(`${HERE}${name}`, 'utf8')
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => JSON.parse(line));
}

/** The committed corpus: requests (`corpus.ndjson`), labels (`labels.ndjson`) and generated key names. */
export function loadCorpus() {
  return {
    requests: ndjson('corpus.ndjson'),
    labels: ndjson('labels.ndjson'),
    keys: readFileSync(`${HERE}vocabulary.txt`, 'utf8').split('\n').filter((line) => line !== ''),
  };
}

/**
 * Posts every request to the relay at `baseUrl`, a few at a time, and returns the requests the
 * relay did not answer 2xx (route, status) — those events cannot be counted.
 */
export async function postCorpus(baseUrl, requests, concurrency = 4) {
  const refused = [];
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const request = requests[next++];
      const response = await fetch(`${baseUrl}${request.route}`, { method: 'POST', headers: request.headers, body: request.body });
      await response.arrayBuffer();
      if (response.status < 200 || response.status > 299) refused.push({ id: request.id, route: request.route, status: response.status });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return refused;
}
