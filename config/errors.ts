/**
 * Bad configuration: an environment variable, a rules file or a command-line option that cannot
 * be used. The message says what was expected and what was received; it never carries a secret.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly code = 'ERR_CONFIG';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
