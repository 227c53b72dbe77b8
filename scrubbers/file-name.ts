/**
 * File names are often a person's name plus a document title (`Anna_Schmidt_Kuendigung.pdf`), and
 * Lakera receives them as `metadata.file_name`. Fail closed: a file name keeps its extension and
 * the parts that are technical (numbers, dates, versions, ids, a few words that name a kind of
 * file); every other word is removed.
 */

/** The marker in place of the removed words. */
export const FILE_NAME_MARK = '[file_name]';

/** Words that say what kind of file it is, not whose or about what. */
const TECHNICAL_WORDS = new Set([
  'img', 'image', 'dsc', 'pxl', 'scan', 'screenshot', 'screen', 'shot', 'photo', 'video', 'vid', 'audio', 'rec', 'file',
  'export', 'import', 'backup', 'dump', 'log', 'logs', 'config', 'data', 'dataset', 'test', 'tmp', 'temp', 'draft',
  'final', 'copy', 'v', 'rev', 'version', 'part', 'page', 'untitled', 'new', 'doc', 'report', 'invoice', 'receipt',
  'upload', 'download', 'attachment', 'output', 'input', 'sample', 'template', 'archive', 'build', 'release',
]);

const EXTENSION = /^[A-Za-z0-9]{1,8}$/;

function technical(part: string): boolean {
  if (/\d/.test(part)) return /^[A-Za-z]{0,3}[0-9][0-9A-Za-z]*$/.test(part) || /^[0-9a-f]{6,}$/i.test(part);
  return TECHNICAL_WORDS.has(part.toLowerCase());
}

/**
 * The file name with its non-technical words removed.
 * @example cleanFileName('Anna_Schmidt_Kuendigung_Versicherung.pdf') // { text: '[file_name].pdf', count: 1 }
 * @example cleanFileName('IMG_20240301_1234.jpg') // unchanged, count 0
 */
export function cleanFileName(name: string): { text: string; count: number } {
  const slash = Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\'));
  const dir = name.slice(0, slash + 1);
  const base = name.slice(slash + 1);
  const exts: string[] = [];
  let stem = base;
  for (let i = 0; i < 2; i++) {
    const dot = stem.lastIndexOf('.');
    if (dot <= 0 || !EXTENSION.test(stem.slice(dot + 1))) break;
    exts.unshift(stem.slice(dot));
    stem = stem.slice(0, dot);
  }
  const parts = stem.split(/[\s_.-]+|(?<=[a-z])(?=[A-Z])/).filter((p) => p !== '');
  const kept = parts.filter(technical);
  if (kept.length === parts.length) return { text: name, count: 0 };
  const rest = kept.join('_');
  return { text: `${dir}${FILE_NAME_MARK}${rest === '' ? '' : `_${rest}`}${exts.join('')}`, count: 1 };
}
