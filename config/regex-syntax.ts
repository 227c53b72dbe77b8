/**
 * A parser of JavaScript regex syntax into the tree the cost analysis reads (the node shapes follow
 * `@eslint-community/regexpp`'s, trimmed to what rules use). It runs after `new RegExp` accepted the
 * pattern, so it only has to read valid syntax; what it does not know it refuses with a SyntaxError.
 */

export interface Character {
  type: 'Character';
  value: number;
  raw: string;
}
export interface CharacterClassRange {
  type: 'CharacterClassRange';
  min: Character;
  max: Character;
  raw: string;
}
export interface CharacterSet {
  type: 'CharacterSet';
  kind: 'any' | 'digit' | 'space' | 'word' | 'property';
  negate: boolean;
  raw: string;
}
export interface CharacterClass {
  type: 'CharacterClass';
  negate: boolean;
  elements: (Character | CharacterClassRange | CharacterSet)[];
  raw: string;
}
export interface Group {
  type: 'Group' | 'CapturingGroup';
  alternatives: Alternative[];
  raw: string;
}
export interface Quantifier {
  type: 'Quantifier';
  min: number;
  max: number;
  greedy: boolean;
  element: Element;
  raw: string;
}
export interface Assertion {
  type: 'Assertion';
  kind: 'start' | 'end' | 'word' | 'lookahead' | 'lookbehind';
  negate: boolean;
  /** The content of a look-around; empty for `^`, `$`, `\b`, `\B`. */
  alternatives: Alternative[];
  raw: string;
}
export interface Backreference {
  type: 'Backreference';
  raw: string;
}
export type Element = Character | CharacterClass | CharacterSet | Group | Quantifier | Assertion | Backreference;
export interface Alternative {
  type: 'Alternative';
  elements: Element[];
  raw: string;
}

const SYNTAX = new Set('^$\\.*+?()[]{}|/');

/**
 * Parses `source` (a pattern without slashes) into its top-level alternatives.
 * @throws {SyntaxError} on syntax it does not read.
 * @example parseRegex('a|b{2}', false).length // 2
 */
export function parseRegex(source: string, unicode: boolean): Alternative[] {
  const parser = new Parser(source, unicode);
  const alternatives = parser.alternatives();
  if (parser.pos !== source.length) parser.fail('unbalanced )');
  return alternatives;
}

class Parser {
  pos = 0;
  constructor(
    private readonly src: string,
    private readonly unicode: boolean,
  ) {}

  fail(why: string): never {
    throw new SyntaxError(`cannot read the pattern at ${this.pos} (${why})`);
  }

  private peek(offset = 0): string {
    return this.src.charAt(this.pos + offset);
  }

  alternatives(): Alternative[] {
    const out = [this.alternative()];
    while (this.peek() === '|') {
      this.pos++;
      out.push(this.alternative());
    }
    return out;
  }

  private alternative(): Alternative {
    const start = this.pos;
    const elements: Element[] = [];
    while (this.pos < this.src.length && this.peek() !== '|' && this.peek() !== ')') {
      const atomStart = this.pos;
      const atom = this.atom();
      elements.push(this.quantified(atom, atomStart));
    }
    return { type: 'Alternative', elements, raw: this.src.slice(start, this.pos) };
  }

  private quantified(atom: Element, start: number): Element {
    let min: number;
    let max: number;
    const c = this.peek();
    if (c === '*' || c === '+' || c === '?') {
      this.pos++;
      [min, max] = c === '*' ? [0, Infinity] : c === '+' ? [1, Infinity] : [0, 1];
    } else if (c === '{') {
      const m = /^\{(\d+)(,(\d*))?\}/.exec(this.src.slice(this.pos));
      if (m === null) return atom;
      this.pos += m[0].length;
      min = Number(m[1]);
      max = m[2] === undefined ? min : m[3] === '' ? Infinity : Number(m[3]);
    } else {
      return atom;
    }
    let greedy = true;
    if (this.peek() === '?') {
      this.pos++;
      greedy = false;
    }
    if (atom.type === 'Assertion' && atom.kind !== 'lookahead') this.fail('nothing to repeat');
    return { type: 'Quantifier', min, max, greedy, element: atom, raw: this.src.slice(start, this.pos) };
  }

  private atom(): Element {
    const start = this.pos;
    const c = this.peek();
    const raw = (): string => this.src.slice(start, this.pos);
    switch (c) {
      case '^':
      case '$':
        this.pos++;
        return { type: 'Assertion', kind: c === '^' ? 'start' : 'end', negate: false, alternatives: [], raw: raw() };
      case '.':
        this.pos++;
        return { type: 'CharacterSet', kind: 'any', negate: false, raw: raw() };
      case '(':
        return this.group();
      case '[':
        return this.characterClass();
      case '\\':
        return this.escape(false);
      case '*':
      case '+':
      case '?':
        return this.fail('nothing to repeat');
      default: {
        if (this.unicode && (c === ']' || c === '{' || c === '}')) this.fail(`lone ${c}`);
        const value = this.src.codePointAt(this.pos) as number;
        this.pos += this.unicode && value > 0xffff ? 2 : 1;
        return { type: 'Character', value, raw: raw() };
      }
    }
  }

  private group(): Element {
    const start = this.pos;
    this.pos++;
    let kind: 'Group' | 'CapturingGroup' | 'lookahead' | 'lookbehind' = 'CapturingGroup';
    let negate = false;
    if (this.peek() === '?') {
      const head = this.src.slice(this.pos, this.pos + 3);
      if (head.startsWith('?:')) {
        kind = 'Group';
        this.pos += 2;
      } else if (head.startsWith('?=') || head.startsWith('?!')) {
        kind = 'lookahead';
        negate = head[1] === '!';
        this.pos += 2;
      } else if (head === '?<=' || head === '?<!') {
        kind = 'lookbehind';
        negate = head[2] === '!';
        this.pos += 3;
      } else if (head.startsWith('?<')) {
        const m = /^\?<[A-Za-z_$][\w$]*>/.exec(this.src.slice(this.pos));
        if (m === null) this.fail('bad group name');
        this.pos += m[0].length;
      } else {
        this.fail('unknown group');
      }
    }
    const alternatives = this.alternatives();
    if (this.peek() !== ')') this.fail('unterminated group');
    this.pos++;
    const raw = this.src.slice(start, this.pos);
    if (kind === 'lookahead' || kind === 'lookbehind') return { type: 'Assertion', kind, negate, alternatives, raw };
    return { type: kind, alternatives, raw };
  }

  private characterClass(): CharacterClass {
    const start = this.pos;
    this.pos++;
    const negate = this.peek() === '^';
    if (negate) this.pos++;
    const elements: CharacterClass['elements'] = [];
    while (this.peek() !== ']') {
      if (this.pos >= this.src.length) this.fail('unterminated class');
      const first = this.classAtom();
      if (this.peek() === '-' && this.peek(1) !== ']' && this.peek(1) !== '' && first.type === 'Character') {
        const dash = this.pos;
        this.pos++;
        const last = this.classAtom();
        if (last.type === 'Character') {
          elements.push({ type: 'CharacterClassRange', min: first, max: last, raw: this.src.slice(dash - first.raw.length, this.pos) });
          continue;
        }
        // `[a-\d]` (Annex B): the dash is a character.
        elements.push(first, { type: 'Character', value: 45, raw: '-' }, last);
        continue;
      }
      elements.push(first);
    }
    this.pos++;
    return { type: 'CharacterClass', negate, elements, raw: this.src.slice(start, this.pos) };
  }

  private classAtom(): Character | CharacterSet {
    if (this.peek() === '\\') {
      const e = this.escape(true);
      if (e.type === 'Backreference' || e.type === 'Assertion') this.fail('escape not allowed in a class');
      return e;
    }
    const start = this.pos;
    const value = this.src.codePointAt(this.pos) as number;
    this.pos += this.unicode && value > 0xffff ? 2 : 1;
    return { type: 'Character', value, raw: this.src.slice(start, this.pos) };
  }

  /** After a backslash, in a class (`\b` is a backspace there) or outside one. */
  private escape(inClass: boolean): Character | CharacterSet | Assertion | Backreference {
    const start = this.pos;
    this.pos++;
    const c = this.peek();
    this.pos++;
    const raw = (): string => this.src.slice(start, this.pos);
    const char = (value: number): Character => ({ type: 'Character', value, raw: raw() });
    switch (c) {
      case 'd':
      case 'D':
      case 's':
      case 'S':
      case 'w':
      case 'W':
        return { type: 'CharacterSet', kind: c.toLowerCase() === 'd' ? 'digit' : c.toLowerCase() === 's' ? 'space' : 'word', negate: c === c.toUpperCase(), raw: raw() };
      case 'b':
      case 'B':
        if (inClass && c === 'b') return char(8);
        if (inClass) this.fail('\\B in a class');
        return { type: 'Assertion', kind: 'word', negate: c === 'B', alternatives: [], raw: raw() };
      case 'p':
      case 'P':
        if (!this.unicode) return char(c.charCodeAt(0));
        if (this.peek() !== '{' || !this.src.includes('}', this.pos)) this.fail('bad property escape');
        this.pos = this.src.indexOf('}', this.pos) + 1;
        return { type: 'CharacterSet', kind: 'property', negate: c === 'P', raw: raw() };
      case 'n':
        return char(10);
      case 'r':
        return char(13);
      case 't':
        return char(9);
      case 'v':
        return char(11);
      case 'f':
        return char(12);
      case 'c': {
        const letter = this.peek();
        if (/^[A-Za-z]$/.test(letter)) {
          this.pos++;
          return char(letter.charCodeAt(0) % 32);
        }
        this.pos--;
        return char(92);
      }
      case 'x':
        return char(this.hex(2) ?? 120);
      case 'u': {
        if (this.unicode && this.peek() === '{') {
          const end = this.src.indexOf('}', this.pos);
          if (end === -1) this.fail('bad \\u{…}');
          const value = Number.parseInt(this.src.slice(this.pos + 1, end), 16);
          this.pos = end + 1;
          return char(value);
        }
        return char(this.hex(4) ?? 117);
      }
      case 'k':
        if (this.peek() === '<') {
          this.pos = this.src.indexOf('>', this.pos) + 1;
          return { type: 'Backreference', raw: raw() };
        }
        return char(107);
      case '0':
        if (!/^[0-9]$/.test(this.peek())) return char(0);
        return this.fail('octal escape');
      case '':
        return this.fail('\\ at end of pattern');
      default:
        if (/^[1-9]$/.test(c)) {
          if (inClass) this.fail('octal escape in a class');
          while (/^[0-9]$/.test(this.peek())) this.pos++;
          return { type: 'Backreference', raw: raw() };
        }
        if (this.unicode && !SYNTAX.has(c) && c !== '-') this.fail('identity escape in unicode mode');
        this.pos--;
        {
          const value = this.src.codePointAt(this.pos) as number;
          this.pos += this.unicode && value > 0xffff ? 2 : 1;
          return char(value);
        }
    }
  }

  private hex(digits: number): number | undefined {
    const text = this.src.slice(this.pos, this.pos + digits);
    if (text.length !== digits || !/^[0-9A-Fa-f]+$/.test(text)) return undefined;
    this.pos += digits;
    return Number.parseInt(text, 16);
  }
}
