import { Buffer } from 'node:buffer';

// Labelled corpus for bench/scrub.js: ~2 KB error traces and scan events with planted sensitive
// values of every catalogue type, and technical values that must survive. Seeded: every run
// scrubs the same events.

/** mulberry32: small, fast, good enough to pick test values. */
export function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['James', 'Maria', 'Robert', 'Linda', 'Michael', 'Sofia', 'David', 'Emma', 'Lukas', 'Chloe', 'Pierre', 'Anna', 'Thomas', 'Julia', 'Daniel', 'Olivia', 'Mateo', 'Hannah', 'Noah', 'Camille'];
const LAST = ['Smith', 'Garcia', 'Johnson', 'Müller', 'Brown', 'Dubois', 'Rossi', 'Schmidt', 'Martin', 'Novak', 'Taylor', 'Weber', 'Moreau', 'Lopez', 'Fischer', 'Bernard', 'Wilson', 'Keller', 'Laurent', 'Silva'];
const LAST_ASCII = LAST.map((l) => l.replace('ü', 'ue'));
const DOMAINS = ['example.com', 'mail.example.org', 'corp.example.net', 'example.co.uk'];
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const HEX = '0123456789abcdef';

export function makeCorpus(seed, count) {
  const rnd = prng(seed);
  const int = (lo, hi) => lo + Math.floor(rnd() * (hi - lo + 1));
  const pick = (arr) => arr[Math.floor(rnd() * arr.length)];
  const chars = (alphabet, n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += alphabet[Math.floor(rnd() * alphabet.length)];
    return s;
  };
  const digits = (n) => chars('0123456789', n);
  const uuid = () => `${chars(HEX, 8)}-${chars(HEX, 4)}-4${chars(HEX, 3)}-${pick(['8', '9', 'a', 'b'])}${chars(HEX, 3)}-${chars(HEX, 12)}`;

  const luhnComplete = (body) => {
    let sum = 0;
    for (let i = 0; i < body.length; i++) {
      let d = Number(body[body.length - 1 - i]);
      if (i % 2 === 0) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    }
    return body + String((10 - (sum % 10)) % 10);
  };
  const card = () => {
    const [prefix, len] = pick([['4', 16], ['51', 16], ['55', 16], ['2221', 16], ['34', 15], ['37', 15], ['6011', 16], ['3530', 16], ['36', 14], ['4', 19]]);
    const n = luhnComplete(prefix + digits(len - prefix.length - 1));
    const style = int(0, 2);
    if (style === 0 || len !== 16) return n;
    const sep = style === 1 ? ' ' : '-';
    return n.match(/.{4}/g).join(sep);
  };
  const mod97 = (s) => {
    let r = 0;
    for (const ch of s) {
      const v = /[0-9]/.test(ch) ? ch : String(ch.charCodeAt(0) - 55);
      for (const d of v) r = (r * 10 + Number(d)) % 97;
    }
    return r;
  };
  const iban = () => {
    const [cc, bban] = pick([
      ['DE', () => digits(18)],
      ['GB', () => chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + digits(14)],
      ['FR', () => digits(23)],
      ['NL', () => chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ', 4) + digits(10)],
    ]);
    const b = bban();
    const check = String(98 - mod97(b + cc + '00')).padStart(2, '0');
    const compact = cc + check + b;
    return rnd() < 0.5 ? compact : compact.match(/.{1,4}/g).join(' ');
  };
  const ssn = () => {
    let area = int(1, 899);
    if (area === 666) area = 667;
    return `${String(area).padStart(3, '0')}-${String(int(1, 99)).padStart(2, '0')}-${String(int(1, 9999)).padStart(4, '0')}`;
  };
  const ipv4 = () => {
    let a = int(1, 223);
    if (a === 127) a = 128;
    return `${a}.${int(0, 255)}.${int(0, 255)}.${int(1, 254)}`;
  };
  const ipv6 = () => {
    const g = () => chars(HEX, int(1, 4));
    const style = int(0, 2);
    if (style === 0) return Array.from({ length: 8 }, () => chars(HEX, 4)).join(':');
    if (style === 1) return `2001:db8:${g()}::${g()}:${g()}`;
    return `::ffff:${ipv4()}`;
  };
  const phone = () => {
    const area = `${int(2, 9)}${digits(2)}`;
    const exch = `${int(2, 9)}${digits(2)}`;
    return pick([
      () => `+1 (${area}) ${exch}-${digits(4)}`,
      () => `+44 20 ${digits(4)} ${digits(4)}`,
      () => `+33 ${int(1, 9)} ${digits(2)} ${digits(2)} ${digits(2)} ${digits(2)}`,
      () => `+49 30 ${digits(8)}`,
      () => `(${area}) ${exch}-${digits(4)}`,
      () => `${area}-${exch}-${digits(4)} ext. ${digits(3)}`,
      () => `+1${area}${exch}${digits(4)}`,
    ])();
  };
  const mac = () => Array.from({ length: 6 }, () => chars('0123456789ABCDEF', 2)).join(pick([':', '-']));
  const personFirst = () => pick(FIRST);
  const personLast = () => pick(LAST_ASCII);

  const secret = () =>
    pick([
      () => ['jwt', `eyJhbGciOiJIUzI1NiJ9.eyJ${chars(ALNUM, 40)}.${chars(ALNUM + '_-', 43)}`, (v) => `token rejected: ${v}`],
      () => ['aws_access_key_id', `AKIA${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16)}`, (v) => `using credentials ${v} for s3`],
      () => ['aws_secret_access_key', chars(ALNUM + '/+', 40), (v) => `aws_secret_access_key=${v}`],
      () => ['github_token', `ghp_${chars(ALNUM, 36)}`, (v) => `git push failed with ${v}`],
      () => ['gitlab_token', `glpat-${chars(ALNUM, 20)}`, (v) => `PRIVATE-TOKEN: ${v}`],
      () => ['slack_token', `xoxb-${digits(12)}-${digits(13)}-${chars(ALNUM, 24)}`, (v) => `slack client ${v}`],
      () => ['slack_webhook', `https://hooks.slack.com/services/T${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/B${chars('ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789', 8)}/${chars(ALNUM, 24)}`, (v) => `POST ${v} failed`],
      () => ['stripe_key', `sk_live_${chars(ALNUM, 24)}`, (v) => `stripe init ${v}`],
      () => ['openai_key', `sk-proj-${chars(ALNUM, 40)}`, (v) => `OPENAI_API_KEY=${v}`],
      () => ['anthropic_key', `sk-ant-api03-${chars(ALNUM + '-_', 80)}`, (v) => `anthropic key ${v} invalid`],
      () => ['google_api_key', `AIza${chars(ALNUM + '_-', 35)}`, (v) => `maps?key=${v}`],
      () => ['npm_token', `npm_${chars(ALNUM, 36)}`, (v) => `//registry.npmjs.org/:_authToken=${v}`],
      () => ['bearer_token', `${chars(ALNUM, 20)}.${chars(ALNUM, 12)}`, (v) => `Authorization: Bearer ${v}`],
      () => ['basic_auth', Buffer.from(`${personFirst().toLowerCase()}:${chars(ALNUM, 10)}`).toString('base64'), (v) => `Authorization: Basic ${v}`],
      () => ['private_key', `MIIE${chars(ALNUM + '+/', 60)}`, (v) => `-----BEGIN RSA PRIVATE KEY-----\n${v}\n-----END RSA PRIVATE KEY-----`],
      () => ['url_password', `p${chars(ALNUM, 11)}`, (v) => `cannot connect to postgres://app:${v}@db.internal:5432/orders`],
      () => ['kv_password', `h${chars(ALNUM, 9)}`, (v) => `login failed: password=${v}`],
      () => ['kv_password', `t${chars(ALNUM, 15)}`, (v) => `GET /callback?code=1&access_token=${v}&state=x`],
      () => ['cookie', `${chars(HEX, 24)}`, (v) => `Cookie: sid=${v}; theme=dark`],
      () => ['high_entropy', chars(ALNUM, 32), (v) => `unexpected signature ${v} in webhook`],
    ])();

  const pii = () =>
    pick([
      () => {
        const v = `${personFirst().toLowerCase()}.${personLast().toLowerCase()}${int(1, 999)}@${pick(DOMAINS)}`;
        return ['email', v, `no account for ${v}`];
      },
      () => ['ipv4', ipv4(), null],
      () => ['ipv6', ipv6(), null],
      () => ['phone', phone(), null],
      () => ['credit_card', card(), null],
      () => ['iban', iban(), null],
      () => ['us_ssn', ssn(), null],
      () => ['mac_address', mac(), null],
    ])();

  const libs = { express: `4.${int(10, 21)}.${int(0, 9)}`, react: `18.${int(0, 3)}.${int(0, 9)}`, pg: `8.${int(0, 12)}.${int(0, 5)}`, zod: `3.${int(20, 23)}.${int(0, 9)}` };
  const fns = ['handleRequest', 'OrderService.create', 'validatePayload', 'Router.dispatch', 'processTicksAndRejections', 'Object.<anonymous>', 'async Promise.all', 'UserRepository.findById'];
  const mods = ['src/routes/orders.ts', 'src/services/order-service.ts', 'node_modules/express/lib/router/index.js', 'src/db/pool.ts', 'src/middleware/auth.ts', 'dist/server.js'];

  const events = [];
  for (let e = 0; e < count; e++) {
    const planted = [];
    const technical = [];
    const plant = (type, value) => planted.push({ type, value });
    const tech = (value) => {
      technical.push(value);
      return value;
    };
    const kind = e % 4 === 3 ? 'scan' : 'error';

    if (kind === 'error') {
      const user = `${personFirst()[0].toLowerCase()}${personLast().toLowerCase()}${int(10, 99)}`;
      const base = pick([`/home/${user}/app`, `/Users/${user}/dev/app`, `C:\\Users\\${user}\\app`]);
      plant('path_username', user);
      const sep = base.startsWith('C:') ? '\\' : '/';
      const frames = [];
      let stack = `TypeError: Cannot read properties of undefined (reading '${pick(['id', 'map', 'length'])}')`;
      for (let f = 0; f < 7; f++) {
        const mod = pick(mods);
        const line = int(10, 900);
        const col = int(1, 80);
        const fn = pick(fns);
        const file = f < 3 ? `${base}${sep}${mod.replaceAll('/', sep)}` : `/srv/app/${mod}`;
        stack += `\n    at ${fn} (${file}:${line}:${col})`;
        if (f >= 3) tech(`/srv/app/${mod}:${line}:${col}`);
        frames.push({ file, line, column: col, function: fn });
      }
      const p1 = pii();
      const s1 = secret();
      plant(p1[0], p1[1]);
      plant(s1[0], s1[1]);
      const message = `${p1[2] ?? `request from ${p1[1]} rejected`}; ${s1[2](s1[1])}`;
      const firstName = personFirst();
      const lastName = personLast();
      const nameContext = pick([
        () => `${firstName} ${lastName} <${firstName.toLowerCase()}@${pick(DOMAINS)}>`,
        () => `customer: ${firstName} ${lastName}`,
        () => `user ${firstName} ${lastName} not allowed`,
      ])();
      plant('person_name', `${firstName} ${lastName}`);
      const p2 = pii();
      plant(p2[0], p2[1]);
      const sensitiveKey = pick(['password', 'db_password', 'apiKey', 'client_secret', 'access_token', 'sessionId']);
      const sensitiveValue = `s${chars(ALNUM, 12)}`;
      plant('sensitive_key', sensitiveValue);
      frames[0].vars = { orderId: tech(uuid()), [sensitiveKey]: sensitiveValue, retries: int(0, 5), note: `contact ${p2[2] ?? p2[1]}` };
      frames[1].vars = { customer: nameContext, tokenizer: tech('cl100k_base'), author: tech('release-bot') };
      const traceId = tech(chars(HEX, 32));
      const spanId = tech(chars(HEX, 16));
      const release = tech(chars(HEX, 40));
      const ts = tech(`2024-${String(int(1, 12)).padStart(2, '0')}-${String(int(1, 28)).padStart(2, '0')}T${String(int(0, 23)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}:${String(int(0, 59)).padStart(2, '0')}.${digits(3)}Z`);
      for (const v of Object.values(libs)) tech(v);
      const host = tech(`${pick(['orders', 'payments', 'inventory'])}.internal:${pick([5432, 6379, 8080, 9200])}`);
      const bearer = `${chars(ALNUM, 32)}`;
      plant('sensitive_key', bearer);
      const cookieValue = chars(HEX, 32);
      plant('sensitive_key', cookieValue);
      events.push({
        kind,
        planted,
        technical,
        event: {
          timestamp: ts,
          company_id: `company-${int(1, 50)}`,
          user_id: `user-${int(1, 10_000)}`,
          level: pick(['error', 'fatal', 'warning']),
          error: { type: pick(['TypeError', 'DatabaseError', 'ValidationError']), message, stack },
          frames,
          environment: { runtime: tech(`node v20.${int(10, 19)}.${int(0, 9)}`), os: tech(`linux 6.5.0-${int(1000, 1099)}-azure`), libraries: libs, release },
          performance: { duration_ms: int(1, 30_000), db_ms: int(1, 900), heap_used_bytes: int(1e7, 9e8), event_loop_lag_ms: rnd() * 50 },
          trace: { trace_id: traceId, span_id: spanId },
          request: {
            method: pick(['GET', 'POST', 'PUT']),
            url: tech(`https://api.example.com/v1/orders/${int(1000, 9999)}?page=${int(1, 9)}`),
            headers: { authorization: `Bearer ${bearer}`, cookie: `sid=${cookieValue}`, 'content-type': 'application/json', 'x-request-id': tech(uuid()), host },
          },
          extra: { status_code: 503, retry_after_s: 30, feature_flag: tech('checkout-v2') },
        },
      });
    } else {
      const firstName = personFirst();
      const lastName = personLast();
      const fileName = `${firstName}_${lastName}_${pick(['CV', 'Resume', 'Passport', 'Contract'])}.pdf`;
      plant('person_name', `${firstName}_${lastName}`);
      const ip = ipv4();
      plant('user_ip', ip);
      const contentSecret = `${chars(ALNUM, 10)} ${personFirst()} prompt`;
      plant('content', contentSecret);
      const p1 = pii();
      plant(p1[0], p1[1]);
      events.push({
        kind,
        planted,
        technical,
        event: {
          timestamp: tech(`2024-06-${String(int(1, 28)).padStart(2, '0')}T12:00:00Z`),
          company_id: `company-${int(1, 50)}`,
          event_type: pick(['scan', 'blocked', 'allowed']),
          context: { type: pick(['chat', 'file_upload']), source: tech(pick(['web-app', 'slack-bot', 'api'])) },
          scan_result: {
            flagged: true,
            categories: { prompt_injection: true, pii: false, [tech('moderated_content')]: false },
            scores: { prompt_injection: Number(rnd().toFixed(4)), pii: Number(rnd().toFixed(4)) },
            threat_level: tech(pick(['low', 'medium', 'high'])),
          },
          metadata: { user_ip: ip, file_name: fileName, file_type: 'application/pdf', file_size: int(1000, 9_000_000), message_length: int(10, 4000), detected_patterns: [tech('prompt_injection'), tech('jailbreak')] },
          content: contentSecret,
          assistant_response: `I cannot help with ${contentSecret}`,
          messages: [{ role: 'user', content: `hello, reach me at ${p1[1]}` }],
          chat: { id: tech(uuid()), turn: int(1, 20), model: tech('gpt-4o-2024-08-06') },
          padding_stats: { tokens_in: int(10, 4000), tokens_out: int(10, 4000), latency_ms: int(20, 3000), region: tech('eu-west-1') },
        },
      });
    }
  }
  return events;
}
