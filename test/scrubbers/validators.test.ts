import { describe, expect, it } from 'vitest';
import { prng } from '../../bench/scrub-corpus.js';
import { cardValid, ibanValid, ssnValid } from '../../scrubbers/checksums.js';
import { shannonEntropy } from '../../scrubbers/entropy.js';
import { ipv4Shape, ipv6Valid } from '../../scrubbers/validators.js';

// The validators read their text in place, without splitting or copying it. Each is compared here
// with the plain form of the same rule (split, replace, slice), on values built to sit on and
// around every boundary, so the fast form cannot drift from what it stands for.

const rnd = prng(20261202);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rnd() * items.length)] as T;
const chars = (alphabet: string, n: number): string => Array.from({ length: n }, () => pick([...alphabet])).join('');
const digits = (n: number): string => chars('0123456789', n);

function plainIpv4(text: string): boolean {
  const parts = text.split('.');
  return parts.length === 4 && parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255);
}

function plainIpv6(text: string): boolean {
  let s = text;
  let needed = 8;
  const lastColon = s.lastIndexOf(':');
  if (s.indexOf('.', lastColon) !== -1) {
    if (!plainIpv4(s.slice(lastColon + 1))) return false;
    s = `${s.slice(0, lastColon + 1)}0`;
    needed = 7;
  }
  const hex = (g: string) => /^[0-9A-Fa-f]{1,4}$/.test(g);
  const double = s.indexOf('::');
  if (double !== s.lastIndexOf('::')) return false;
  if (double === -1) {
    const groups = s.split(':');
    return groups.length === needed && groups.every(hex);
  }
  const head = s.slice(0, double);
  const tail = s.slice(double + 2);
  const groups = [...(head === '' ? [] : head.split(':')), ...(tail === '' ? [] : tail.split(':'))];
  return groups.every(hex) && groups.length < needed && groups.length >= 2;
}

function plainLuhn(ds: string): boolean {
  let sum = 0;
  for (let i = 0; i < ds.length; i++) {
    let d = Number(ds[ds.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return ds.length > 0 && sum % 10 === 0;
}

function plainCard(text: string): boolean {
  const ds = text.replace(/[^0-9]/g, '');
  const n = ds.length;
  if (n < 12 || n > 19) return false;
  const p = (k: number) => Number(ds.slice(0, k));
  const [p2, p3, p4, p6] = [p(2), p(3), p(4), p(6)];
  const issuer =
    (ds[0] === '4' && (n === 13 || n === 16 || n === 19)) ||
    (((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) && n === 16) ||
    ((p2 === 34 || p2 === 37) && n === 15) ||
    ((p4 === 6011 || p2 === 65 || (p3 >= 644 && p3 <= 649) || (p6 >= 622126 && p6 <= 622925)) && n >= 16) ||
    (p4 >= 3528 && p4 <= 3589 && n >= 16) ||
    ([2131, 1800].includes(p4) && n === 15) ||
    (((p3 >= 300 && p3 <= 305) || p2 === 36 || p2 === 38 || p2 === 39 || p4 === 3095) && n >= 14) ||
    ((p2 === 62 || (p4 >= 8100 && p4 <= 8171)) && n >= 16) ||
    (([50, 56, 57, 58, 63, 67].includes(p2) || [6759, 6761, 6762, 6763].includes(p4)) && n >= 12) ||
    (p4 >= 2200 && p4 <= 2204 && n >= 16) ||
    (([60, 81, 82].includes(p2) || [508, 353, 356].includes(p3)) && n === 16) ||
    (p4 === 9792 && n === 16) ||
    (((p6 >= 506099 && p6 <= 506198) || (p6 >= 650002 && p6 <= 650027)) && n >= 16);
  return issuer && plainLuhn(ds);
}

function plainSsn(text: string): boolean {
  const ds = text.replace(/[^0-9]/g, '');
  if (ds.length !== 9) return false;
  const [area, group, serial] = [ds.slice(0, 3), ds.slice(3, 5), ds.slice(5)];
  return area !== '000' && area !== '666' && !area.startsWith('9') && group !== '00' && serial !== '0000';
}

/** Lengths of the countries the samples use, from the ISO 13616 registry. */
const IBAN_SAMPLE_LENGTHS: Record<string, number> = { DE: 22, GB: 22, FR: 27, NL: 18, NO: 15 };

function mod97(text: string): number {
  let remainder = 0;
  for (const ch of text) {
    for (const d of /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55)) remainder = (remainder * 10 + Number(d)) % 97;
  }
  return remainder;
}

function plainIban(text: string): boolean {
  const iban = text.replace(/ /g, '').toUpperCase();
  if (IBAN_SAMPLE_LENGTHS[iban.slice(0, 2)] !== iban.length || !/^[0-9A-Z]+$/.test(iban)) return false;
  return mod97(iban.slice(4) + iban.slice(0, 4)) === 1;
}

function plainEntropy(s: string): number {
  const counts = new Map<number, number>();
  for (const ch of s) {
    for (let i = 0; i < ch.length; i++) {
      const c = ch.charCodeAt(i);
      const slot = c < 128 ? c : 128;
      counts.set(slot, (counts.get(slot) ?? 0) + 1);
    }
  }
  let bits = 0;
  for (const slot of [...counts.keys()].sort((a, b) => a - b)) {
    const p = (counts.get(slot) as number) / s.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

function compare(name: string, fast: (s: string) => boolean, plain: (s: string) => boolean, samples: string[]): void {
  const differing = samples.filter((s) => fast(s) !== plain(s));
  expect({ name, differing: differing.slice(0, 5) }).toEqual({ name, differing: [] });
  // Both answers must occur, or the comparison proves little.
  expect(new Set(samples.map(fast)).size).toBe(2);
}

describe('validators read in place and agree with their plain forms', () => {
  it('IPv4 shape', () => {
    const samples = ['1.2.3.4', '255.255.255.255', '256.1.1.1', '01.002.3.4', '1.2.3', '1.2.3.4.', '.1.2.3', '1..2.3', '1.2.3.4444', ''];
    for (let i = 0; i < 20_000; i++) samples.push(chars('0123456789..x ', Math.floor(rnd() * 18)));
    for (let i = 0; i < 5_000; i++) samples.push(Array.from({ length: 3 + Math.floor(rnd() * 3) }, () => String(Math.floor(rnd() * 300))).join('.'));
    compare('ipv4Shape', ipv4Shape, plainIpv4, samples);
  });

  it('IPv6 address', () => {
    const group = () => chars('0123456789abcdefABCDEF', 1 + Math.floor(rnd() * 5));
    const samples = ['::', '::1', '1::', '1::2', '2001:db8::1', '::ffff:1.2.3.4', '1:2:3:4:5:6:7:8', '1:2:3:4:5:6:1.2.3.4', ':::', '1:::2', ''];
    for (let i = 0; i < 20_000; i++) samples.push(chars('0123456789abcdefABCDEFgx::::..', Math.floor(rnd() * 40)));
    for (let i = 0; i < 20_000; i++) {
      const parts = Array.from({ length: 1 + Math.floor(rnd() * 9) }, group);
      const at = Math.floor(rnd() * (parts.length + 1));
      let s = rnd() < 0.4 ? `${parts.slice(0, at).join(':')}::${parts.slice(at).join(':')}` : parts.join(':');
      if (rnd() < 0.2) s = s.replace(/[^:]*$/, `${digits(1 + Math.floor(rnd() * 3))}.${digits(2)}.${digits(1)}.${digits(3)}`);
      samples.push(s);
    }
    compare('ipv6Valid', ipv6Valid, plainIpv6, samples);
  });

  it('payment card', () => {
    const samples: string[] = ['4111 1111 1111 1111', '378282246310005', '6011111111111117', '', 'abc'];
    const prefixes = ['4', '51', '55', '2221', '2720', '34', '37', '6011', '65', '644', '622126', '3528', '300', '36', '3095', '62', '5018', '6763', '2200', '1', '9', '',
      '2131', '1800', '8100', '8171', '8172', '50', '56', '58', '59', '63', '67', '60', '81', '82', '508', '353', '356', '9792', '506099', '506199', '650002', '650028'];
    for (let i = 0; i < 40_000; i++) {
      const body = pick(prefixes) + digits(9 + Math.floor(rnd() * 11));
      let s = body;
      for (let check = 0; check < 10; check++) if (plainLuhn(body + check)) s = body + check;
      if (rnd() < 0.3) s = s.slice(0, -1) + digits(1);
      if (rnd() < 0.4) s = (s.match(/.{1,4}/g) ?? []).join(pick([' ', '-', 'x']));
      samples.push(s);
    }
    compare('cardValid', cardValid, plainCard, samples);
  });

  it('US SSN', () => {
    const samples = ['123-45-6789', '000-12-3456', '666-12-3456', '912-34-5678', '123-00-4567', '123-45-0000', '12345678', ''];
    for (let i = 0; i < 40_000; i++) {
      const area = rnd() < 0.2 ? pick(['000', '666', '900', '999']) : digits(3);
      const group = rnd() < 0.1 ? '00' : digits(2);
      const serial = rnd() < 0.1 ? '0000' : digits(3 + Math.floor(rnd() * 3));
      samples.push(`${area}${pick(['-', ' ', ''])}${group}${pick(['-', ' ', ''])}${serial}`);
    }
    compare('ssnValid', ssnValid, plainSsn, samples);
  });

  it('IBAN', () => {
    const samples = ['GB82 WEST 1234 5698 7654 32', 'GB82WEST12345698765432', '', 'GB', 'GB82', '   '];
    for (let i = 0; i < 40_000; i++) {
      const country = pick(['DE', 'GB', 'FR', 'NL', 'NO', 'XX', 'de']);
      const length = (IBAN_SAMPLE_LENGTHS[country] ?? 20) + pick([0, 0, 0, -1, 1]);
      const bban = chars('0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ', Math.max(1, length - 4));
      const check = rnd() < 0.7 ? String(98 - mod97(`${bban}${country.toUpperCase()}00`)).padStart(2, '0') : digits(2);
      let s = `${country}${check}${bban}`;
      if (rnd() < 0.4) s = (s.match(/.{1,4}/g) ?? []).join(' ');
      if (rnd() < 0.2) s = s.toLowerCase();
      samples.push(s);
    }
    compare('ibanValid', ibanValid, plainIban, samples);
  });

  it('Shannon entropy, to the last bit, and again on the next call', () => {
    for (let i = 0; i < 5_000; i++) {
      const s = chars('abcdefABCDEF0123456789+/=-_ü€', Math.floor(rnd() * 60));
      expect(shannonEntropy(s)).toBe(plainEntropy(s));
      expect(shannonEntropy(s)).toBe(plainEntropy(s));
    }
  });
});
