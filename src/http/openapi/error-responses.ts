import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';
import { API_ERROR_CODES, statusOf, type ApiErrorCode } from '../api-error.js';

/** Every code with its status: the ErrorCode schema's description, the table integrators need. */
export const ERROR_CODE_TABLE = `Every error code this API answers with, and its HTTP status:\n${API_ERROR_CODES.map((code) => `- \`${code}\`: ${statusOf(code)}`).join('\n')}`;

/** Which of the API's errors a route answers with; the body is the one error shape of error-handler.ts. */
function errorBody(codes: readonly ApiErrorCode[]) {
  return z.strictObject({
    error: z
      .strictObject({
        code: z.enum(codes as [ApiErrorCode, ...ApiErrorCode[]]),
        message: z.string().meta({ description: 'A sentence for a human; ours, never an upstream\'s.' }),
        request_id: z.string().meta({ description: 'Also in the X-Request-Id response header; quote it to the operator.' }),
        fields: z
          .array(z.object({ field: z.string(), problem: z.string() }))
          .optional()
          .meta({ description: 'validation_failed: each bad field and what was expected.' }),
        retry_after_seconds: z.number().int().optional().meta({ description: 'rate_limited: when to retry (also the Retry-After header).' }),
        decline_code: z.string().nullable().optional().meta({ description: 'card_declined: Stripe\'s decline code.' }),
        payment_intent_id: z.string().optional().meta({ description: 'card_declined, authentication_required: the PaymentIntent.' }),
        client_secret: z.string().nullable().optional().meta({ description: 'authentication_required: confirm the payment in the browser with it.' }),
        stripe_code: z.string().nullable().optional().meta({ description: 'payment_rejected: Stripe\'s error code.' }),
        param: z.string().optional().meta({ description: 'payment_rejected: the parameter Stripe refused; subscription_not_owned: subscription_id.' }),
      })
      .meta({ description: 'Extra fields for some codes are listed here; no others are sent.' }),
  });
}

/**
 * The error responses of a route, one per status, each listing the codes it can carry.
 * `internal_error` is always included: anything unexpected becomes it.
 */
export function errorResponses(...codes: ApiErrorCode[]): Record<number, ResponseConfig> {
  const byStatus = new Map<number, ApiErrorCode[]>();
  for (const code of new Set<ApiErrorCode>([...codes, 'internal_error'])) {
    const status = statusOf(code);
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const responses: Record<number, ResponseConfig> = {};
  for (const [status, list] of byStatus) {
    responses[status] = {
      description: list.map((c) => `\`${c}\``).join(', '),
      content: { 'application/json': { schema: errorBody(list) } },
    };
  }
  return responses;
}

/** A JSON response. */
export function json(description: string, schema: z.ZodType): ResponseConfig {
  return { description, content: { 'application/json': { schema } } };
}
