// Preloaded into a relay process under test (NODE_OPTIONS=--import=…): counts the timer callbacks
// that fire and keeps the intervals that are still set, by callback name, and writes both to
// stderr on SIGUSR2 as one line `timer-census {"fired":{…},"intervals":[…]}`. Node's own timers
// are wrapped, not the relay's modules.
import { syncBuiltinESMExports } from 'node:module';
import timers from 'node:timers';
import { promisify } from 'node:util';

const fired = new Map();
const intervals = new Set();
const nameOf = (callback) => callback.name || '(anonymous)';

function wrap(original, repeating) {
  const wrapped = function (callback, ...rest) {
    if (typeof callback !== 'function') return original.call(this, callback, ...rest);
    const name = nameOf(callback);
    const timer = original.call(
      this,
      function (...args) {
        fired.set(name, (fired.get(name) ?? 0) + 1);
        return callback.apply(this, args);
      },
      ...rest,
    );
    if (repeating) intervals.add({ timer, name });
    return timer;
  };
  if (original[promisify.custom]) wrapped[promisify.custom] = original[promisify.custom];
  return wrapped;
}

globalThis.setTimeout = timers.setTimeout = wrap(timers.setTimeout, false);
globalThis.setInterval = timers.setInterval = wrap(timers.setInterval, true);
syncBuiltinESMExports();

process.on('SIGUSR2', () => {
  const live = [...intervals].filter(({ timer }) => timer._destroyed !== true).map(({ name }) => name);
  process.stderr.write(`timer-census ${JSON.stringify({ fired: Object.fromEntries(fired), intervals: live })}\n`);
});
