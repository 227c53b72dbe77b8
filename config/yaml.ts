import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';
import type { DocumentOptions, ParseOptions, SchemaOptions, ToJSOptions } from 'yaml';

// The YAML parser, loaded the first time a YAML file is read. An ordinary start reads none (the
// shipped rules come from their verified form, see rules-verified.ts), so the parser is not
// loaded into every relay. `require` keeps the callers synchronous; the package ships CommonJS.
const require = createRequire(import.meta.url);
let yaml: typeof Yaml | undefined;

/** `yaml`'s `parse`, loading the package on first use. */
export function parseYaml(text: string, options?: ParseOptions & DocumentOptions & SchemaOptions & ToJSOptions): unknown {
  yaml ??= require('yaml') as typeof Yaml;
  return yaml.parse(text, options);
}
