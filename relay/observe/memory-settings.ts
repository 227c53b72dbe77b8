import { getHeapStatistics } from 'node:v8';

/** The memory settings this process runs with, as the start log reports them. */
export interface MemorySettings {
  /** V8's heap limit (old generation cap plus young generation), MB. */
  heapLimitMb: number;
  /** `--max-old-space-size`, MB, or undefined for V8's default. */
  maxOldSpaceMb: number | undefined;
  /** `--max-semi-space-size`, MB, or undefined for V8's default. */
  maxSemiSpaceMb: number | undefined;
  /** `--v8-pool-size`, or undefined for node's default. */
  v8PoolSize: number | undefined;
  mallocMmapThreshold: string | undefined;
  mallocTrimThreshold: string | undefined;
  /** Where the old-generation cap came from: the cgroup file and limit, `RELAY_HEAP_MB`, or a default. */
  from: string;
}

function flag(execArgv: readonly string[], name: string): number | undefined {
  const prefix = `--${name}=`;
  const value = execArgv.findLast((arg) => arg.startsWith(prefix) || arg.startsWith(prefix.replaceAll('-', '_')))?.split('=')[1];
  return value === undefined ? undefined : Number(value);
}

/**
 * Reads the settings in effect from V8, node's flags and the environment, which `bin/scrub-relay`
 * sets before node starts (they cannot be changed from inside it).
 */
export function memorySettings(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): MemorySettings {
  return {
    heapLimitMb: Math.round(getHeapStatistics().heap_size_limit / 2 ** 20),
    maxOldSpaceMb: flag(execArgv, 'max-old-space-size'),
    maxSemiSpaceMb: flag(execArgv, 'max-semi-space-size'),
    v8PoolSize: flag(execArgv, 'v8-pool-size'),
    mallocMmapThreshold: env['MALLOC_MMAP_THRESHOLD_'],
    mallocTrimThreshold: env['MALLOC_TRIM_THRESHOLD_'],
    from: env['RELAY_MEMORY_FROM'] ?? 'node defaults: not started through bin/scrub-relay',
  };
}
