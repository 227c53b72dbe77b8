import { cardValid, ibanValid, ssnValid } from './checksums.js';
import { isAmbiguousGivenName, isGivenName, isSurname } from './name-gazetteer.js';
import { nationalIdValid } from './national-id.js';
import type { ValidatorName } from './rule-set.js';

/** Loopback, unspecified and broadcast addresses identify no one; technical configs are full of them. */
function ipv4Public(text: string): boolean {
  return ipv4Shape(text) && !(text.startsWith('127.') || text === '0.0.0.0' || text === '255.255.255.255') && !ipv4PrivateRange(text);
}

/** RFC 1918 private, RFC 6598 shared (carrier NAT) and RFC 3927 link-local ranges. */
function ipv4PrivateRange(text: string): boolean {
  const dot = text.indexOf('.');
  const a = Number(text.slice(0, dot));
  const b = Number(text.slice(dot + 1, text.indexOf('.', dot + 1)));
  return a === 10 || (a === 172 && b >= 16 && b <= 31) || (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 169 && b === 254);
}

function ipv4Private(text: string): boolean {
  return ipv4Shape(text) && ipv4PrivateRange(text);
}

/** fc00::/7 and fe80::/10, and IPv4-mapped private addresses (::ffff:10.x.x.x). */
function ipv6PrivateRange(text: string): boolean {
  const lower = text.toLowerCase();
  if (lower.startsWith('::ffff:') && lower.includes('.')) return ipv4PrivateRange(lower.slice(7));
  // Only a full first group can be fc00::/7 or fe80::/10: `fe8::1` is 0fe8.
  if (lower.indexOf(':') !== 4) return false;
  const first = parseInt(lower.slice(0, 4), 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80;
}

function ipv6Public(text: string): boolean {
  return ipv6Valid(text) && !ipv6PrivateRange(text);
}

function ipv6Private(text: string): boolean {
  return ipv6Valid(text) && ipv6PrivateRange(text);
}

/** Four dot-separated parts of 1-3 ASCII digits, each at most 255. One pass, no allocation. */
export function ipv4Shape(text: string): boolean {
  let parts = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i <= text.length; i++) {
    // The end of the text closes the last part, like a dot.
    const c = i < text.length ? text.charCodeAt(i) : DOT;
    if (c === DOT) {
      if (digits === 0 || value > 255 || ++parts > 4) return false;
      digits = 0;
      value = 0;
    } else if (c >= 48 && c <= 57 && ++digits <= 3) {
      value = value * 10 + (c - 48);
    } else {
      return false;
    }
  }
  return parts === 4;
}

const DOT = 46;

const COLON = 58;

/**
 * How many `:`-separated groups of 1-4 hex digits `s` holds between `from` and `to` (0 when that
 * span is empty), or -1 when any group is empty, too long or not hex. Reads in place.
 */
function hexGroups(s: string, from: number, to: number): number {
  if (from === to) return 0;
  let groups = 0;
  let length = 0;
  for (let i = from; i <= to; i++) {
    const c = i < to ? s.charCodeAt(i) : COLON;
    if (c === COLON) {
      if (length === 0) return -1;
      groups++;
      length = 0;
    } else if (((c >= 48 && c <= 57) || ((c | 32) >= 97 && (c | 32) <= 102)) && ++length <= 4) {
      continue;
    } else {
      return -1;
    }
  }
  return groups;
}

/** RFC 4291 text forms: 8 groups, or fewer with one `::`, optionally ending in dotted IPv4. */
export function ipv6Valid(text: string): boolean {
  let s = text;
  let groupsNeeded = 8;
  // A loop rather than lastIndexOf, which V8 runs outside its fast string builtins.
  let lastColon = s.length - 1;
  while (lastColon >= 0 && s.charCodeAt(lastColon) !== COLON) lastColon--;
  if (s.indexOf('.', lastColon) !== -1) {
    if (!ipv4Shape(s.slice(lastColon + 1))) return false;
    s = s.slice(0, lastColon + 1) + '0';
    groupsNeeded = 7;
  }
  const double = s.indexOf('::');
  if (double === -1) return hexGroups(s, 0, s.length) === groupsNeeded;
  if (s.indexOf('::', double + 1) !== -1) return false;
  const head = hexGroups(s, 0, double);
  const tail = hexGroups(s, double + 2, s.length);
  if (head < 0 || tail < 0) return false;
  const present = head + tail;
  // "::" alone and "::1" are not addresses of a person; a bare "a::b" is more often C++ or Ruby.
  return present < groupsNeeded && present >= 2;
}

/**
 * ITU-T E.164 allows at most 15 digits; fewer than 8 is a short code, a year or a count. A national
 * number (trunk 0, no country code) has 9-12 digits, and at least 10 when written without any
 * separator: shorter zero-led runs are dates (01.02.2024), padded counters and the like.
 */
function phoneValid(text: string): boolean {
  let digits = 0;
  let separators = 0;
  let firstDigit = -1;
  const international = text.charCodeAt(0) === PLUS;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i) | 32;
    // An extension (x204, ext. 204, extension 204) starts at the first letter and does not count.
    if (c >= 97 && c <= 122) break;
    if (c >= 48 && c <= 57) {
      if (firstDigit === -1) firstDigit = c - 48;
      digits++;
    } else if (digits > 0) {
      separators++;
    }
  }
  if (international || firstDigit !== 0) return digits >= 8 && digits <= 15;
  return digits >= 9 && digits <= 12 && (separators > 0 || digits >= 10) && !DATE_LIKE.test(text);
}

const PLUS = 43;
/** dd.mm.yyyy, dd/mm/yyyy, yyyy-mm-dd with anything after: dates, not numbers to call. */
const DATE_LIKE = /^(?:[0-3][0-9][./-][01][0-9][./-](?:19|20)[0-9]{2}|(?:19|20)[0-9]{2}-[01][0-9]-[0-3][0-9])/;

/** `Basic` is also an English word: only a base64 `user:password` pair counts. */
function basicAuthValid(text: string): boolean {
  if (text.length < 8 || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return false;
  const decoded = Buffer.from(text, 'base64').toString('latin1');
  return decoded.includes(':') && /^[\x20-\x7e]+$/.test(decoded);
}

/** `Bearer authentication failed` is prose; a token has a digit or a token punctuation mark. */
function tokenLike(text: string): boolean {
  return /[0-9._~+/=-]/.test(text);
}

/** Real keys are random: a long run of letters without a digit is a word, not a key. */
function hasDigit(text: string): boolean {
  return /[0-9]/.test(text);
}

/** Capitalised words that follow "user"/"name:" in messages without being anybody's name. */
const NOT_NAMES = new Set(
  `Not Found Unknown Null None Undefined Invalid Error Service Account Profile Session Agent Admin
Administrator Root System Guest Anonymous Default Test Data Info Object Manager Interface Id Name Type
Record Request Response Settings Config Model Group Role Permission Permissions Token Key Input Output
Value Field The A An Is Was Has Not No Yes True False Created Updated Deleted Exists Missing Required
Failed Denied Allowed Blocked Login Logout Signup Registration Api Auth Unauthorized Forbidden Timeout
Entity Table Column Index Query Event Message Handler Controller Repository Provider Support Team Bot
Report Document File Upload Download Invoice Payment Order Customer User Contact Client Owner New Old`.split(/\s+/),
);

/**
 * A name after a context word (`user`, `name:`, `Dear`, `My name is`): no word may be one that
 * follows such words without naming anybody, and one of them must be a known given name or
 * surname (`Sender Statistics`, `Sender Policy Framework` name nobody).
 */
function personNameValid(text: string): boolean {
  let start = 0;
  let words = 0;
  let known = false;
  for (let i = 0; i <= text.length; i++) {
    const c = i < text.length ? text.charCodeAt(i) : 32;
    if (c !== 32 && c !== 95 && c !== 45) continue;
    if (i > start) {
      const word = text.slice(start, i);
      if (word.length < 2 || NOT_NAMES.has(word)) return false;
      words++;
      known ||= isGivenName(word) || isAmbiguousGivenName(word) || isSurname(word);
    }
    start = i + 1;
  }
  return words > 0 && known;
}

/** `Anna`, `Jean-Pierre`: every part a given name of the gazetteer. */
function givenNameValid(text: string): boolean {
  const dash = text.indexOf('-');
  if (dash === -1) return isGivenName(text);
  return isGivenName(text.slice(0, dash)) && isGivenName(text.slice(dash + 1));
}

/** `Grace Hall`, `Mia Koch`: a given name (also one that is an everyday word) and a known surname. */
function fullNameValid(text: string): boolean {
  const space = text.indexOf(' ');
  if (space === -1) return false;
  const first = text.slice(0, space);
  const last = text.slice(space + 1);
  return (isGivenName(first) || isAmbiguousGivenName(first)) && isSurname(last) && !NOT_NAMES.has(last);
}

/** Endings that mark a word as a family name in the languages the relay meets most. */
const SURNAME_ENDING = /(?:sson|sen|son|ez|es|az|ski|ska|sky|cki|cka|wicz|ová|ini|elli|etti|ucci|otti|ier|mann|ner|ens|ic|ić|vić|ov|ova|ev|eva|ian|yan|escu|oglu|oğlu|aert|aerts|huis|stra|inga|ema|poulos|opoulou|akis|idis|ou)$/;

/**
 * A word beside a given name (`[person_name] Schmidt`, `Kowalczyk [person_name]`): a known surname
 * or given name, or a capitalised word with a family-name ending, never one of the words that
 * follow a name without being one.
 */
function nameWordValid(text: string): boolean {
  const dash = text.indexOf('-');
  const parts = dash === -1 ? [text] : [text.slice(0, dash), text.slice(dash + 1)];
  return parts.every((w) => !NOT_NAMES.has(w) && (isSurname(w) || isGivenName(w) || SURNAME_ENDING.test(w)));
}

const VALIDATORS: Readonly<Record<ValidatorName, (value: string) => boolean>> = {
  luhn: cardValid,
  mod97: ibanValid,
  ssn: ssnValid,
  ipv4: ipv4Public,
  ipv6: ipv6Public,
  ipv4_private: ipv4Private,
  ipv6_private: ipv6Private,
  phone: phoneValid,
  basic_auth: basicAuthValid,
  token_like: tokenLike,
  has_digit: hasDigit,
  person_name: personNameValid,
  national_id: nationalIdValid,
  given_name: givenNameValid,
  full_name: fullNameValid,
  name_word: nameWordValid,
};

/** Names accepted in the rules file's `validator` field. */
export const VALIDATOR_NAMES = Object.keys(VALIDATORS) as ValidatorName[];

/**
 * The check behind a validator name. Each receives the detected value (the `value` group when the
 * pattern has one, else the whole match) and says whether it really is what the rule looks for.
 */
export function validatorFor(name: ValidatorName): (value: string) => boolean {
  return VALIDATORS[name];
}
