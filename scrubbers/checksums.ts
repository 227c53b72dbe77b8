/** IBAN lengths per country (ISO 13616 registry, SWIFT release 2024). */
const IBAN_LENGTHS: Readonly<Record<string, number>> = {
  AD: 24, AE: 23, AL: 28, AT: 20, AZ: 28, BA: 20, BE: 16, BG: 22, BH: 22, BI: 27, BR: 29, BY: 28,
  CH: 21, CR: 22, CY: 28, CZ: 24, DE: 22, DJ: 27, DK: 18, DO: 28, EE: 20, EG: 29, ES: 24, FI: 18,
  FK: 18, FO: 18, FR: 27, GB: 22, GE: 22, GI: 23, GL: 18, GR: 27, GT: 28, HR: 21, HU: 28, IE: 22,
  IL: 23, IQ: 23, IS: 26, IT: 27, JO: 30, KW: 30, KZ: 20, LB: 28, LC: 32, LI: 21, LT: 20, LU: 20,
  LV: 21, LY: 25, MC: 27, MD: 24, ME: 22, MK: 19, MN: 20, MR: 27, MT: 31, MU: 30, NI: 28, NL: 18,
  NO: 15, OM: 23, PK: 24, PL: 28, PS: 29, PT: 25, QA: 29, RO: 24, RS: 22, RU: 33, SA: 24, SC: 31,
  SD: 18, SE: 24, SI: 19, SK: 24, SM: 27, SO: 23, ST: 25, SV: 28, TL: 23, TN: 24, TR: 26, UA: 29,
  VA: 22, VG: 24, XK: 20, YE: 30,
};

/**
 * IBAN check: known country, that country's length, ISO 7064 mod-97 remainder 1.
 * Spaces are ignored; letters count in either case (`gb82west…` is written too).
 * @example ibanValid('GB82 WEST 1234 5698 7654 32') // true
 */
export function ibanValid(text: string): boolean {
  // Read in place, spaces skipped: the country (first two characters), the length, then mod 97 over
  // the characters from the fifth on followed by the first four.
  let length = 0;
  let country = '';
  let bban = text.length;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) === SPACE) continue;
    if (length < 2) country += (text[i] as string).toUpperCase();
    else if (length === 4) bban = i;
    length++;
  }
  const expected = IBAN_LENGTHS[country];
  if (expected === undefined || length !== expected) return false;
  let remainder = 0;
  for (let k = 0; k < text.length; k++) {
    const i = (bban + k) % text.length;
    const c = text.charCodeAt(i);
    if (c === SPACE) continue;
    if (c >= 48 && c <= 57) {
      remainder = (remainder * 10 + (c - 48)) % 97;
    } else if ((c | 32) >= 97 && (c | 32) <= 122) {
      remainder = (remainder * 100 + ((c | 32) - 87)) % 97;
    } else {
      return false;
    }
  }
  return remainder === 1;
}

const SPACE = 32;

/**
 * US Social Security Number ranges the SSA never issues: area 000, 666, 900-999; group 00;
 * serial 0000 (SSA, "SSN randomization", 2011). Separators are ignored.
 * @example ssnValid('123-45-6789') // true
 */
export function ssnValid(text: string): boolean {
  let n = 0;
  let area = 0;
  let group = 0;
  let serial = 0;
  for (let i = 0; i < text.length; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) continue;
    n++;
    if (n <= 3) area = area * 10 + d;
    else if (n <= 5) group = group * 10 + d;
    else serial = serial * 10 + d;
  }
  if (n !== 9 || area === 0 || area === 666 || area >= 900) return false;
  return group !== 0 && serial !== 0;
}

/**
 * Payment card: 12-19 digits, an issuer prefix (IIN) of a card network, and a valid Luhn digit.
 * The prefix check keeps 16-digit technical numbers (epoch micros, ids) that happen to pass Luhn.
 * @example cardValid('4111 1111 1111 1111') // true
 */
export function cardValid(text: string): boolean {
  // The ASCII digits only (anything else is a separator), read in place: their count and Luhn sum
  // from the last digit, then the first six as a number for the issuer prefixes.
  let n = 0;
  let sum = 0;
  for (let i = text.length - 1; i >= 0; i--) {
    let d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) continue;
    if (n % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    n++;
  }
  if (n < 12 || n > 19) return false;
  let p6 = 0;
  for (let i = 0, taken = 0; taken < 6; i++) {
    const d = text.charCodeAt(i) - 48;
    if (d < 0 || d > 9) continue;
    p6 = p6 * 10 + d;
    taken++;
  }
  const p2 = Math.floor(p6 / 10_000);
  const p3 = Math.floor(p6 / 1_000);
  const p4 = Math.floor(p6 / 100);
  const issuer =
    (p2 >= 40 && p2 <= 49 && (n === 13 || n === 16 || n === 19)) || // Visa
    (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) || // Mastercard
    ((p2 === 34 || p2 === 37) && n === 15) || // Amex
    ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16) || // Discover
    (p4 >= 3528 && p4 <= 3589 && n >= 16) || // JCB
    ((p4 === 2131 || p4 === 1800) && n === 15) || // JCB, 15 digits
    (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) && n >= 14) || // Diners
    ((p2 === 62 || (p4 >= 8100 && p4 <= 8171)) && n >= 16) || // UnionPay
    ((p2 === 50 || (p2 >= 56 && p2 <= 58) || p2 === 63 || p2 === 67 || p4 === 6759 || (p4 >= 6761 && p4 <= 6763)) && n >= 12) || // Maestro
    (p4 >= 2200 && p4 <= 2204 && n >= 16) || // Mir
    ((p2 === 60 || p2 === 81 || p2 === 82 || p3 === 508 || p3 === 353 || p3 === 356) && n === 16) || // RuPay
    (p4 === 9792 && n === 16) || // Troy
    (((p6 >= 506099 && p6 <= 506198) || (p6 >= 650002 && p6 <= 650027)) && n >= 16); // Verve
  return issuer && sum % 10 === 0;
}
