import { describe, expect, it } from 'vitest';
import { runCli } from '../helpers/relay-process.js';

describe('scrub-relay scrub --text', () => {
  it('writes each plain-text line as the detectors leave it, one line per input line', async () => {
    const input = ['mail jane.doe@example.com about it', '', 'plain words only', 'card 4111 1111 1111 1111 declined'].join('\n');
    const result = await runCli(['scrub', '--text'], { input: `${input}\n` });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expect(result.stdout.split('\n').slice(0, 4)).toEqual(['mail [email] about it', '', 'plain words only', 'card [credit_card] declined']);
  });

  it('applies no content or key-name policy: a line that looks like an event is text', async () => {
    const input = '{"prompt":"hello there","display_name":"none","body":"ok"}';
    const result = await runCli(['scrub', '--text'], { input: `${input}\n` });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe(`${input}\n`);
  });

  it('explains per line which rules fired and how often, never the value', async () => {
    const input = ['a@example.com and b@example.com', 'nothing here'].join('\n');
    const result = await runCli(['scrub', '--text', '--explain'], { input: `${input}\n` });
    expect(result.code).toBe(0);
    const lines = result.stdout.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
    expect(lines).toEqual([
      { line: 1, findings: [{ rule: 'email', count: 2 }] },
      { line: 2, findings: [] },
    ]);
    expect(result.stdout).not.toContain('example.com');
  });
});
