import { describe, expect, it } from 'vitest';
import { useTestApp } from '../support/app.ts';

const { app } = useTestApp();
const get = async (url: string) => {
  const res = await app().inject({ method: 'GET', url });
  return { status: res.statusCode, body: res.json() };
};

describe('GET /api/v1/regions (R1)', () => {
  it('lists the 14 cities of Guangxi under 450000, with their 12-digit codes', async () => {
    const { status, body } = await get('/api/v1/regions?parent=450000');
    expect(status).toBe(200);
    expect(body.total).toBe(14);
    expect(body.items.map((r: { code: string }) => r.code)).toEqual(Array.from({ length: 14 }, (_, i) => `45${String(i + 1).padStart(2, '0')}00000000`));
    expect(body.items[0]).toEqual({ code: '450100000000', name: '南宁市', level: 2, levelName: '设区市', parentCode: '450000000000' });
  });

  it('accepts the 12-digit form as well as the 6-digit one', async () => {
    const short = await get('/api/v1/regions?parent=450100');
    const long = await get('/api/v1/regions?parent=450100000000');
    expect(short.body).toEqual(long.body);
    expect(short.body.total).toBe(12);
  });

  it('returns the villages/communities of a town', async () => {
    const { body } = await get('/api/v1/regions?parent=450102001000');
    expect(body.total).toBeGreaterThan(0);
    expect(body.items.every((r: { level: number; parentCode: string }) => r.level === 5 && r.parentCode === '450102001000')).toBe(true);
    expect(body.items.map((r: { name: string }) => r.name)).toContain('兴宁社区居委会');
  });

  it('pages, filters by level and by name within a subtree', async () => {
    const page1 = await get('/api/v1/regions?level=4&within=450100&pageSize=10');
    const page2 = await get('/api/v1/regions?level=4&within=450100&pageSize=10&page=2');
    expect(page1.body.items).toHaveLength(10);
    expect(page1.body.total).toBe(page2.body.total);
    expect(page2.body.items[0].code > page1.body.items[9].code).toBe(true);
    const named = await get(`/api/v1/regions?q=${encodeURIComponent('兴宁')}&level=3`);
    expect(named.body.items.map((r: { name: string }) => r.name)).toEqual(['兴宁区']);
  });

  it('returns one region with its lineage', async () => {
    const { status, body } = await get('/api/v1/regions/450102');
    expect(status).toBe(200);
    expect(body.name).toBe('兴宁区');
    expect(body.lineage.map((r: { code: string }) => r.code)).toEqual(['450000000000', '450100000000', '450102000000']);
  });

  it.each([
    ['/api/v1/regions?parent=4501', 400, 'invalid_region_code'],
    ['/api/v1/regions?parent=460000', 404, 'region_not_found'],
    ['/api/v1/regions/999999', 404, 'region_not_found'],
    ['/api/v1/regions/abc', 400, 'invalid_region_code'],
    ['/api/v1/regions?level=6', 400, 'validation_failed'],
    ['/api/v1/regions?pageSize=10000', 400, 'validation_failed'],
    ['/api/v1/regions?color=red', 400, 'validation_failed'],
    ['/api/v1/nothing-here', 404, 'route_not_found'],
  ])('%s → %i %s', async (url, status, id) => {
    const res = await get(url);
    expect(res.status).toBe(status);
    expect(res.body.error.id).toBe(id);
    expect(typeof res.body.error.message).toBe('string');
  });

  it('names the offending field in a validation error', async () => {
    const { body } = await get('/api/v1/regions?level=9');
    expect(body.error.fields).toEqual([{ field: '/querystring/level', message: expect.any(String) }]);
  });
});
