/** Result of checking one rule. */
export interface RuleCheck {
  id: string;
  /** File that defined the rule, and the file that last changed it. */
  source: string;
  enabled: boolean;
  ok: boolean;
  /** Why the rule is refused: unsafe or invalid pattern, failed examples. Empty when ok. */
  problems: string[];
  examples: { passed: number; failed: number };
}

/** Report of `checkRules`: one entry per rule, plus problems that belong to no single rule. */
export interface RulesCheckReport {
  ok: boolean;
  /** Files read, in merge order. */
  sources: string[];
  /** Problems with a whole file (unreadable, not YAML, unknown fields at the top). */
  errors: string[];
  rules: RuleCheck[];
  /** The forwarded schema's declared paths and zones (`error $.frames[*].line integer`); every other path is free-form. */
  schema: string[];
  /** Milliseconds spent in the backtracking analysis (patterns already analysed in this process are free). */
  redosCheckMs: number;
}

/** Renders a check report as text for the CLI, one line per rule, problems indented below. */
export function formatRulesCheckReport(report: RulesCheckReport): string {
  const lines: string[] = [];
  lines.push(`rules: ${report.sources.join(' + ')}`);
  for (const e of report.errors) lines.push(`ERROR ${e}`);
  for (const r of report.rules) {
    const state = !r.enabled ? 'off ' : r.ok ? 'ok  ' : 'FAIL';
    lines.push(`${state} ${r.id.padEnd(22)} examples ${r.examples.passed} passed, ${r.examples.failed} failed  (${r.source})`);
    for (const p of r.problems) lines.push(`       - ${p}`);
  }
  if (report.schema.length > 0) {
    lines.push('forwarded schema (declared technical fields and their zones; every other path is free-form):');
    for (const line of report.schema) lines.push(`     ${line}`);
  }
  const failed = report.rules.filter((r) => !r.ok).length;
  lines.push(
    report.ok
      ? `${report.rules.length} rules ok (ReDoS analysis ${Math.round(report.redosCheckMs)} ms)`
      : `${failed} rule(s) failed${report.errors.length > 0 ? `, ${report.errors.length} file error(s)` : ''}`,
  );
  return lines.join('\n');
}

/** The first problem of any rule, as a message naming the file and the rule. */
export function firstProblem(report: RulesCheckReport): string | undefined {
  for (const r of report.rules) {
    const p = r.problems[0];
    if (p !== undefined) return `rules file ${r.source}: rule "${r.id}": ${p}`;
  }
  return undefined;
}
