export { startRelay, type RunningRelay, type StartOptions } from './server.js';
export { createApp, type AppDeps } from './app.js';
export { loadConfig, type RelayConfig } from '../config/env.js';
