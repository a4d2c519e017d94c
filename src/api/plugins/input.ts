// What every route gets for free, after its schema has read the request:
// text without NUL characters or lone UTF-16 surrogates (PostgreSQL refuses
// the first, and the second would be silently replaced), and numbers read
// from a query or a path that are finite and fit the integer columns they
// are compared with. Each problem names its field; nothing is changed.
import type { FastifyRequest } from 'fastify';
import { invalidFields, type FieldProblem } from '../../domain/errors.ts';
import type { AppInstance } from '../server.ts';

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
/** PostgreSQL's integer; every number a path or query carries is compared with one. */
const MAX_INTEGER = 2_147_483_647;

export function textProblem(text: string): string | null {
  if (text.includes('\u0000')) return 'must not contain a NUL character';
  if (LONE_SURROGATE.test(text)) return 'must be valid Unicode (it holds a lone surrogate)';
  return null;
}

function walk(value: unknown, pointer: string, numbers: boolean, problems: FieldProblem[], depth = 0): void {
  if (problems.length >= 20 || depth > 32) return;
  if (typeof value === 'string') {
    const problem = textProblem(value);
    if (problem) problems.push({ field: pointer, message: problem });
  } else if (typeof value === 'number') {
    if (numbers && (!Number.isFinite(value) || Math.abs(value) > MAX_INTEGER))
      problems.push({ field: pointer, message: `must be a finite number within ±${MAX_INTEGER}` });
  } else if (Array.isArray(value)) {
    value.forEach((item, i) => walk(item, `${pointer}/${i}`, numbers, problems, depth + 1));
  } else if (value && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      const keyProblem = textProblem(key);
      if (keyProblem) problems.push({ field: pointer, message: `has a key that ${keyProblem.replace('must', 'does')}` });
      walk(item, `${pointer}/${key}`, numbers, problems, depth + 1);
    }
  }
}

export function checkInput(request: FastifyRequest): void {
  const problems: FieldProblem[] = [];
  walk(request.params, '/params', true, problems);
  walk(request.query, '/querystring', true, problems);
  // A body's numbers are checked by its schema (JSON has no Infinity); its text is checked here.
  if (request.body && typeof request.body === 'object' && typeof (request.body as { pipe?: unknown }).pipe !== 'function')
    walk(request.body, '/body', false, problems);
  const text = problems.find((p) => !p.message.startsWith('must be a finite'));
  invalidFields(problems, text ? 'invalid_text' : 'validation_failed');
}

export function registerInputChecks(app: AppInstance): void {
  app.addHook('preHandler', async (request) => {
    if (request.routeOptions.config?.access) checkInput(request);
  });
}
