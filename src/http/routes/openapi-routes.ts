import { Router } from 'express';
import { z } from 'zod';
import type { ApiRegistry } from '../openapi/api-registry.js';
import type { AppContract } from '../openapi/app-contract.js';
import { json } from '../openapi/error-responses.js';

/**
 * GET /openapi.json: the contract of this app as mounted. Built on the first request, not with
 * the app: the CLIs and most tests build the app and never ask for it (see openapi/app-contract.ts).
 */
export function openApiRoutes(contract: AppContract): Router {
  const router = Router();
  let body: string | undefined;
  router.get('/openapi.json', (_req, res) => {
    body ??= contract.documentText();
    res.type('application/json').send(body);
  });
  return router;
}

/** The OpenAPI path of openApiRoutes (see openapi/api-registry.ts). */
export function describeOpenApiRoutes(api: ApiRegistry): void {
  api.registerPath({
    method: 'get',
    path: '/openapi.json',
    operationId: 'getOpenApiDocument',
    tags: ['Operations'],
    security: [],
    summary: 'This document (OpenAPI 3.1)',
    responses: { 200: json('The OpenAPI document', z.object({ openapi: z.string() }).catchall(z.unknown())) },
  });
}
