// Bad requests generated from the OpenAPI document: every operation, each of
// its path parameters, query parameters and body fields in turn replaced by
// a value of a bad class, plus whole-body and header mischief. What comes
// back must never be a 5xx, must have the one error shape, must stay small,
// and must change nothing. Used by test/api/fuzz.test.ts (a few thousand
// requests) and scripts/fuzz.ts (`npm run fuzz -- --requests N`).
import type { InjectOptions } from 'fastify';
import type { AppInstance } from '../../src/api/server.ts';

type Schema = { type?: string | string[]; properties?: Record<string, Schema>; items?: Schema; anyOf?: Schema[]; enum?: unknown[] };
interface Operation {
  method: string;
  path: string;
  params: string[];
  paramSchemas: Record<string, Schema>;
  query: Record<string, Schema>;
  body?: Schema;
  bodyIsFile: boolean;
}

type Slot = 'path' | 'query' | 'body';
interface Bad {
  label: string;
  /** In a JSON body. */
  value?: unknown;
  /** In a path or a query string (already encoded). */
  text?: string;
}

const typeOf = (schema?: Schema): string | undefined => {
  const t = schema?.type ?? schema?.anyOf?.find((a) => a.type !== 'null')?.type;
  return Array.isArray(t) ? t.find((x) => x !== 'null') : t;
};
const nullable = (schema?: Schema) => !!schema?.anyOf?.some((a) => a.type === 'null') || (Array.isArray(schema?.type) && schema.type.includes('null'));

/**
 * Values of the classes that broke the service once, and more — each one bad
 * for the slot it goes in (a value the schema accepts would make a valid
 * request, and a valid request may rightly change something).
 */
export function badValues(schema: (Schema & { maxLength?: number; minimum?: number; pattern?: string }) | undefined, slot: Slot): Bad[] {
  const type = typeOf(schema);
  const bad: Bad[] = [];
  if (type === 'integer' || type === 'number') {
    bad.push({ label: 'huge number', value: 1e300, text: '1e300' }, { label: 'Infinity', value: 'Infinity', text: 'Infinity' });
    bad.push({ label: 'beyond int8', value: '99999999999999999999999', text: '99999999999999999999999' }, { label: 'not a number', value: 'abc', text: 'abc' });
    if ((schema?.minimum ?? -Infinity) > -1) bad.push({ label: 'negative', value: -1, text: '-1' });
    bad.push({ label: 'NUL', value: 'a\u0000b', text: '%00' });
  } else if (type === 'boolean') {
    bad.push({ label: 'not a boolean', value: 'true', text: 'maybe' }, { label: 'a number', value: 1, text: '2' });
  } else {
    bad.push({ label: 'NUL', value: 'a\u0000b', text: 'a%00b' }, { label: 'lone surrogate', value: '\ud800x', text: 'a%ED%A0%80' });
    if (schema?.maxLength) bad.push({ label: 'too long', value: 'x'.repeat(schema.maxLength + 1), text: 'x'.repeat(schema.maxLength + 1) });
    if (schema?.enum?.length) bad.push({ label: 'not in the enum', value: 'zzz-none', text: 'zzz-none' });
    if (slot === 'body') bad.push({ label: 'a number', value: 12345 }, { label: 'a boolean', value: true });
    if (slot !== 'body') bad.push({ label: 'bad escape', text: '%zz' }, { label: 'full-width digits', text: '%EF%BC%94%EF%BC%95' });
  }
  if (slot === 'body') {
    bad.push({ label: 'an object', value: { a: { b: [1, 2, 3] } } }, { label: 'an array', value: [1, 'two', null] });
    if (!nullable(schema)) bad.push({ label: 'null', value: null });
  }
  if (slot === 'query') bad.push({ label: 'repeated', text: 'a&x=b' });
  return bad;
}

export function operations(openapi: {
  paths: Record<
    string,
    Record<string, { parameters?: { in: string; name: string; schema: Schema }[]; requestBody?: { content?: Record<string, { schema: Schema }> } }>
  >;
}): Operation[] {
  const out: Operation[] = [];
  for (const [path, methods] of Object.entries(openapi.paths)) {
    // Signing out has nothing to fuzz, and would end the fuzzer's own session.
    if (!path.startsWith('/api/v1/') || path.startsWith('/api/v1/_test') || path === '/api/v1/sessions/current') continue;
    for (const [method, op] of Object.entries(methods)) {
      const pathParams = (op.parameters ?? []).filter((p) => p.in === 'path');
      const params = pathParams.map((p) => p.name);
      const paramSchemas = Object.fromEntries(pathParams.map((p) => [p.name, p.schema]));
      const query = Object.fromEntries((op.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p.schema]));
      const content = op.requestBody?.content ?? {};
      out.push({
        method: method.toUpperCase(),
        path,
        params,
        paramSchemas,
        query,
        body: content['application/json']?.schema,
        bodyIsFile: !content['application/json'] && Object.keys(content).length > 0,
      });
    }
  }
  return out;
}

/** A plausible value for a parameter, so that one bad value at a time is what is tested. */
function plausible(name: string, schema?: Schema): string {
  if (schema?.enum?.length) return String(schema.enum[0]);
  if (/period/.test(name)) return '2026';
  if (/code|within/i.test(name)) return '450100';
  if (/number/i.test(name)) return 'X1';
  if (schema?.type === 'integer' || /id$/i.test(name)) return '1';
  if (schema?.type === 'boolean') return 'true';
  return 'x';
}

function bodyFor(schema: Schema | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(schema?.properties ?? {})) {
    const type = Array.isArray(field.type) ? field.type[0] : (field.type ?? field.anyOf?.[0]?.type);
    out[name] =
      field.enum?.[0] ?? (type === 'integer' || type === 'number' ? 1 : type === 'boolean' ? true : type === 'object' ? {} : type === 'array' ? [] : 'x');
  }
  return out;
}

/** The requests for one operation: each slot in turn given each bad value; then whole-request mischief. */
export function* badRequests(op: Operation): Generator<InjectOptions & { label: string }> {
  const url = (params: Record<string, string>, query: Record<string, string>) => {
    const path = op.path.replace(/\{(\w+)\}/g, (_, name: string) => params[name] ?? plausible(name));
    const qs = Object.entries(query)
      .map(([k, v]) => `${k}=${v}`)
      .join('&');
    return qs ? `${path}?${qs}` : path;
  };
  const baseParams = Object.fromEntries(op.params.map((p) => [p, encodeURIComponent(plausible(p, op.paramSchemas[p]))]));
  const baseQuery = Object.fromEntries(Object.entries(op.query).map(([k, s]) => [k, encodeURIComponent(plausible(k, s))]));
  const baseBody = bodyFor(op.body);
  const label = `${op.method} ${op.path}`;
  const m = op.method as InjectOptions['method'];
  const payload = op.body ? baseBody : undefined;
  for (const p of op.params) {
    for (const bad of badValues(op.paramSchemas[p], 'path'))
      yield { label: `${label} path ${p}=${bad.label}`, method: m, url: url({ ...baseParams, [p]: bad.text! }, baseQuery), payload };
  }
  for (const [q, schema] of Object.entries(op.query)) {
    for (const bad of badValues(schema, 'query'))
      yield { label: `${label} query ${q}=${bad.label}`, method: m, url: url(baseParams, { ...baseQuery, [q]: bad.text! }), payload };
  }
  for (const [field, schema] of Object.entries(op.body?.properties ?? {})) {
    for (const bad of badValues(schema, 'body')) {
      yield {
        label: `${label} body ${field}=${bad.label}`,
        method: m,
        url: url(baseParams, baseQuery),
        payload: { ...baseBody, [field]: bad.value } as InjectOptions['payload'],
      };
    }
  }
  const target = url(baseParams, baseQuery);
  // Only where a query is validated: elsewhere an unknown one is ignored, and the request would be a valid one.
  if (Object.keys(op.query).length)
    yield { label: `${label} unknown query field`, method: m, url: `${target}${target.includes('?') ? '&' : '?'}zzz=1`, payload };
  if (op.body) {
    yield { label: `${label} broken JSON`, method: m, url: target, payload: '{"a":', headers: { 'content-type': 'application/json' } };
    yield { label: `${label} JSON array`, method: m, url: target, payload: '[1,2,3]', headers: { 'content-type': 'application/json' } };
    yield {
      label: `${label} deep JSON`,
      method: m,
      url: target,
      payload: '['.repeat(5000) + ']'.repeat(5000),
      headers: { 'content-type': 'application/json' },
    };
    yield { label: `${label} text/xml`, method: m, url: target, payload: '<a/>', headers: { 'content-type': 'text/xml' } };
    yield {
      label: `${label} unknown fields`,
      method: m,
      url: target,
      payload: { ...baseBody, ...Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`zz${i}`, i])) },
    };
  }
  if (op.bodyIsFile)
    yield {
      label: `${label} junk file`,
      method: m,
      url: target,
      payload: Buffer.from('PK\x03\x04 junk junk'),
      headers: { 'content-type': 'application/octet-stream' },
    };
  if (op.method === 'GET') yield { label: `${label} long request id`, method: m, url: target, headers: { 'x-request-id': 'r'.repeat(5000) } };
}

/** How many distinct bad requests the last run could draw from. */
export let outcomeTotal = 0;

export interface FuzzOutcome {
  requests: number;
  serverErrors: string[];
  outsideShape: string[];
  tooLarge: string[];
  /** Changes that were accepted (2xx to anything but GET): a bad value that was not bad after all. */
  accepted: string[];
  /** Over HTTP: requests whose connection closed without an answer. */
  dropped: string[];
}

/** One request over real HTTP (the script), so that the connection itself is exercised too. */
async function overHttp(base: string, request: InjectOptions): Promise<{ statusCode: number; body: string; json: () => unknown }> {
  const headers = { ...(request.headers as Record<string, string>) };
  let body: string | Buffer | undefined;
  if (Buffer.isBuffer(request.payload) || typeof request.payload === 'string') body = request.payload as string | Buffer;
  else if (request.payload !== undefined) {
    body = JSON.stringify(request.payload);
    headers['content-type'] ??= 'application/json';
  }
  if (!headers.authorization) delete headers.authorization;
  const res = await fetch(`${base}${request.url as string}`, { method: request.method, headers, body: body as string | Uint8Array | undefined });
  const text = await res.text();
  return { statusCode: res.status, body: text, json: () => JSON.parse(text) };
}

/** Sends every bad request of every operation (at most `limit`, spread over all operations), as the given bearer. */
export async function fuzz(app: AppInstance, options: { token?: string; limit: number; seed?: number; http?: string }): Promise<FuzzOutcome> {
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  const ops = operations(doc);
  // Every operation gets its share: the requests of all operations are dealt
  // round-robin (each operation's own list shuffled by the seed), then repeated
  // until `limit` is reached.
  let state = options.seed ?? 2026;
  const random = () => (state = (state * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
  const lists = ops.map((op) => {
    const list = [...badRequests(op)];
    for (let i = list.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1));
      [list[i], list[j]] = [list[j]!, list[i]!];
    }
    return list;
  });
  const dealt: ReturnType<typeof badRequests> extends Generator<infer T> ? T[] : never = [];
  for (let i = 0; lists.some((l) => i < l.length); i++) for (const list of lists) if (i < list.length) dealt.push(list[i]!);
  const chosen = Array.from({ length: options.limit }, (_, i) => dealt[i % dealt.length]!);
  outcomeTotal = dealt.length;
  const outcome: FuzzOutcome = { requests: 0, serverErrors: [], outsideShape: [], tooLarge: [], accepted: [], dropped: [] };
  for (const request of chosen) {
    const { label, ...inject } = request;
    const headers = {
      ...(inject.headers as Record<string, string>),
      ...(options.token ? { authorization: `Bearer ${options.token}` } : { authorization: '' }),
    };
    let res: { statusCode: number; body: string; json: () => unknown };
    outcome.requests++;
    try {
      res = options.http ? await overHttp(options.http, { ...inject, headers }) : await app.inject({ ...inject, headers });
    } catch (error) {
      outcome.dropped.push(`${label}: ${String(error).slice(0, 200)}`);
      continue;
    }
    if (inject.method !== 'GET' && res.statusCode < 300) outcome.accepted.push(`${label}: ${res.statusCode}`);
    if (res.statusCode >= 500) outcome.serverErrors.push(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
    if (res.statusCode >= 400) {
      let shaped: boolean;
      try {
        const body = res.json() as { error?: { id?: unknown; message?: unknown } };
        shaped = typeof body?.error?.id === 'string' && typeof body.error.message === 'string';
      } catch {
        shaped = false;
      }
      if (!shaped) outcome.outsideShape.push(`${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
      if (res.body.length > 16 * 1024) outcome.tooLarge.push(`${label}: ${res.body.length} bytes`);
    }
  }
  return outcome;
}
