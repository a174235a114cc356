import type { z } from 'zod';
import { ApiError, type FieldProblem } from './api-error.js';

/** Parses a request body with a zod schema; a failure is a 400 naming every bad field. */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('validation_failed', 'The request body must be a JSON object.', {
      fields: [{ field: '(body)', problem: 'expected a JSON object' }],
    });
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  // An unknown key is one zod issue listing every such key; name each of them.
  const fields: FieldProblem[] = result.error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), problem: issue.message }))
      : [{ field: issue.path.length > 0 ? issue.path.join('.') : '(body)', problem: issue.message }],
  );
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  throw new ApiError('validation_failed', `Invalid request: ${summary}`, { fields });
}
