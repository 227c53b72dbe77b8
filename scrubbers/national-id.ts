/**
 * Checksums of national identity numbers that can be told from other tokens by their own check
 * character: Spanish DNI and NIE, Italian codice fiscale, French NIR (numéro de sécurité sociale),
 * Belgian national register number. The UK National Insurance number has no check character; its
 * prefix rules make the shape distinctive enough.
 */

const DNI_LETTERS = 'TRWAGMYFPDXBNJZSQVHLCKE';

/**
 * Codice fiscale: value of a character in an odd position (1st, 3rd, …) by its index (0-9 for
 * digits, 0-25 for letters: a digit counts as the letter at its index, as the decree's table has it).
 */
const CF_ODD = [1, 0, 5, 7, 9, 13, 15, 17, 19, 21, 2, 4, 18, 20, 11, 3, 6, 8, 12, 14, 16, 10, 22, 25, 24, 23];

/** NINO prefixes never issued (HMRC): the shape alone would also match these. */
const NINO_BAD_PREFIX = new Set(['BG', 'GB', 'NK', 'KN', 'TN', 'NT', 'ZZ']);

function compact(text: string): string {
  return text.replace(/[\s.-]/g, '').toUpperCase();
}

/** Spanish DNI (8 digits + letter) or NIE (X/Y/Z + 7 digits + letter): letter = number mod 23. */
export function spanishIdValid(text: string): boolean {
  const s = compact(text);
  if (!/^(?:[0-9]{8}|[XYZ][0-9]{7})[A-Z]$/.test(s)) return false;
  const digits = s.slice(0, 8).replace(/^[XYZ]/, (c) => String('XYZ'.indexOf(c)));
  return DNI_LETTERS[Number(digits) % 23] === s[8];
}

/** Italian codice fiscale: 15 characters and a check letter from their odd/even values mod 26. */
export function codiceFiscaleValid(text: string): boolean {
  const s = compact(text);
  if (s.length !== 16) return false;
  let sum = 0;
  for (let i = 0; i < 15; i++) {
    const c = s.charCodeAt(i);
    const index = c >= 48 && c <= 57 ? c - 48 : c - 65;
    if (index < 0 || index > 25) return false;
    sum += i % 2 === 0 ? (CF_ODD[index] as number) : index;
  }
  return String.fromCharCode(65 + (sum % 26)) === s[15];
}

/** French NIR: 13 characters (Corsica's 2A/2B count as 19/18) and a key of 97 minus their value mod 97. */
export function nirValid(text: string): boolean {
  const s = compact(text);
  if (!/^[12][0-9]{4}(?:[0-9]{2}|2A|2B)[0-9]{8}$/.test(s)) return false;
  const body = s.slice(0, 13).replace('2A', '19').replace('2B', '18');
  const key = Number(s.slice(13));
  return 97 - Number(BigInt(body) % 97n) === key;
}

/** Belgian national register number (yy.mm.dd-xxx.cc): cc is 97 minus the first nine digits mod 97 (a 2 before them from 2000). */
export function belgianIdValid(text: string): boolean {
  const s = compact(text);
  if (!/^[0-9]{11}$/.test(s)) return false;
  const body = Number(s.slice(0, 9));
  const check = Number(s.slice(9));
  return 97 - (body % 97) === check || 97 - ((2_000_000_000 + body) % 97) === check;
}

/** UK National Insurance number: two prefix letters (not D, F, I, Q, U, V; second not O; no reserved pair), six digits, A-D. */
export function ninoValid(text: string): boolean {
  const s = compact(text);
  if (!/^[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z][0-9]{6}[A-D]$/.test(s)) return false;
  return !NINO_BAD_PREFIX.has(s.slice(0, 2));
}

/**
 * Whether `text` is a national id number whose check character (or, for the NINO, prefix rules)
 * holds, whichever of the supported kinds its shape is.
 * @example nationalIdValid('12345678Z') // true (DNI)
 */
export function nationalIdValid(text: string): boolean {
  const s = compact(text);
  if (s.length === 9) return /^[0-9XYZ][0-9]{7}[A-Z]$/.test(s) ? spanishIdValid(s) : ninoValid(s);
  if (s.length === 16) return codiceFiscaleValid(s);
  if (s.length === 15) return nirValid(s);
  if (s.length === 11) return belgianIdValid(s);
  return false;
}
