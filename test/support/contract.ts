import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Express } from 'express';
import supertest from 'supertest';
import { expect } from 'vitest';

/** An OpenAPI document as served (plain JSON). */
export type Contract = {
  paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>>;
  components?: unknown;
  [key: string]: unknown;
};

const DOCUMENT_ID = 'https://topup-sync.invalid/openapi.json';
// ajv-formats is CommonJS: its default export arrives as the module object under NodeNext.
const addFormats = ((addFormatsModule as unknown as { default?: typeof addFormatsModule }).default ?? addFormatsModule) as unknown as (ajv: Ajv2020) => void;

interface Checker {
  document: Contract;
  /** Validators by JSON pointer into the document. */
  compiled: Map<string, ValidateFunction>;
  ajv: Ajv2020;
}

const checkers = new WeakMap<Express, Promise<Checker>>();
/** Most harnesses serve the same document: compile its validators once per test process. */
const byDocument = new Map<string, Checker>();

async function load(app: Express): Promise<Checker> {
  // The text only: most apps serve a document already compiled, which need not be parsed again.
  const res = await supertest(app)
    .get('/openapi.json')
    .buffer(true)
    .parse((response, done) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (text += chunk));
      response.on('end', () => done(null, text));
    })
    .expect(200);
  const text = res.body as string;
  const known = byDocument.get(text);
  if (known) return known;
  const document = JSON.parse(text) as Contract;
  // OpenAPI 3.1 schemas are JSON Schema 2020-12; the document is added whole so $refs to
  // #/components/schemas/… resolve. strict: false because OpenAPI adds its own keywords (example…).
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  addFormats(ajv);
  ajv.addSchema({ ...document, $id: DOCUMENT_ID });
  const checker = { document, compiled: new Map(), ajv };
  byDocument.set(text, checker);
  return checker;
}

/** The document /openapi.json serves for this app (fetched once per app). */
export async function contractOf(app: Express): Promise<Contract> {
  return (await checkerOf(app)).document;
}

function checkerOf(app: Express): Promise<Checker> {
  let checker = checkers.get(app);
  if (!checker) checkers.set(app, (checker = load(app)));
  return checker;
}

const pointer = (...parts: string[]) => parts.map((p) => `/${p.replaceAll('~', '~0').replaceAll('/', '~1')}`).join('');

/** The documented path template a concrete path falls under; literal templates win over `{param}` ones. */
export function documentedPath(document: Contract, method: string, path: string): string | undefined {
  const candidates = Object.keys(document.paths)
    .filter((template) => document.paths[template]![method] !== undefined)
    .filter((template) => new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+').replaceAll('.', '\\.')}$`).test(path))
    .sort((a, b) => (a.match(/\{/g)?.length ?? 0) - (b.match(/\{/g)?.length ?? 0));
  return candidates[0];
}

/** What a supertest response carries about its request. */
export interface ReceivedResponse {
  status: number;
  body: unknown;
  text?: string;
  headers: Record<string, string>;
  req: { method: string; path: string };
}

/** Why `res` does not match the app's OpenAPI document, or null when it does. */
export async function contractProblem(app: Express, res: ReceivedResponse): Promise<string | null> {
  const checker = await checkerOf(app);
  const method = res.req.method.toLowerCase();
  const path = res.req.path.split('?')[0]!;
  const template = documentedPath(checker.document, method, path);
  if (!template) return `${method.toUpperCase()} ${path} is not in the OpenAPI document`;
  const responses = checker.document.paths[template]![method]!.responses;
  const status = responses[String(res.status)] ? String(res.status) : responses.default ? 'default' : undefined;
  if (!status) return `${method.toUpperCase()} ${template}: status ${res.status} is not documented (body ${JSON.stringify(res.body)})`;
  const content = responses[status]!.content;
  if (!content) return null;
  const mediaType = (res.headers['content-type'] ?? '').split(';')[0]!.trim();
  if (!content[mediaType]) return `${method.toUpperCase()} ${template} ${res.status}: content type ${mediaType} is not documented`;
  if (mediaType !== 'application/json') return null;
  const at = pointer('paths', template, method, 'responses', status, 'content', mediaType, 'schema');
  let validate = checker.compiled.get(at);
  if (!validate) checker.compiled.set(at, (validate = checker.ajv.compile({ $ref: `${DOCUMENT_ID}#${at}` })));
  if (validate(res.body)) return null;
  return `${method.toUpperCase()} ${template} ${res.status} does not match the document: ${checker.ajv.errorsText(validate.errors)} (body ${JSON.stringify(res.body)})`;
}

/**
 * Fails unless the response (status, content type and body) is what the app's /openapi.json
 * documents for its route: call it on the responses route tests receive, so the document cannot
 * drift from the code.
 */
export async function expectContract(app: Express, res: ReceivedResponse): Promise<void> {
  expect(await contractProblem(app, res)).toBeNull();
}

/**
 * Problems of every response in `received` (see Harness.received). CORS preflights (OPTIONS) are
 * not API operations, and a 404 for a path the app does not document is the unknown-route answer.
 */
export async function receivedProblems(app: Express, received: readonly ReceivedResponse[]): Promise<string[]> {
  if (received.length === 0) return [];
  const document = await contractOf(app);
  const problems: string[] = [];
  for (const res of received) {
    const method = res.req.method.toLowerCase();
    if (method === 'options' || method === 'head') continue;
    const unknownRoute = !documentedPath(document, method, res.req.path.split('?')[0]!);
    if (unknownRoute && res.status === 404) continue;
    const problem = await contractProblem(app, res);
    if (problem) problems.push(problem);
  }
  return problems;
}
