// Types of texts.js, for the SDK tests that plant its texts.

/** Language → kind (prompt, chat, answer, document, question) → texts; `{name}` etc. are placeholders. */
export const TEXTS: Record<'en' | 'fr' | 'de' | 'es' | 'it' | 'nl' | 'pt', Record<'prompt' | 'chat' | 'answer' | 'document' | 'question', string[]>>;
/** Language → document titles people put in file names. */
export const FILE_TITLES: Record<string, string[]>;
