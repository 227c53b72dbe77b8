// What the benchmarks that forward over TLS share: a throw-away CA and a certificate for
// 127.0.0.1 (openssl), the relay settings that point at it, and a free port on 127.0.0.1.
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A CA and a server certificate for 127.0.0.1, written into `dir`, valid two days. */
export function benchPki(dir, name = 'scrub-relay bench CA') {
  const run = (...args) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  run('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', `/CN=${name}`);
  run('req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'server.key', '-out', 'server.csr', '-subj', '/CN=127.0.0.1');
  writeFileSync(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\n');
  run('x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', 'server.pem', '-days', '2', '-extfile', 'ext.cnf');
  return { caFile: join(dir, 'ca.pem'), cert: readFileSync(join(dir, 'server.pem')), key: readFileSync(join(dir, 'server.key')) };
}

/**
 * The settings that make a relay forward to a bench's HTTPS upstream at `endpoint` (an URL on
 * 127.0.0.1) signed by the bench's CA `caFile`: telemetry on, the diagnostics destination, the
 * host allowed, a fixed hash key. Consent is each bench's own business.
 */
export function forwardingEnv(endpoint, caFile) {
  return {
    TELEMETRY_ENABLED: 'true',
    DIAGNOSTICS_ENDPOINT: endpoint,
    DIAGNOSTICS_API_KEY: 'bench-key',
    RELAY_ALLOWED_HOSTS: '127.0.0.1',
    RELAY_CA_FILE: caFile,
    RELAY_HASH_KEY: 'bench-hash-key',
  };
}

/** A port on 127.0.0.1 that nothing listens on right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
