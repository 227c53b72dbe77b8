// The vocabulary of the content policy and the class of one whitespace-separated token.
//
// A token is TECHNICAL by its shape (digits, camelCase, ALLCAPS, path or key=value punctuation),
// a LEXICON word when software vocabulary allows it (the generated dev-split lexicon of
// content-lexicon.ts plus the hand-written core below), and otherwise an UNKNOWN word — natural
// language until shown otherwise. FOREIGN function words and HUMAN markers are never allowed.
import { FOREIGN_FUNCTION_WORDS, TECHNICAL_WORDS } from './content-lexicon.js';

// Error-message vocabulary of the runtimes and servers our users run (Node, Python, Java, Go,
// .NET, Ruby, PHP, PostgreSQL, MySQL, HTTP, TLS, POSIX), written from knowledge of those
// messages, not from the measured corpus: the generated lexicon only saw half of node_modules.
const CORE_TECHNICAL = `
yes no not none both either neither has have had having do does did doing done can
cannot could would should will may might must need needs needed get got gets given give
make made use used uses using call called calls calling set sets try tried again retry retries
attempt attempts during how why
above below up down out off over under more most less least much many too very same other
another such own just now yet already still ever never always often once twice
error errors err exception exceptions fault faults failure failures failed fail fails failing
warning warn fatal panic panicked abort aborted aborting crash crashed crashes killed kill
signal signals terminated terminate terminating interrupted interrupt exit exited exiting status
code codes reason reasons cause caused causes message messages detail details info debug trace
traceback traces stack stacks frame frames line lines column columns char chars character
characters position offset offsets index indices indexes length size sizes range ranges bound
bounds limit limits maximum minimum max min exceeded exceeds exceed overflow underflow
invalid valid validation validate validated unknown unexpected expected expecting expects expect
received receive got missing required requires require optional unsupported supported support
supports deprecated obsolete incompatible compatible mismatch mismatched unable able impossible
illegal forbidden allowed allow allows disallowed denied deny permitted permission permissions
unauthorized unauthenticated authentication authorization auth credential credentials login
logon password token tokens session sessions cookie cookies expired expire expires revoked
refused refuse reset resets closed close closing open opened opening broken pipe hang hung
timeout timeouts timed deadline canceled cancelled cancel cancellation unavailable unreachable
available reachable busy locked lock locks deadlock deadlocks contention conflict conflicts
connection connections connect connecting connected disconnect disconnected socket sockets peer
host hosts hostname port ports address addresses addr network dns resolve resolved resolution
lookup name names service services server servers client clients gateway proxy upstream
downstream request requests response responses header headers body payload entity method route
routes endpoint endpoint url uri path paths query param params parameter parameters argument
arguments arg args option options flag flags config configuration configured settings setting
environment env variable variables var value values key keys field fields attribute attributes
property properties member members element elements item items entry entries record records
row rows table tables column relation relations schema schemas database databases db sql
transaction transactions commit rollback constraint constraints violates violated violation
unique duplicate primary foreign reference references referenced null nil undefined none
pointer dereference segmentation memory heap allocate allocated allocation exhausted
module modules package packages import imported imports export exports library dependency
dependencies version versions release build compile compiled compiler runtime interpreter
syntax parse parsed parser parsing token unterminated literal string strings number numbers
integer int float double decimal boolean bool object objects array arrays list lists map maps
dict dictionary hash tuple set collection sequence iterator iterable iteration enumeration
type types typed instance instances class classes struct interface function functions func
method methods callable callback callbacks handler handlers listener listeners event events
promise promises future async await thread threads goroutine goroutines process processes pid
task tasks job jobs worker workers queue queues pool pools buffer buffers stream streams chunk
input output io eof end ends encoding encode encoded decode decoded utf ascii byte bytes bit
bits file files directory directories dir folder exists exist existing found find not such
read write written execute executable run running runs started start stop stopped load loaded
loading save saved create created delete deleted remove removed update updated insert select
mount disk device space quota filesystem system os kernel operation operations operand
certificate certificates cert tls ssl handshake verify verified verification signed unsigned
signature issuer authority chain trust trusted self x509 pkix cipher protocol http https tcp
udp ip ipv4 ipv6 json xml yaml csv html utf8 base64 hex uuid id ids
positional keyword keywords attribute subscriptable iterable callable hashable unhashable
unpack concatenate operand division zero recursion depth modified changed during correct
format formatted malformed corrupt corrupted truncated empty blank present absent contains
contain included include includes instead because since until unless though whether
`;

// English function words: prose and error messages both use them, so they count for neither
// side — they only make the share of the other words honest ("to a" says nothing either way).
const ENGLISH_FUNCTION = `
of to in on at by for from with without into onto upon via per as and or
if then else than but so also any all each every some such this that these those it its
is are was were be been being am there here which what who whom whose when where while after
before between against about through within
`;

// Articles: the function words of a noun phrase. Sentences written for a reader carry them before
// most nouns; templated messages drop them ("Invalid array length", "unsupported value type").
const ENGLISH_ARTICLES = `a an the`;

// Words by which a message states a failure or an expectation not met — the one thing an error
// message is for. Prose describes, explains and asks; it can deny, but seldom in every sentence.
// Written from knowledge of error messages, as CORE_TECHNICAL is.
const DENIALS = `
not no cannot can't don't doesn't isn't aren't won't wasn't couldn't must invalid unable failed
missing unexpected unsupported expected got unknown should need needs required neither nor only
`;

// Words people write to each other and software seldom does — pronouns of the first and third
// person, salutations, days — never allowed as technical, whatever a package used.
const HUMAN_MARKERS = `
i me my mine myself i'm i've i'd i'll im ive we us our ours ourselves he him his himself she her
hers herself they them their theirs themselves everyone everybody someone somebody nobody
anybody hello hi hey thanks thank dear regards tomorrow yesterday tonight today
you your yours yourself yourselves you're you've you'll you'd
`;

const words = (list: string): string[] => list.split(/\s+/).filter(Boolean);

/** Technical vocabulary: the generated lexicon plus the hand-written core (lower case). */
export const LEXICON: ReadonlySet<string> = new Set([...TECHNICAL_WORDS, ...words(CORE_TECHNICAL)]);
const FUNCTION: ReadonlySet<string> = new Set(words(ENGLISH_FUNCTION));
const FOREIGN: ReadonlySet<string> = new Set(FOREIGN_FUNCTION_WORDS);
const MARKERS: ReadonlySet<string> = new Set(words(HUMAN_MARKERS));
const ARTICLES: ReadonlySet<string> = new Set(words(ENGLISH_ARTICLES));
const DENIAL_WORDS: ReadonlySet<string> = new Set(words(DENIALS));

/** Token classes, in the order the scorer counts them. */
export enum WordClass {
  /** Punctuation only, nothing to count. */
  None = 0,
  /** Shaped like code or data: digits, camelCase, ALLCAPS, `a.b`, `a/b`, `k=v`, `a_b`. */
  Technical = 1,
  /** A plain word that the technical vocabulary allows. */
  Lexicon = 2,
  /** A plain word outside the technical vocabulary: natural language until shown otherwise. */
  Unknown = 3,
  /** A function word of French, German, Spanish, Italian, Dutch or Portuguese. */
  Foreign = 4,
  /** A pronoun or salutation word (`me`, `their`, `thanks`). */
  Marker = 5,
  /** An English function word (`the`, `of`, `is`): counts for neither side. */
  Function = 6,
  /** An ALLCAPS word of letters only (`ECONNREFUSED`, `WARRANTY`): technical, unless the whole text shouts. */
  Caps = 7,
  /** An English article (`a`, `an`, `the`): a function word that also marks a noun phrase. */
  Article = 8,
  /** A technical word that states a failure or an unmet expectation (`not`, `must`, `invalid`). */
  Denial = 9,
}

/**
 * Every listed word and its class; a marker wins over a function word or an article, which win
 * over a denial, which wins over the rest.
 */
const VOCABULARY: ReadonlyMap<string, WordClass> = new Map([
  ...[...LEXICON].map((w) => [w, WordClass.Lexicon] as const),
  ...[...FOREIGN].map((w) => [w, WordClass.Foreign] as const),
  ...[...DENIAL_WORDS].map((w) => [w, WordClass.Denial] as const),
  ...[...FUNCTION].map((w) => [w, WordClass.Function] as const),
  ...[...ARTICLES].map((w) => [w, WordClass.Article] as const),
  ...[...MARKERS].map((w) => [w, WordClass.Marker] as const),
]);

const isLetter = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7 && c < 0x2000);
// Punctuation a sentence puts around a word: it does not make the word technical.
const isWrapping = (c: number): boolean =>
  c === 34 || c === 39 || c === 40 || c === 41 || c === 44 || c === 46 || c === 58 || c === 59 || c === 33 ||
  c === 63 || c === 91 || c === 93 || c === 96 || c === 123 || c === 125 || c === 42 || c === 0xab || c === 0xbb ||
  c === 0xbf || c === 0xa1 || (c >= 0x2018 && c <= 0x201f) || c === 0x2026;

const isQuote = (c: number): boolean => c === 34 || c === 39 || c === 96 || (c >= 0x2018 && c <= 0x201f) || c === 0xab || c === 0xbb;

/** The index of the last character of `s[start, end)` before its trailing `.,;:!?)`. */
function lastOfWord(s: string, start: number, end: number): number {
  let i = end - 1;
  while (i > start) {
    const c = s.charCodeAt(i);
    if (c !== 46 && c !== 44 && c !== 59 && c !== 58 && c !== 33 && c !== 63 && c !== 41) break;
    i--;
  }
  return i;
}

/** Whether `s[start, last]` is `[` lower-case letters and `_` `]`. */
function isMarker(s: string, start: number, last: number): boolean {
  if (last - start < 2 || s.charCodeAt(last) !== 93) return false;
  for (let i = start + 1; i < last; i++) {
    const c = s.charCodeAt(i);
    if (!((c >= 97 && c <= 122) || c === 95)) return false;
  }
  return true;
}

/** Where {@link classifyToken} leaves the lower-case word it looked up ('' for any other token). */
export interface LookedUp {
  word: string;
}

/**
 * The class of the token `s[start, end)` (no whitespace inside). Pure but for `out`; allocates one
 * lower-case string only for a plain word that must be looked up, and leaves it in `out.word`.
 * With `foldCaps`, an ALLCAPS word is looked up like any other word (for text written in
 * capitals throughout).
 */
export function classifyToken(s: string, start: number, end: number, foldCaps = false, out?: LookedUp): WordClass {
  if (out) out.word = '';
  // A quoted single token ('map', "users_pkey", `jiti`) is a value the message names: data.
  if (end - start > 2 && isQuote(s.charCodeAt(start)) && isQuote(s.charCodeAt(lastOfWord(s, start, end)))) return WordClass.Technical;
  // A scrubber's marker (`[person_name]`, `[email]`) stands for what a rule removed: it says
  // nothing about whether the text around it is prose, so it counts for neither side.
  if (s.charCodeAt(start) === 91 && isMarker(s, start, lastOfWord(s, start, end))) return WordClass.None;
  while (start < end && isWrapping(s.charCodeAt(start))) start++;
  while (end > start && isWrapping(s.charCodeAt(end - 1))) end--;
  if (start === end) return WordClass.None;
  let upper = 0;
  let lower = 0;
  let hyphens = 0;
  let prevLower = false;
  let curly = false;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c >= 97 && c <= 122) {
      lower++;
      prevLower = true;
      continue;
    }
    if (c >= 65 && c <= 90) {
      // camelCase: an upper-case letter right after a lower-case one.
      if (prevLower) return WordClass.Technical;
      upper++;
    } else if (c === 45 && i > start && i < end - 1) {
      hyphens++;
    } else if (c === 39 || c === 0x2019) {
      // An apostrophe inside a word (don't, l'homme) is language, not code.
      if (c === 0x2019) curly = true;
    } else if (!isLetter(c)) {
      return WordClass.Technical;
    } else if ((c >= 0xc0 && c <= 0xde) || (c >= 0x100 && c <= 0x17f && c % 2 === 0)) {
      // Latin-1 and Latin Extended-A capitals (À-Þ; even code points of Ā-ſ), no allocation.
      upper++;
    } else {
      lower++;
    }
    prevLower = false;
  }
  if (upper >= 2 && lower === 0 && !foldCaps) return hyphens === 0 ? WordClass.Caps : WordClass.Technical;
  if (lower === 0 && upper === 0) return WordClass.None;
  let word = s.slice(start, end);
  if (upper > 0) word = word.toLowerCase();
  if (curly) word = word.replaceAll('\u2019', "'");
  if (out) out.word = word;
  const cls = lookup(word);
  if (cls !== WordClass.Unknown || hyphens === 0) return cls;
  // client-streaming: a compound of allowed words is allowed.
  for (const part of word.split('-')) {
    const p = lookup(part);
    if (p !== WordClass.Lexicon && p !== WordClass.Denial) return WordClass.Unknown;
  }
  return WordClass.Lexicon;
}

function lookup(word: string): WordClass {
  const cls = VOCABULARY.get(word);
  if (cls !== undefined) return cls;
  // Possessive and plural forms of an allowed word (server's, servers) are allowed too.
  if (word.endsWith("'s") && LEXICON.has(word.slice(0, -2))) return WordClass.Lexicon;
  if (word.length > 3 && word.endsWith('s') && LEXICON.has(word.slice(0, -1))) return WordClass.Lexicon;
  return WordClass.Unknown;
}
