import type { z } from 'zod';
import { CONTROL_CHARACTERS } from '../stripe/stripe-ids.js';
import { ApiError, type FieldProblem } from './api-error.js';

const CONTROL_PROBLEM = 'must not contain control characters';

/**
 * Every string anywhere in the input that holds a control character (NUL, newline, escape…).
 * No field of this API takes one, and some break a store (PostgreSQL refuses NUL in text).
 */
export function controlCharacterFields(value: unknown, path: string[] = []): FieldProblem[] {
  if (typeof value === 'string') return CONTROL_CHARACTERS.test(value) ? [{ field: path.join('.') || '(body)', problem: CONTROL_PROBLEM }] : [];
  if (Array.isArray(value)) return value.flatMap((v, i) => controlCharacterFields(v, [...path, String(i)]));
  if (value !== null && typeof value === 'object') {
    return Object.entries(value).flatMap(([k, v]) =>
      CONTROL_CHARACTERS.test(k) ? [{ field: [...path, '(key)'].join('.'), problem: CONTROL_PROBLEM }] : controlCharacterFields(v, [...path, k]),
    );
  }
  return [];
}

function reject(fields: FieldProblem[]): never {
  const summary = fields.map((f) => `${f.field}: ${f.problem}`).join('; ');
  throw new ApiError('validation_failed', `Invalid request: ${summary}`, { fields });
}

/**
 * Parses a request body (or query) with a zod schema; a failure is a 400 naming every bad field.
 * Control characters are refused in every string first, whatever the schema says.
 */
export function validateBody<S extends z.ZodType>(schema: S, body: unknown): z.output<S> {
  if (body === undefined || body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new ApiError('validation_failed', 'The request body must be a JSON object.', {
      fields: [{ field: '(body)', problem: 'expected a JSON object' }],
    });
  }
  const control = controlCharacterFields(body);
  if (control.length > 0) reject(control);
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  // An unknown key is one zod issue listing every such key; name each of them.
  reject(
    result.error.issues.flatMap((issue) =>
      issue.code === 'unrecognized_keys'
        ? issue.keys.map((key) => ({ field: [...issue.path, key].join('.'), problem: issue.message }))
        : [{ field: issue.path.length > 0 ? issue.path.join('.') : '(body)', problem: issue.message }],
    ),
  );
}
