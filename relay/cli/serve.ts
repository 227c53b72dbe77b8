import { setFlagsFromString } from 'node:v8';
import type { RelayConfig } from '../../config/env.js';
import { memorySettings } from '../observe/memory-settings.js';
import { startRelay } from '../server.js';

/**
 * undici parses the upstreams' responses with llhttp compiled to WebAssembly. V8's optimising tier
 * recompiles the parser's one large function in the background at the first upstream request,
 * with a large scratch allocation: a spike of the relay's RSS, once, for a parser that reads a few
 * small responses a second. Its baseline code is enough. The flags must be set before that first
 * request compiles the module; they cannot be passed in NODE_OPTIONS, so the relay sets them itself.
 */
function keepWasmOnBaselineCode(): void {
  setFlagsFromString('--no-wasm-tier-up');
  setFlagsFromString('--no-wasm-dynamic-tiering');
}

/**
 * `serve`: runs the relay until SIGTERM or SIGINT, then drains it. Every line, the signal's
 * included, goes to the relay's one JSON log stream.
 */
export async function serve(config: RelayConfig): Promise<void> {
  keepWasmOnBaselineCode();
  const relay = await startRelay(config);
  relay.logger.info(memorySettings(), 'memory settings');
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) {
      relay.logger.warn({ signal }, `${signal} received again; the drain keeps its deadline`);
      return;
    }
    stopping = true;
    relay.logger.info({ signal, timeoutSeconds: config.shutdownTimeoutSeconds }, `${signal} received, draining`);
    relay.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
