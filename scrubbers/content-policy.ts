// INTERIM: replaced by the classifier branch at merge.
const WORD = /\p{L}{2,}/gu;
export function isHumanText(text: string): boolean {
  if (text.indexOf(' ') === -1) return false;
  const words = text.match(WORD) ?? [];
  const tokens = text.split(/\s+/).filter(Boolean);
  return words.length >= 5 && words.length >= tokens.length * 0.7 && !/[/\\_]|[a-z][A-Z]/.test(text.slice(0, 200));
}
export function redactProse(text: string, replacement: string): { text: string; count: number } {
  if (isHumanText(text)) return { text: replacement, count: 1 };
  let count = 0;
  const out = text.replace(/"([^"]{12,})"|'([^']{12,})'/g, (m, a: string | undefined, b: string | undefined) => {
    const inner = a ?? b ?? '';
    if (!isHumanText(inner)) return m;
    count++;
    return m[0] + replacement + m[0];
  });
  return { text: count > 0 ? out : text, count };
}
