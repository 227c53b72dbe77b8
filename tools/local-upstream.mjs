// A throw-away diagnostics upstream on 127.0.0.1, to watch the relay forward something on your
// own machine: a fresh CA and certificate (openssl), an HTTPS server that prints every body it
// receives (gunzipped) as one JSON line, and an environment file that points the relay at it
// with telemetry on and consent granted for the company `acme`.
//
//   node tools/local-upstream.mjs [--port 8443] [--dir /tmp/scrub-relay-demo]
//
// Then, in another terminal: set -a; . /tmp/scrub-relay-demo/relay.env; set +a; npm start
// Nothing leaves the machine; stop it with Ctrl-C.
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:https';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { gunzipSync } from 'node:zlib';
import { benchPki } from '../bench/local-tls.js';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '8443' }, dir: { type: 'string', default: '/tmp/scrub-relay-demo' } },
});
const dir = values.dir;
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  process.stderr.write(`Expected --port to be 0-65535, got "${values.port}"\n`);
  process.exit(2);
}
mkdirSync(dir, { recursive: true });
const pki = benchPki(dir, 'scrub-relay local upstream CA');

const server = createServer({ cert: pki.cert, key: pki.key }, (req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const raw = Buffer.concat(chunks);
    const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
    process.stdout.write(`${JSON.stringify({ received: req.url, bytes: raw.length, body: body.toString('utf8') })}\n`);
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});

server.listen(port, '127.0.0.1', () => {
  const address = server.address();
  const consentFile = join(dir, 'consent.yaml');
  writeFileSync(consentFile, 'companies:\n  acme: { telemetry_enabled: true, ids_allowed: false }\n');
  const env = [
    `DIAGNOSTICS_ENDPOINT=https://127.0.0.1:${address.port}/v1/diagnostics`,
    `RELAY_CA_FILE=${pki.caFile}`,
    'TELEMETRY_ENABLED=true',
    `RELAY_CONSENT_FILE=${consentFile}`,
    `RELAY_DB_PATH=${join(dir, 'relay.db')}`,
  ];
  const envFile = join(dir, 'relay.env');
  writeFileSync(envFile, `${env.join('\n')}\n`);
  process.stderr.write(`local upstream on https://127.0.0.1:${address.port}; relay settings in ${envFile}\n`);
  process.stdout.write(`${JSON.stringify({ listening: address.port, env_file: envFile })}\n`);
});

for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => server.close(() => process.exit(0)));
