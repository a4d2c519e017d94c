// Bad input never breaks the service: every refusal has the one error shape,
// stays small, names its field, and changes nothing.
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { beforeAll, describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';
import { buildAgency, buildBusinessLine, buildCenter, buildMatter, buildStaff, creditCode } from '../support/factories.ts';
import { buildWorld } from '../support/world.ts';

const { app, raw, services, database } = useTestApp();
let world: Awaited<ReturnType<typeof buildWorld>>;

async function call(options: InjectOptions) {
  const res = await app().inject(options);
  let body: { error?: { id: string; message: string; fields?: { field: string; message: string }[] } };
  try {
    body = res.json();
  } catch {
    body = {};
  }
  return { status: res.statusCode, body, size: res.body.length, headers: res.headers };
}

beforeAll(async () => {
  world = await buildWorld(services(), 'E');
});

describe('one error shape, whatever went wrong', () => {
  it.each([
    ['bad percent-encoding in the path', { method: 'GET', url: '/api/v1/staff/%zz' }, 400, 'bad_url'],
    ['a NUL in a query', { method: 'GET', url: '/api/v1/agencies?q=%00' }, 400, 'invalid_text'],
    ['a NUL in the body', { method: 'POST', url: '/api/v1/centers', payload: { code: 'E-N', name: 'a\u0000b', regionCode: '450102' } }, 400, 'invalid_text'],
    [
      'a lone surrogate in the body',
      {
        method: 'POST',
        url: '/api/v1/centers',
        payload: '{"code":"E-S","name":"\\ud800x","regionCode":"450102"}',
        headers: { 'content-type': 'application/json' },
      },
      400,
      'invalid_text',
    ],
    ['page 1e300', { method: 'GET', url: '/api/v1/agencies?page=1e300' }, 400, 'validation_failed'],
    ['pageSize Infinity', { method: 'GET', url: '/api/v1/agencies?pageSize=Infinity' }, 400, 'validation_failed'],
    ['level Infinity', { method: 'GET', url: '/api/v1/rankings/regions?period=2026&level=Infinity' }, 400, 'validation_failed'],
    ['minCount Infinity', { method: 'GET', url: '/api/v1/rankings/agencies?period=2026&minCount=Infinity' }, 400, 'validation_failed'],
    ['an id beyond any integer column', { method: 'POST', url: '/api/v1/clients/99999999999999999999999/revoke' }, 400, 'validation_failed'],
    ['the year 9999', { method: 'GET', url: '/api/v1/rankings/regions?period=9999' }, 400, 'validation_failed'],
    ['a year before 2000', { method: 'GET', url: '/api/v1/scores/regions/450000?from=1999-01-01&to=1999-02-01' }, 400, 'validation_failed'],
    ['as of the year 0', { method: 'GET', url: '/api/v1/rankings/regions?period=2026&asOf=0000-01-01T00:00:00Z' }, 400, 'validation_failed'],
    [
      'a number where text belongs (no coercion of bodies)',
      { method: 'POST', url: '/api/v1/centers', payload: { code: 'E-C', name: 12345, regionCode: '450102' } },
      400,
      'validation_failed',
    ],
    ['an unknown route', { method: 'GET', url: '/api/v1/nothing-here' }, 404, 'route_not_found'],
    [
      'an unsupported media type',
      { method: 'POST', url: '/api/v1/centers', payload: '<x/>', headers: { 'content-type': 'text/xml' } },
      415,
      'unsupported_media_type',
    ],
    ['broken JSON', { method: 'POST', url: '/api/v1/centers', payload: '{"code":', headers: { 'content-type': 'application/json' } }, 400, 'invalid_json'],
  ] as [string, InjectOptions, number, string][])('%s → %i %s', async (_, request, status, id) => {
    const res = await call(request);
    expect([res.status, res.body.error?.id]).toEqual([status, id]);
    expect(typeof res.body.error?.message).toBe('string');
  });

  it('names the field, and the message lists the allowed values of an enum', async () => {
    const res = await call({ method: 'GET', url: '/api/v1/rankings/agencies?period=2026&order=best' });
    expect(res.body.error!.fields).toEqual([
      { field: '/querystring/order', message: 'must be one of mean, lower_bound, active_mean, active_lower_bound, negative_share' },
    ]);
  });

  it('stays small: 50,000 unknown fields give at most 20 of them, in a few KB', async () => {
    const payload = Object.fromEntries(Array.from({ length: 50_000 }, (_, i) => [`field${i}`, 'x']));
    const res = await call({ method: 'POST', url: '/api/v1/centers', payload });
    expect(res.status).toBe(400);
    expect(res.body.error!.fields).toHaveLength(20);
    expect(res.size).toBeLessThan(8 * 1024);
  });

  it('tells a caller without credentials how to authenticate (WWW-Authenticate), and keeps private answers out of caches', async () => {
    const anonymous = await raw().inject({ method: 'GET', url: '/api/v1/agencies' });
    expect(anonymous.headers['www-authenticate']).toBe('Bearer realm="haochaping"');
    const signedIn = await app().inject({ method: 'GET', url: '/api/v1/agencies' });
    expect(signedIn.headers['cache-control']).toBe('no-store');
  });

  it('keeps a short plain X-Request-Id and replaces any other', async () => {
    const kept = await app().inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'gw-2026.11_26-abc' } });
    expect(kept.headers['x-request-id']).toBe('gw-2026.11_26-abc');
    for (const given of ['x'.repeat(65), 'has spaces in it', '<script>']) {
      const replaced = await app().inject({ method: 'GET', url: '/healthz', headers: { 'x-request-id': given } });
      expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
  });
});

describe('identical creates at once: one 201, the others 409, never a 500', () => {
  const bodies = {
    'business-lines': () => buildBusinessLine({ code: 'E-RACE' }),
    agencies: () => buildAgency({ businessLineCode: world.line.code, code: creditCode(9_999) }),
    centers: () => buildCenter({ code: 'E-RACE' }),
    windows: () => ({ centerCode: world.center.code, number: '77', agencyCode: world.agencyA.code }),
    staff: () => buildStaff({ staffNumber: 'E-RACE', agencyCode: world.agencyA.code }),
    matters: () => buildMatter({ code: 'E-RACE-0001', businessLineCode: world.line.code, agencyCode: world.agencyA.code }),
  };
  it.each(Object.keys(bodies))('%s', async (kind) => {
    const body = bodies[kind as keyof typeof bodies]();
    const results = await Promise.all(Array.from({ length: 8 }, () => call({ method: 'POST', url: `/api/v1/${kind}`, payload: body })));
    expect(results.map((r) => r.status).sort()).toEqual([201, 409, 409, 409, 409, 409, 409, 409]);
    expect(results.filter((r) => r.status === 409).every((r) => /already_exists$/.test(r.body.error!.id))).toBe(true);
  });
});

describe('a file the readers cannot read', () => {
  const files: [string, Buffer | string, string][] = [
    ['a broken CSV quote', 'code,name,regionCode\n"E-Q1,没有结尾的引号,450102\nE-Q2,b,450102\n', 'text/csv'],
    ['random bytes', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)), 'application/octet-stream'],
    ['a zip signature and junk', Buffer.concat([Buffer.from('PK\x03\x04'), Buffer.alloc(2000, 0x5a)]), 'application/octet-stream'],
  ];
  it.each(files)('%s is 422 file_unreadable and changes nothing', async (_, payload, type) => {
    const before = (await sql<{ n: number }>`select count(*)::int as n from service_center`.execute(database().db)).rows[0]!.n;
    const res = await call({ method: 'POST', url: '/api/v1/imports/centers?commit=true', payload, headers: { 'content-type': type } });
    expect([res.status, res.body.error?.id]).toEqual([422, 'file_unreadable']);
    expect((await sql<{ n: number }>`select count(*)::int as n from service_center`.execute(database().db)).rows[0]!.n).toBe(before);
  });
});
