import { describe, expect, it } from 'vitest';
import { loadRules } from '../../config/rules.js';
import { createScrubber } from '../../scrubbers/index.js';

const scrubber = createScrubber(loadRules({}), { hashKey: 'k' });

/** What the relay forwards of `message` in an error event. */
function scrubbed(message: string): unknown {
  const { event } = scrubber.scrub({ error: { message } }, 'error');
  return (event.error as { message: unknown }).message;
}

describe('high_entropy', () => {
  it('replaces the value of key=value and keeps the key', () => {
    expect(scrubbed('retry with k=Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L later')).toBe('retry with k=[high_entropy] later');
    expect(scrubbed('state=Zx9Qw3Er7Ty1Ui5Op2As8Df4Gh6Jk0L&x=1')).toBe('state=[high_entropy]&x=1');
  });

  it('keeps base64 padding with the token it ends', () => {
    expect(scrubbed('blob aGVsbG8gd29ybGQgZnJvbSBhIHJhbmRvbSBrZXk9Zx9Q== end')).toBe('blob [high_entropy] end');
  });

  it('keeps short hex values and pointers after a key name intact', () => {
    for (const text of ['SystemUiVisibility=0x508', 'NSUnderlyingError=0x7fe1a2b3c4d5e6f7 {Error Domain=NSURLErrorDomain Code=-1009}', 'UIViewControllerHierarchyInconsistency=0x600003a2c1e0']) {
      expect(scrubbed(text)).toBe(text);
    }
  });

  it('finds letters-only random keys, mixed and lower case', () => {
    // A Hugging Face token itself (hf_…) is found by its prefix (saas_token); the same letters without it are this rule's.
    expect(scrubbed('export HUGGINGFACE=ujzPdeIgxLdGncfBAepfJBdKhoOOLdKLzd')).toBe('export HUGGINGFACE=[high_entropy]');
    expect(scrubbed('client got DLDxtpYlSXpfKtHFvUCsMehGAkWvjFAcQe back')).toBe('client got [high_entropy] back');
    expect(scrubbed('using mmdpumbgcgofdktbdaserdltacgtmeui for auth')).toBe('using [high_entropy] for auth');
  });

  it('keeps identifiers and glued words that are letters only', () => {
    for (const text of ['at XMLHttpRequestEventTargetHandler.dispatch', 'NSURLErrorDomainCannotConnectToHost', 'thequickbrownfoxjumpsoverthelazydog', 'internationalization_configuration']) {
      expect(scrubbed(text)).toBe(text);
    }
  });

  it('keeps git SHAs and package integrity hashes', () => {
    const integrity =
      'packageManager: pnpm@10.4.1+sha512.a8d41bed440e50454f31af3176813e02ea68ef786e4d3cea27d26934b484e73cf575dcad6ba2b0aee0ca923732881584d8c4fa2815d2802827283e0ad8417358';
    for (const text of ['fixed in 3f786850e387550fdab836ed7e6dc881de23001b', integrity]) expect(scrubbed(text)).toBe(text);
  });

  it('keeps template references, which name a secret without holding it', () => {
    for (const text of ['url: ${API_KEY_7F3A9C2E1B4D6F8A0C2E}', 'with {{ API_KEY_7F3A9C2E1B4D6F8A0C2E }} as header']) expect(scrubbed(text)).toBe(text);
    expect(scrubbed('ref API_KEY_7F3A9C2E1B4D6F8A0C2E end')).toBe('ref [high_entropy] end');
  });
});
