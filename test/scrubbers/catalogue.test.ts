import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';
import type { EventKind, JsonObject } from '../../scrubbers/index.js';

const scrubber = createScrubber(loadRules({}), { hashKey: 'test-key' });

function scrubField(value: string, kind: EventKind = 'error'): { out: string; rules: string[] } {
  const { event, counts } = scrubber.scrub({ extra: { note: value } }, kind);
  const extra = event['extra'] as JsonObject;
  return { out: JSON.stringify(extra['note']), rules: Object.keys(counts) };
}

/** [rule, text, the sensitive part that must be gone] */
const MUST_CATCH: [string, string, string][] = [
  ['email', 'mail to john.doe@example.com failed', 'john.doe@example.com'],
  ['email', 'USER@EXAMPLE.ORG', 'USER@EXAMPLE.ORG'],
  ['ipv4', 'connect from 203.0.113.7 refused', '203.0.113.7'],
  ['ipv4_private', 'upstream 10.1.2.3:5432 timeout', '10.1.2.3'],
  ['ipv6', 'client 2001:db8:85a3::8a2e:370:7334 sent', '2001:db8:85a3::8a2e:370:7334'],
  ['ipv6_private', 'peer fe80::1ff:fe23:4567:890a', 'fe80::1ff:fe23:4567:890a'],
  ['ipv6_private', 'mapped ::ffff:192.168.1.20 here', '192.168.1.20'],
  ['ipv6', 'mapped ::ffff:203.0.113.20 here', '203.0.113.20'],
  ['phone', 'call +1 (415) 555-2671 now', '555-2671'],
  ['phone', 'UK +44 20 7946 0958', '7946 0958'],
  ['phone', 'FR +33 1 23 45 67 89', '23 45 67 89'],
  ['phone', 'DE +49 30 12345678', '12345678'],
  ['phone', 'US (415) 555-2671 x204', '555-2671'],
  ['phone', 'E.164 +14155552671', '4155552671'],
  ['credit_card', 'card 4111 1111 1111 1111 declined', '4111 1111 1111 1111'],
  ['credit_card', 'mc 5500-0000-0000-0004', '5500-0000-0000-0004'],
  ['credit_card', 'amex 378282246310005', '378282246310005'],
  ['credit_card', 'discover 6011111111111117', '6011111111111117'],
  ['credit_card', 'jcb 3530111333300000', '3530111333300000'],
  ['credit_card', 'diners 30569309025904', '30569309025904'],
  ['iban', 'pay to GB82 WEST 1234 5698 7654 32 today', 'WEST 1234 5698'],
  ['iban', 'DE89370400440532013000', 'DE89370400440532013000'],
  ['us_ssn', 'ssn 123-45-6789 on file', '123-45-6789'],
  ['us_ssn', 'SSN: 078051120', '078051120'],
  ['mac_address', 'nic 00:1A:2B:3C:4D:5E up', '00:1A:2B:3C:4D:5E'],
  ['path_username', 'at /home/jdoe/app/server.js:10:5', 'jdoe'],
  ['path_username', 'C:\\Users\\JSmith\\AppData\\app.exe', 'JSmith'],
  ['person_name', 'John Smith <john@x.com>', 'John Smith'],
  ['person_name', 'customer: Maria Garcia not found', 'Maria Garcia'],
  ['jwt', 'jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'dozjgNryP4J3jVmNHl0w5N'],
  ['bearer_token', 'Authorization: Bearer abc123def456ghi789', 'abc123def456ghi789'],
  ['basic_auth', 'Authorization: Basic dXNlcjpwYXNzd29yZA==', 'dXNlcjpwYXNzd29yZA=='],
  ['aws_access_key_id', 'key AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
  ['aws_secret_access_key', 'aws_secret_access_key=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'wJalrXUtnFEMI'],
  ['github_token', 'ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R', 'ghp_1a2B3c4D5e6F7g8H9i0J1k2L3m4N5o6P7q8R'],
  ['github_token', 'github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUV', 'github_pat_11ABC'],
  ['gitlab_token', 'glpat-xYz12AbC34dEf56GhI78', 'glpat-xYz12AbC34dEf56GhI78'],
  ['slack_token', 'xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx', 'xoxb-123456789012'],
  ['slack_webhook', 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX', 'T00000000/B00000000'],
  ['stripe_key', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc', 'sk_live_4eC39HqLyjWDarjtT1zdp7dc'],
  ['openai_key', 'sk-proj-AbCdEf0123456789GhIjKlMnOpQrStUvWx', 'AbCdEf0123456789GhIj'],
  ['anthropic_key', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEfGh', 'AbCdEfGhIjKlMnOpQrStUvWxYz'],
  ['google_api_key', 'AIzaSyA-1234567890abcdefghijklmnopqrstu', 'AIzaSyA-1234567890'],
  ['npm_token', '_authToken=npm_abcdefghijklmnopqrstuvwxyz0123456789', 'npm_abcdefghijklmnopqrstuvwxyz0123456789'],
  ['private_key', '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7bq8Jk3x\n-----END RSA PRIVATE KEY-----', 'MIIEowIBAAKCAQEA7bq8Jk3x'],
  ['url_password', 'postgres://app:s3cr3t@db.internal:5432/app', 's3cr3t'],
  ['kv_password', 'login with password=hunter2 failed', 'hunter2'],
  ['kv_password', 'GET /cb?code=1&api_key=K3yV4lue&state=x', 'K3yV4lue'],
  ['kv_password', 'password := "hunter2hunter2"', 'hunter2hunter2'],
  ['saas_token', 'HF_TOKEN=hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh', 'hf_AbCdEfGhIjKlMnOpQrStUvWxYzAbCdEfGh'],
  ['phone', 'rappeler le 0490 75 40 81', '75 40 81'],
  ['phone', 'mobile 07700 063 966', '063 966'],
  ['phone', 'llamar al 699 956 915', '956 915'],
  ['credit_card', 'maestro 503800000005', '503800000005'],
  ['credit_card', 'jcb 213112345678904', '213112345678904'],
  ['iban', 'iban gb82west12345698765432', 'west1234'],
  ['given_name', 'Anna called twice', 'Anna'],
  ['full_name', 'Anna Schmidt called', 'Schmidt'],
  ['family_name', 'Anna Papadakis called', 'Papadakis'],
  ['street_address', 'deliver to 221B Baker Street today', 'Baker Street'],
  ['cookie', 'Cookie: sid=31d4d96e407aad42; theme=dark', '31d4d96e407aad42'],
  ['high_entropy', 'unexpected value Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L in header', 'Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L'],
];

/** Technical values that must come through unchanged. */
const MUST_KEEP: string[] = [
  '550e8400-e29b-41d4-a716-446655440000',
  'trace 4bf92f3577b34da6a3ce929d0e0e4736',
  'commit a1b2c3d',
  'v2.14.0',
  '1.0.0-beta.3+build.5',
  'react@18.2.0',
  '2024-01-15T10:30:00.123Z',
  '2024-01-15 10:30:00',
  '1700000000',
  '1700000000123',
  'took 1500ms',
  'PT1H30M',
  'HTTP 503 Service Unavailable',
  'localhost:8080',
  'api.example.com:443',
  '127.0.0.1:3000',
  'at Object.<anonymous> (node_modules/express/lib/router/index.js:284:7)',
  'at processTicksAndRejections (node:internal/process/task_queues:95:5)',
  'TypeError: Cannot read properties of undefined (reading \'map\')',
  'line 4155552671',
  'column 42',
  'getUserProfileSettingsHandler',
  'src/components/UserProfileCard.tsx',
  'score 0.9731',
  'threat_level high',
  'file_size 10485760',
  'Windows 10.0.19045',
  'linux 6.5.0-1025-azure',
  'UserService.findById failed: User Not Found',
  '4111 1111 1111 1112',
  'GB82 WEST 1234 5698 7654 33',
  '000-12-3456',
  'std::vector<int>::iterator',
  'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=',
  'onPress@index.android.bundle:12:2336',
  'File "/base/data/home/runtimes/python27/python27_lib/versions/1/google/appengine/ext/db.py", line 12',
  'blk_4568377692254637284 replicated to 3 nodes',
  'ASL Sender Statistics',
  'credentials: new AWS.SharedIniFileCredentials({ profile })',
  'password: ${DB_PASSWORD}',
  'Exception in thread "main" java.lang.IllegalStateException at com.example.Main.run(Main.java:12)',
  'released 01.02.2024 after 0.123456789 s',
];

describe('catalogue', () => {
  it.each(MUST_CATCH)('catches %s in %j', (rule, text, secret) => {
    const { out, rules } = scrubField(text);
    expect(rules).toContain(rule);
    expect(out).not.toContain(secret);
  });

  it.each(MUST_KEEP)('keeps technical value %j', (text) => {
    const { out, rules } = scrubField(text);
    expect(rules).toEqual([]);
    expect(out).toBe(JSON.stringify(text));
  });

  it('replaces only the user segment of a path and keeps the rest', () => {
    expect(scrubField('/Users/jane.smith/dev/app/src/x.ts:10:5').out).toBe('"/Users/[user]/dev/app/src/x.ts:10:5"');
    expect(scrubField('C:\\Users\\JSmith\\AppData\\Local\\app.exe').out).toBe(JSON.stringify('C:\\Users\\[user]\\AppData\\Local\\app.exe'));
  });

  it('keeps scheme and host of a URL with credentials', () => {
    expect(scrubField('postgres://app:s3cr3t@db.internal:5432/app').out).toBe('"postgres://[url_password]@db.internal:5432/app"');
  });

  it('keeps the key of a key=value secret', () => {
    expect(scrubField('retry with access_token=abc.def&x=1').out).toBe('"retry with access_token=[kv_password]&x=1"');
  });

  it('finds a person name in a file name, removes the other words and keeps the extension', () => {
    const { event, counts } = scrubber.scrub({ metadata: { file_name: 'John_Smith_CV.pdf', file_type: 'pdf' } }, 'scan');
    expect(event['metadata']).toEqual({ file_name: '[file_name].pdf', file_type: 'pdf' });
    expect(counts).toMatchObject({ person_name: 1, file_name: 1 });
  });

  it('does not report a Luhn-invalid card or a mod-97-invalid IBAN', () => {
    expect(scrubField('4111 1111 1111 1112 and GB82 WEST 1234 5698 7654 33').rules).toEqual([]);
  });
});
