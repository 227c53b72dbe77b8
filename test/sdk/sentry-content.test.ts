import * as Sentry from '@sentry/node';
import { afterEach, describe, expect, it } from 'vitest';
import { findTexts } from '../corpus/sdk/check.js';
import { loadCorpus } from '../corpus/sdk/replay.js';
import { TEXTS } from '../corpus/sdk/texts.js';
import { setConsent, useTestRelays } from '../helpers/in-process-relay.js';
import { waitFor } from '../helpers/relay-process.js';
import type { Upstream } from '../helpers/upstream.js';

let upstream: Upstream;
const startRelay = useTestRelays((made) => (upstream = made.upstream));
// Registered after the relays' hook, so it runs before it: the SDK flushes while its relay is up.
afterEach(async () => {
  await Sentry.close(2000);
});

// Key names from the corpus's generated vocabulary (test/corpus/sdk/vocabulary.txt), which
// test/sdk/content-leak.test.ts checks no rule mentions; the local variables below carry names
// from it too (LOCAL_NAMES).
const vocabulary = loadCorpus().keys;
const [extraKey, contextName, contextKey, tagKey, crumbCategory, crumbKey] = vocabulary.filter((key) => /^[a-z]{4,}$/.test(key));
const LOCAL_NAMES = ['zengleinbrairBrurzvur', 'krildrumKeiskbouxki', 'krantdanZailsou', 'glamfloxBromplourleisk'];

const PLANTED = {
  document: TEXTS.de.document[1]!,
  prompt: TEXTS.fr.prompt[0]!.replace('{name}', 'Camille Laurent'),
  question: TEXTS.es.question[1]!,
  chat: TEXTS.it.chat[0]!,
  answer: TEXTS.nl.answer[0]!,
  passage: TEXTS.pt.document[2]!,
  extra: TEXTS.en.document[1]!,
  tag: TEXTS.en.question[0]!,
};

class RetrievalError extends Error {
  override name = 'RetrievalError';
}

/** A RAG handler that fails while holding the retrieved document and the user's prompt in locals. */
function answerQuestion(): never {
  const zengleinbrairBrurzvur = PLANTED.document;
  const krildrumKeiskbouxki = PLANTED.prompt;
  const krantdanZailsou = { glamfloxBromplourleisk: PLANTED.passage, turns: [PLANTED.chat, PLANTED.answer], topK: 5 };
  const retries = 3;
  void [zengleinbrairBrurzvur, krildrumKeiskbouxki, krantdanZailsou, retries];
  throw new RetrievalError(`could not parse "${PLANTED.question}"`);
}

describe('@sentry/node with local variables, content under names no rule knows', () => {
  it('names its locals from the generated vocabulary', () => {
    expect(vocabulary).toEqual(expect.arrayContaining(LOCAL_NAMES));
  });

  it('delivers the exception without any planted text: locals, message, extra, contexts, tags, breadcrumbs', async () => {
    const relay = await startRelay({ RELAY_SENTRY_KEYS: 'contentkey0042=acme' });
    await setConsent(relay, 'acme', true, false);
    Sentry.init({
      dsn: `http://contentkey0042@127.0.0.1:${relay.port}/42`,
      release: 'rag-api@3.1.0',
      environment: 'production',
      includeLocalVariables: true,
      defaultIntegrations: false,
      integrations: [Sentry.localVariablesIntegration(), Sentry.nodeContextIntegration(), Sentry.modulesIntegration(), Sentry.linkedErrorsIntegration()],
    });
    Sentry.setExtra(extraKey!, PLANTED.extra);
    Sentry.setContext(contextName!, { [contextKey!]: PLANTED.answer, chunks: 4 });
    Sentry.setTag(tagKey!, PLANTED.tag);
    Sentry.addBreadcrumb({ category: crumbCategory!, message: `User said: ${PLANTED.chat}`, data: { [crumbKey!]: PLANTED.passage } });
    // The SDK reads local variables through an inspector session that a worker opens after init.
    await new Promise((resolve) => setTimeout(resolve, 1000));

    try {
      answerQuestion();
    } catch (error) {
      Sentry.captureException(error);
    }
    expect(await Sentry.flush(5000)).toBe(true);

    await waitFor(() => upstream.events().length >= 1, 10_000, 'delivery of the Sentry event');
    const [event] = upstream.events();
    expect(event).toMatchObject({ error: { type: 'RetrievalError' }, environment: { release: 'rag-api@3.1.0' } });
    const frames = event!['frames'] as { function: string; vars?: Record<string, unknown> }[];
    const thrower = frames.find((frame) => frame.function.includes('answerQuestion'));
    // The SDK did capture the locals, so the check below is about the relay, not the SDK.
    expect(Object.keys(thrower?.vars ?? {})).toEqual(expect.arrayContaining(['zengleinbrairBrurzvur', 'krildrumKeiskbouxki', 'retries']));
    expect(findTexts(Object.values(PLANTED), upstream.requests.map((request) => request.json))).toEqual([]);
  });
});
