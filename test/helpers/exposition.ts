/** One sample line of the Prometheus text exposition format. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A metric family: its `# TYPE`, `# HELP` and samples (a histogram's `_bucket`, `_sum`, `_count` included). */
export interface Family {
  name: string;
  type: string | undefined;
  help: string | undefined;
  samples: Sample[];
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+-?\d+)?$/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?/gy;

function parseLabels(text: string, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  LABEL.lastIndex = 0;
  let end = 0;
  for (let match = LABEL.exec(text); match !== null; match = LABEL.exec(text)) {
    if (match[1]! in labels) throw new Error(`duplicate label ${match[1]} in: ${line}`);
    labels[match[1]!] = match[2]!.replace(/\\(["\\n])/g, (_, c: string) => (c === 'n' ? '\n' : c));
    end = LABEL.lastIndex;
  }
  if (end !== text.length) throw new Error(`malformed labels in: ${line}`);
  return labels;
}

function value(text: string, line: string): number {
  if (text === '+Inf') return Infinity;
  if (text === '-Inf') return -Infinity;
  if (text === 'NaN') return NaN;
  const parsed = Number(text);
  if (Number.isNaN(parsed)) throw new Error(`malformed value in: ${line}`);
  return parsed;
}

/**
 * Parses the Prometheus text format (version 0.0.4) strictly enough for tests: every sample
 * must belong to a family announced by `# TYPE`, and any line it cannot read throws.
 */
export function parseExposition(text: string): Map<string, Family> {
  const families = new Map<string, Family>();
  const familyOf = (name: string) => {
    let family = families.get(name);
    if (family === undefined) {
      family = { name, type: undefined, help: undefined, samples: [] };
      families.set(name, family);
    }
    return family;
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const meta = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line);
    if (meta) {
      const family = familyOf(meta[2]!);
      if (meta[1] === 'HELP') family.help = meta[3];
      else family.type = meta[3];
      continue;
    }
    if (line.startsWith('#')) continue;
    const sample = SAMPLE.exec(line);
    if (!sample) throw new Error(`malformed line: ${line}`);
    const name = sample[1]!;
    const owner = [name, name.replace(/_(bucket|sum|count)$/, '')].find((candidate) => families.get(candidate)?.type !== undefined);
    if (owner === undefined) throw new Error(`sample without a # TYPE: ${line}`);
    families.get(owner)!.samples.push({ name, labels: parseLabels(sample[2] ?? '', line), value: value(sample[3]!, line) });
  }
  return families;
}

/** The value of the one sample of `family` named `name` (the family's own name by default) with exactly these labels. */
export function sampleValue(families: Map<string, Family>, family: string, labels: Record<string, string> = {}, name = family): number | undefined {
  const wanted = JSON.stringify(Object.entries(labels).sort());
  return families
    .get(family)
    ?.samples.find((sample) => sample.name === name && JSON.stringify(Object.entries(sample.labels).sort()) === wanted)?.value;
}
