import { Router } from 'express';
import { z } from 'zod';
import type { ApiRegistry } from '../openapi/api-registry.js';
import type { OpenApiDocument } from '../openapi/build-openapi-document.js';
import { json } from '../openapi/error-responses.js';

/** GET /openapi.json: the contract of this app as mounted (built once, when the app is). */
export function openApiRoutes(document: OpenApiDocument): Router {
  const router = Router();
  const body = JSON.stringify(document);
  router.get('/openapi.json', (_req, res) => {
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
