import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

// The layout rules of STYLE.md, read from the source with the TypeScript compiler API: sizes,
// which folder may import which, no `export *`, no import cycles.

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const FOLDERS = ['relay', 'protocol', 'scrubbers', 'config', 'client'];
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 120;

/** Files that hold data, not logic: a word list reads best as one list, however long. */
const DATA_FILES: Record<string, string> = {
  'scrubbers/content-lexicon.ts': 'word lists of the content policy, one string per line of words',
  'scrubbers/name-gazetteer-data.ts': 'the given and family names the name rule looks up',
};

/**
 * Units allowed over a limit for now, with their size in lines (none today). A ratchet: the test
 * fails when a listed unit grows, when a unit not listed goes over a limit, and when a listed unit
 * is back under its limit (delete its line then, so that the list only ever shrinks). A unit is
 * `file` or `file#function`.
 */
const KNOWN: Record<string, number> = {};

/** Modules a pure scrubber must not import: I/O of any kind, and the clock. */
const IO_MODULES = new Set([
  'fs', 'fs/promises', 'net', 'http', 'https', 'http2', 'tls', 'dgram', 'dns', 'dns/promises', 'child_process',
  'cluster', 'worker_threads', 'readline', 'os', 'process', 'perf_hooks', 'timers', 'timers/promises', 'inspector',
  'vm', 'module', 'stream', 'stream/promises', 'zlib',
]);

interface SourceInfo {
  /** Path from the repository root, with `/`. */
  file: string;
  lines: number;
  functions: { name: string; lines: number }[];
  /** Import specifiers, resolved to repository paths when relative; `node:` stripped from builtins. */
  imports: { target: string; relative: boolean; typeOnly: boolean }[];
  exportStar: boolean;
  /** `Date.now`, `new Date()` without arguments, `performance`, `process.hrtime`, with their line. */
  clocks: string[];
}

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const path = `${dir}/${name}`;
    if (statSync(join(ROOT, path)).isDirectory()) out.push(...sourceFiles(path));
    else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

function lineOf(sf: ts.SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** The name a function is known by: its own, the variable or property it is assigned to, `Class.method`. */
function functionName(node: ts.FunctionLikeDeclaration, sf: ts.SourceFile): string {
  const own = node.name !== undefined && !ts.isComputedPropertyName(node.name) ? node.name.getText(sf) : undefined;
  const parent = node.parent;
  let name = own;
  if (name === undefined && ts.isConstructorDeclaration(node)) name = 'constructor';
  if (name === undefined && (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent) || ts.isPropertyDeclaration(parent))) {
    name = parent.name.getText(sf);
  }
  name ??= `<anonymous>@${lineOf(sf, node.getStart(sf))}`;
  const owner = ts.isClassLike(parent) && parent.name !== undefined ? `${parent.name.text}.` : '';
  return owner + name;
}

function resolveImport(from: string, specifier: string): string {
  const base = resolve(ROOT, dirname(from), specifier);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, join(base, 'index.ts')];
  const found = candidates.find((c) => existsSync(c) && statSync(c).isFile()) ?? base;
  return relative(ROOT, found).split('\\').join('/');
}

function analyse(file: string): SourceInfo {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const info: SourceInfo = {
    file,
    lines: text.length === 0 ? 0 : text.split('\n').length - (text.endsWith('\n') ? 1 : 0),
    functions: [],
    imports: [],
    exportStar: false,
    clocks: [],
  };
  const addImport = (specifier: string, typeOnly: boolean): void => {
    const isRelative = specifier.startsWith('.');
    info.imports.push({ target: isRelative ? resolveImport(file, specifier) : specifier.replace(/^node:/, ''), relative: isRelative, typeOnly });
  };
  const visit = (node: ts.Node): void => {
    if (
      ts.isFunctionDeclaration(node) ||
      ts.isMethodDeclaration(node) ||
      ts.isArrowFunction(node) ||
      ts.isFunctionExpression(node) ||
      ts.isConstructorDeclaration(node) ||
      ts.isGetAccessorDeclaration(node) ||
      ts.isSetAccessorDeclaration(node)
    ) {
      if (node.body !== undefined) {
        const lines = lineOf(sf, node.getEnd()) - lineOf(sf, node.getStart(sf)) + 1;
        info.functions.push({ name: functionName(node, sf), lines });
      }
    }
    if (ts.isImportDeclaration(node) && ts.isStringLiteral(node.moduleSpecifier)) {
      const clause = node.importClause;
      addImport(node.moduleSpecifier.text, clause !== undefined && clause.isTypeOnly);
    }
    if (ts.isExportDeclaration(node) && node.moduleSpecifier !== undefined && ts.isStringLiteral(node.moduleSpecifier)) {
      addImport(node.moduleSpecifier.text, node.isTypeOnly);
      if (node.exportClause === undefined) info.exportStar = true;
    }
    if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) {
      const arg = node.arguments[0];
      if (arg !== undefined && ts.isStringLiteral(arg)) addImport(arg.text, false);
    }
    const at = (): number => lineOf(sf, node.getStart(sf));
    if (ts.isPropertyAccessExpression(node)) {
      const target = node.expression.getText(sf);
      const prop = node.name.text;
      if ((target === 'Date' && prop === 'now') || (target === 'process' && prop === 'hrtime')) info.clocks.push(`${target}.${prop} at line ${at()}`);
    }
    if (ts.isNewExpression(node) && node.expression.getText(sf) === 'Date' && (node.arguments === undefined || node.arguments.length === 0)) {
      info.clocks.push(`new Date() at line ${at()}`);
    }
    // The global `performance`, not a property or a key of that name.
    const parent = node.parent as ts.Node | undefined;
    const named = parent !== undefined && (ts.isPropertyAccessExpression(parent) || ts.isPropertyAssignment(parent)) && parent.name === node;
    if (ts.isIdentifier(node) && node.text === 'performance' && !named) info.clocks.push(`performance at line ${at()}`);
    ts.forEachChild(node, visit);
  };
  visit(sf);
  return info;
}

const SOURCES = FOLDERS.flatMap(sourceFiles).sort().map(analyse);
const byFile = new Map(SOURCES.map((s) => [s.file, s]));

/** Units over a limit, as `unit → lines`. */
function violators(): Map<string, number> {
  const over = new Map<string, number>();
  for (const s of SOURCES) {
    if (s.lines > MAX_FILE_LINES && DATA_FILES[s.file] === undefined) over.set(s.file, s.lines);
    for (const f of s.functions) {
      if (f.lines > MAX_FUNCTION_LINES) {
        const unit = `${s.file}#${f.name}`;
        over.set(unit, Math.max(over.get(unit) ?? 0, f.lines));
      }
    }
  }
  return over;
}

/** Whether a unit may be in KNOWN: under relay/, or config/env.ts. */
function ratcheted(unit: string): boolean {
  const file = unit.split('#')[0] as string;
  return file.startsWith('relay/') || file === 'config/env.ts';
}

function importsOf(folder: string): { file: string; target: string }[] {
  return SOURCES.filter((s) => s.file.startsWith(`${folder}/`)).flatMap((s) => s.imports.map((i) => ({ file: s.file, target: i.target })));
}

describe('source layout', () => {
  it('reads the source folders', () => {
    expect(SOURCES.length).toBeGreaterThan(50);
    for (const folder of FOLDERS) expect(SOURCES.some((s) => s.file.startsWith(`${folder}/`))).toBe(true);
  });

  it('keeps files under 400 lines and functions under 120, but for the known violators, which only shrink', () => {
    const over = violators();
    const rows = [...over].map(([unit, lines]) => ({
      unit,
      lines,
      limit: unit.includes('#') ? MAX_FUNCTION_LINES : MAX_FILE_LINES,
      known: KNOWN[unit] ?? '-',
    }));
    if (rows.length > 0) console.table(rows);
    const problems: string[] = [];
    for (const [unit, lines] of over) {
      const known = KNOWN[unit];
      if (known === undefined) problems.push(`${unit}: ${lines} lines, over the limit and not in KNOWN`);
      else if (lines > known) problems.push(`${unit}: grew from ${known} to ${lines} lines`);
    }
    for (const unit of Object.keys(KNOWN)) {
      if (!ratcheted(unit)) problems.push(`${unit}: only relay/ and config/env.ts may be listed in KNOWN`);
      if (!over.has(unit)) problems.push(`${unit}: no longer over its limit (or gone): delete it from KNOWN`);
    }
    expect(problems).toEqual([]);
  });

  it('lists as data files only files that exist', () => {
    for (const file of Object.keys(DATA_FILES)) expect(byFile.has(file), file).toBe(true);
  });

  it('keeps client/ and config/ free of relay/', () => {
    const wrong = [...importsOf('client'), ...importsOf('config')].filter((i) => i.target.startsWith('relay/'));
    expect(wrong).toEqual([]);
  });

  it('keeps scrubbers/ pure: nothing from relay/, no I/O module, no clock', () => {
    const wrong = importsOf('scrubbers').filter((i) => i.target.startsWith('relay/') || IO_MODULES.has(i.target));
    expect(wrong).toEqual([]);
    const clocks = SOURCES.filter((s) => s.file.startsWith('scrubbers/')).flatMap((s) => s.clocks.map((c) => `${s.file}: ${c}`));
    expect(clocks).toEqual([]);
  });

  it('names the exports of every index.ts one by one (no export *)', () => {
    const star = SOURCES.filter((s) => s.file.endsWith('/index.ts') && s.exportStar).map((s) => s.file);
    expect(star).toEqual([]);
  });

  it('has no import cycles', () => {
    // Tarjan's strongly connected components over the relative imports that stay at run time:
    // `import type` is erased, so it orders no module evaluation.
    const graph = new Map(
      SOURCES.map((s) => [s.file, s.imports.filter((i) => i.relative && !i.typeOnly && byFile.has(i.target)).map((i) => i.target)]),
    );
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let next = 0;
    const connect = (v: string): void => {
      index.set(v, next);
      low.set(v, next);
      next++;
      stack.push(v);
      onStack.add(v);
      for (const w of graph.get(v) ?? []) {
        if (!index.has(w)) {
          connect(w);
          low.set(v, Math.min(low.get(v) as number, low.get(w) as number));
        } else if (onStack.has(w)) {
          low.set(v, Math.min(low.get(v) as number, index.get(w) as number));
        }
      }
      if (low.get(v) === index.get(v)) {
        const component: string[] = [];
        let w: string;
        do {
          w = stack.pop() as string;
          onStack.delete(w);
          component.push(w);
        } while (w !== v);
        const selfImport = (graph.get(v) ?? []).includes(v);
        if (component.length > 1 || selfImport) cycles.push(component.sort());
      }
    };
    for (const v of graph.keys()) if (!index.has(v)) connect(v);
    expect(cycles).toEqual([]);
  });
});
