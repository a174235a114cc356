import { createApiRegistry, type ApiRegistry } from './api-registry.js';
import { buildOpenApiDocument, type OpenApiDocument } from './build-openapi-document.js';

type Describe<A extends unknown[]> = (api: ApiRegistry, ...inputs: A) => void;

/**
 * The OpenAPI description of what one app mounts, as the list of `describe…Routes` calls to make
 * (create-app.ts adds each beside its router). The calls run only when the document is first
 * asked for: registering every zod schema and generating the document cost about 0.2 s of CPU,
 * which the service would otherwise pay at every start, each CLI run and each test's app.
 *
 * Apps described by the same calls with the same inputs have the same document, so it is built
 * once per process for each such list (tests start hundreds of apps with a few configurations).
 * The inputs must be plain data (config values), never secrets' holders or functions: they are
 * what tells two lists apart.
 */
export class AppContract {
  private readonly parts: { name: string; inputs: unknown[]; run: (api: ApiRegistry) => void }[] = [];

  add<A extends unknown[]>(describe: Describe<A>, ...inputs: A): void {
    this.parts.push({ name: describe.name, inputs, run: (api) => describe(api, ...inputs) });
  }

  /** The document as JSON text. */
  documentText(): string {
    const key = JSON.stringify(
      this.parts.map((p) => [p.name, p.inputs]),
      (_k, v: unknown) => {
        // JSON would write these as {} or leave them out, and two different apps would share a key.
        if (v instanceof Map || v instanceof Set || typeof v === 'function') throw new Error('AppContract inputs must be plain data');
        return typeof v === 'bigint' ? `${v}n` : v;
      },
    );
    let text = built.get(key);
    if (text === undefined) {
      text = JSON.stringify(this.document());
      if (built.size >= MAX_DOCUMENTS) built.delete(built.keys().next().value!);
      built.set(key, text);
    }
    return text;
  }

  /** Registers every part in a fresh registry and generates the document. */
  document(): OpenApiDocument {
    const api = createApiRegistry();
    for (const p of this.parts) p.run(api);
    return buildOpenApiDocument(api);
  }
}

/** A process builds apps from a handful of configurations (one in production); the bound is a guard. */
const MAX_DOCUMENTS = 32;
const built = new Map<string, string>();
