// Triggers Node's and V8's own errors and prints their messages and stack frame lines as JSON.
// Calls every exported function of a few side-effect-free core modules with wrong arguments
// (they throw ERR_INVALID_ARG_* before doing anything), plus a list of V8 runtime errors.
import assert from 'node:assert';
import * as buffer from 'node:buffer';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as querystring from 'node:querystring';
import * as url from 'node:url';
import * as util from 'node:util';
import * as zlib from 'node:zlib';
import * as dns from 'node:dns';
import * as events from 'node:events';
import * as stream from 'node:stream';
import * as v8 from 'node:v8';
import * as vm from 'node:vm';

const seen = new Set();
const rows = [];
const cwd = process.cwd();
function record(err, source) {
  if (!(err instanceof Error)) return;
  const msg = String(err.message);
  for (const text of msg.split('\n')) {
    if (text.trim() && !seen.has(text)) {
      seen.add(text);
      rows.push({ text, source, kind: 'error-message' });
    }
  }
  for (const line of String(err.stack ?? '').split('\n').slice(1, 4)) {
    const text = line.trim().replaceAll(cwd, '/srv/app');
    if (text.startsWith('at ') && !seen.has(text)) {
      seen.add(text);
      rows.push({ text, source, kind: 'stack-frame' });
    }
  }
}
const BAD = [[Symbol('s')], [{}], [-1], [null, Symbol('s')], ['', -1, {}], [1n, 'x', []], [NaN, NaN, NaN]];
const SKIP = /^(log|debug|debuglog|watch|watchFile|unwatchFile|createReadStream|createWriteStream|exit|abort|kill|spawn|fork|exec|setFlagsFromString|writeHeapSnapshot|getHeapSnapshot|startupSnapshot|takeCoverage|stopCoverage|setHeapSnapshotNearHeapLimit|Readable|Writable)$/;
const modules = { assert, buffer, crypto, fs, path, querystring, url, util, zlib, dns, v8, vm };
// Some calls fail later, asynchronously; those errors are recorded too rather than ending the run.
process.on('uncaughtException', (err) => record(err, `node async (Node ${process.version})`));
process.on('unhandledRejection', (err) => record(err, `node async (Node ${process.version})`));
for (const [modName, mod] of Object.entries(modules)) {
  for (const [name, fn] of Object.entries(mod)) {
    if (typeof fn !== 'function' || SKIP.test(name)) continue;
    // fd-taking fs functions abort the process on some bad descriptors; only path-taking ones are called.
    if (modName === 'fs' && !/^(open|readFile|readdir|stat|lstat|mkdir|access|realpath|rm|copyFile|rename)(Sync)?$/.test(name)) continue;
    for (const args of modName === 'fs' ? BAD.slice(0, 2) : BAD) {
      try {
        const r = fn(...args);
        if (r && typeof r.then === 'function') r.catch(() => {});
        if (r && typeof r.destroy === 'function') r.destroy();
      } catch (err) {
        record(err, `node:${modName}.${name} (Node ${process.version})`);
      }
      try {
        if (/^[A-Z]/.test(name)) new fn(...args);
      } catch (err) {
        record(err, `node:${modName}.${name} (Node ${process.version})`);
      }
    }
  }
}
const V8 = [
  () => undefined.map, () => null.length, () => JSON.parse('<html>'), () => JSON.parse('{"a":1,}'), () => JSON.parse(''),
  () => new Array(-1), () => 1n + 1, () => BigInt(1.5), () => Symbol() + '', () => ({}).x.y, () => (void 0)(), () => 'a'.repeat(-1),
  () => new Intl.NumberFormat('xx-invalid-'), () => structuredClone(() => 1), () => { const o = {}; o.o = o; JSON.stringify(o); },
  () => Object.defineProperty(Object.freeze({}), 'x', { value: 1 }), () => new Proxy({}, null), () => decodeURIComponent('%'),
  () => new RegExp('['), () => (1).toFixed(200), () => Reflect.ownKeys(1), () => new Set(1), () => new Map([1]), () => [].reduce((a) => a),
  () => new URL('not a url'), () => new URL('/path', 'nope'), () => Buffer.alloc(-5), () => Buffer.from({}), () => new TextDecoder('nope'),
  () => fs.readFileSync('/nonexistent/file.txt'), () => fs.readdirSync('/etc/passwd'), () => fs.mkdirSync('/proc/x/y'), () => fs.rmdirSync('/'),
  () => fs.openSync('/', 'w'), () => assert.strictEqual(1, 2), () => assert.deepStrictEqual({ a: 1 }, { a: 2 }), () => assert.ok(false),
  () => assert.throws(() => {}), () => assert.match('abc', /x/), () => crypto.createHash('nope'), () => crypto.createCipheriv('aes-128-cbc', 'k', 'iv'),
  () => zlib.inflateSync(Buffer.from('garbage')), () => zlib.gunzipSync(Buffer.from('garbage')), () => vm.runInNewContext('syntax error here'),
  () => vm.runInNewContext('let a; let a;'), () => vm.runInNewContext('foo()'), () => vm.runInNewContext('await 1'), () => eval('return 1'),
  () => eval('({'), () => eval('class A { constructor(){} constructor(){} }'), () => eval('"use strict"; with ({}) {}'), () => eval('x = ;'),
  () => new (class A { #p; static t(o) { return o.#p; } }).constructor.t({}), () => { class A {} A(); }, () => Object.setPrototypeOf(Object.preventExtensions({}), {}),
  () => new Uint8Array(-1), () => new DataView(new ArrayBuffer(1)).getInt32(0), () => 'x'.normalize('bad'), () => new Date(NaN).toISOString(),
  () => Array.prototype.forEach.call(null), () => ({}).hasOwnProperty.call(undefined), () => new WeakMap([[1, 1]]), () => Promise.resolve.call(1),
  () => process.chdir('/nonexistent-dir'), () => require('x'), () => util.promisify(1), () => events.once(1), () => new stream.Readable().read(-1),
];
for (const f of V8) {
  try {
    f();
  } catch (err) {
    record(err, `v8/node runtime (Node ${process.version})`);
  }
}
// Network errors are asynchronous; connect to a closed port on 127.0.0.1 and resolve an invalid name.
const net = await import('node:net');
await new Promise((resolve) => {
  const s = net.connect(1, '127.0.0.1');
  s.on('error', (err) => { record(err, `node:net.connect (Node ${process.version})`); resolve(); });
});
await fs.promises.readFile('/nonexistent/config.yaml').catch((err) => record(err, `node:fs.promises.readFile (Node ${process.version})`));
await fs.promises.access('/root/.ssh', fs.constants.W_OK).catch((err) => record(err, `node:fs.promises.access (Node ${process.version})`));
await fetch('http://127.0.0.1:1/').catch((err) => { record(err, `fetch (Node ${process.version})`); record(err.cause, `fetch (Node ${process.version})`); });
process.stdout.write(JSON.stringify(rows));
setTimeout(() => process.exit(0), 10).unref();
