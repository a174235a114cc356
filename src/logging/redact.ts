import { isAxiosError, type AxiosError } from 'axios';
import pino from 'pino';

const CENSOR = '[redacted]';

/** Keys whose values are secrets whatever they hold (any case, any nesting). */
const SECRET_KEY = /authorization|password|passwd|secret|token|api[-_]?key|cookie|signature|credential/i;

const REPLACEMENTS: [RegExp, string][] = [
  // scheme://user:password@host → scheme://user:[redacted]@host (a password may itself hold @ or /).
  [/([a-z][a-z0-9+.-]*:\/\/[^\s:/@]*):\S*@/gi, `$1:${CENSOR}@`],
  // libpq key=value connection strings and URL query parameters.
  [/\b(password|passwd|pwd|sslpassword)=[^\s&;]+/gi, `$1=${CENSOR}`],
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+/gi, `$1 ${CENSOR}`],
  // Stripe secret and restricted keys, webhook signing secrets.
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g, CENSOR],
  [/\bwhsec_[A-Za-z0-9_]+/g, CENSOR],
];

/** A string with every credential we can recognise in it replaced (URL passwords, bearer tokens, Stripe keys). */
export function redactText(text: string): string {
  return REPLACEMENTS.reduce((out, [pattern, replacement]) => out.replace(pattern, replacement), text);
}

/** What is worth knowing about a failed HTTP call, without its request, headers or config. */
function axiosSummary(err: AxiosError): Record<string, unknown> {
  const config = err.config;
  const url = config ? `${config.baseURL ?? ''}${config.url ?? ''}` : undefined;
  return {
    type: 'AxiosError',
    message: redactText(err.message),
    code: err.code,
    status: err.response?.status,
    method: config?.method?.toUpperCase(),
    url: url ? redactText(url) : undefined,
  };
}

const isPlain = (v: object) => {
  const proto = Object.getPrototypeOf(v) as object | null;
  return proto === null || proto === Object.prototype || Array.isArray(v) || v instanceof Error;
};

function sanitize(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return typeof value === 'function' ? undefined : value;
  if (isAxiosError(value)) return axiosSummary(value);
  if (depth >= 6) return '[…]';
  if (Array.isArray(value)) return value.slice(0, 20).map((v) => sanitize(v, depth + 1));
  // Sockets, agents, requests and other live objects are not data: name them only.
  if (!isPlain(value)) return `[${value.constructor?.name ?? 'object'}]`;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = SECRET_KEY.test(key) ? CENSOR : sanitize(v, depth + 1);
  return out;
}

/**
 * The logger's `err` serializer: pino's standard one (message and stack with causes, own
 * properties), then every string scrubbed of credentials, every secret-named key censored (any
 * case, any depth), HTTP-client errors reduced to method, URL and status (axios keeps the
 * request headers, Authorization included, in err.config and err.request), and a malformed
 * URL's `input` (Node puts the whole URL there) dropped.
 */
export function serializeError(err: unknown): unknown {
  if (isAxiosError(err)) return axiosSummary(err);
  if (err === null || typeof err !== 'object') return typeof err === 'string' ? redactText(err) : err;
  const base = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  const out = sanitize({ ...base }, 0) as Record<string, unknown>;
  if (out.code === 'ERR_INVALID_URL' && 'input' in out) out.input = CENSOR;
  return out;
}
