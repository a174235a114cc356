import { OpenApiGeneratorV31 } from '@asteasolutions/zod-to-openapi';
import type { ApiRegistry } from './api-registry.js';

export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The OpenAPI 3.1 document of everything registered; `webhooks` is there even before any event is. */
export function buildOpenApiDocument(api: ApiRegistry): OpenApiDocument {
  const document = new OpenApiGeneratorV31(api.definitions).generateDocument({
    openapi: '3.1.0',
    info: {
      title: 'topup-sync',
      // The contract's version: bump it when a route or a response changes shape.
      version: '1.0.0',
      license: { name: 'MIT', identifier: 'MIT' },
      description:
        'Sell prepaid API credits: Stripe payments become Moesif balance-ledger credits, exactly once. ' +
        'Every error is `{ "error": { "code", "message", "request_id", … } }`; see the ErrorCode schema for every code and its status.',
    },
    // Relative: wherever this document was fetched from.
    servers: [{ url: '/' }],
  });
  // Outgoing events (to the operator's own app) are added with api.registerWebhook().
  return { ...document, webhooks: document.webhooks ?? {} };
}
