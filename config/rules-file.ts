import { readFileSync } from 'node:fs';
import { parseYaml } from './yaml.js';
import type { z } from 'zod';
import type { RulesCheckReport } from './rules-report.js';

// Reading a rules file and saying what is wrong with it: the file, the rule, the field, and the
// value received.

/** The YAML in `path`, or undefined with the reason added to the report. */
export function readYaml(path: string, report: RulesCheckReport): unknown {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    report.errors.push(`rules file ${path}: cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    return undefined;
  }
  try {
    return parseYaml(text, { uniqueKeys: true });
  } catch (err) {
    report.errors.push(`rules file ${path}: not valid YAML: ${(err as Error).message.split('\n')[0] ?? ''}`);
    return undefined;
  }
}

/** One message per zod issue: file, rule (or `label`), field and the value received. */
export function zodMessages(file: string, error: z.ZodError, input: unknown, label?: string): string[] {
  return error.issues.map((issue) => {
    const where = label ?? describePath(issue.path, input);
    const field = label !== undefined && issue.path.length > 0 ? ` field "${issue.path.join('.')}"` : '';
    let what: string;
    if (issue.code === 'unrecognized_keys') {
      what = `unknown field(s) ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    } else {
      const received = valueAt(input, issue.path);
      what = `${issue.message}${received === undefined ? '' : `, got ${JSON.stringify(received)}`}`;
    }
    return `rules file ${file}: ${where}${field}: ${what}`;
  });
}

function describePath(path: readonly PropertyKey[], input: unknown): string {
  if (path[0] === 'rules' && typeof path[1] === 'number') {
    const rule = valueAt(input, ['rules', path[1]]);
    const id = typeof rule === 'object' && rule !== null && 'id' in rule ? (rule).id : undefined;
    const rest = path.slice(2).join('.');
    return `${typeof id === 'string' ? `rule "${id}"` : `rules[${path[1]}]`}${rest === '' ? '' : ` field "${rest}"`}`;
  }
  return path.length === 0 ? 'top level' : `field "${path.join('.')}"`;
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let cur = input;
  for (const key of path) {
    if (typeof cur !== 'object' || cur === null) return undefined;
    cur = (cur as Record<PropertyKey, unknown>)[key];
  }
  return typeof cur === 'object' ? undefined : cur;
}
