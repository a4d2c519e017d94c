// The same process serves the web app (issue 11): hashed assets cached for a
// year, index.html (never cached) for UI paths, and JSON 404s — never the
// app — for the API, the docs and the health checks.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, type AppInstance } from '../../src/api/server.ts';
import { TEST_APP_CONFIG } from '../support/auth.ts';
import { useTestDatabase } from '../support/db.ts';
import { testServices, TestClock } from '../support/services.ts';

const database = useTestDatabase();
let app: AppInstance;
const webDir = fs.mkdtempSync(path.join(os.tmpdir(), 'hcp-web-'));

beforeAll(async () => {
  fs.mkdirSync(path.join(webDir, 'assets'));
  fs.writeFileSync(path.join(webDir, 'index.html'), '<!doctype html><title>好差评</title><div id="app"></div>');
  fs.writeFileSync(path.join(webDir, 'rate.html'), '<!doctype html><title>政务服务评价</title><div id="app" data-page="rate"></div>');
  fs.writeFileSync(path.join(webDir, 'device.html'), '<!doctype html><title>评价器</title><div id="app" data-page="device"></div>');
  fs.writeFileSync(path.join(webDir, 'assets', 'index-AbC123.js'), 'console.log(1)');
  fs.writeFileSync(path.join(webDir, 'assets', 'index-AbC123.js.br'), zlib.brotliCompressSync('console.log(1)'));
  fs.writeFileSync(path.join(webDir, 'assets', 'index-AbC123.js.gz'), zlib.gzipSync('console.log(1)'));
  app = await buildApp({ database: database(), config: { ...TEST_APP_CONFIG, webDir }, services: testServices(database(), new TestClock()) });
});
afterAll(async () => {
  await app.close();
  fs.rmSync(webDir, { recursive: true, force: true });
});

describe('the web app from the API process', () => {
  it.each(['/', '/signin?redirect=/account', '/public?dimension=agencies&period=2026-Q3', '/rankings/staff'])(
    '%s is the app (index.html, not cached)',
    async (url) => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(200);
      expect(res.headers['content-type']).toContain('text/html');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body).toContain('<div id="app">');
    },
  );

  it.each([
    // A rating link's token holds a dot (payload.signature): still the page, not a file (issue 12).
    ['/r/eyJ2IjoxLCJvIjoxfQ.p8wG6vNMA-XTJlNWbb4bKoyo_hSVY12zRO1fA0T601k', 'rate'],
    ['/r/eyJ2IjoxLCJvIjoxfQ.p8wG6vNMA?via=qr', 'rate'],
    // A link an SMS app cut short is still the rater's page, which says the link is not valid.
    ['/r/', 'rate'],
    ['/r/eyJ2IjoxLCJvIjoxfQ/extra', 'rate'],
    ['/device', 'device'],
    ['/device?x=1', 'device'],
  ])('%s is the %s page of its own (issue 12)', async (url, page) => {
    const res = await app.inject(url);
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain(`data-page="${page}"`);
  });

  it('hashed assets are cached for a year, and sent precompressed when the browser accepts it', async () => {
    const res = await app.inject('/assets/index-AbC123.js');
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.body).toBe('console.log(1)');
    const zipped = await app.inject({ url: '/assets/index-AbC123.js', headers: { 'accept-encoding': 'gzip, deflate, br' } });
    expect(zipped.headers['content-encoding']).toBe('br');
    expect(zlib.brotliDecompressSync(zipped.rawPayload).toString()).toBe('console.log(1)');
  });

  it.each(['/api/v1/nothing-here', '/api/v2', '/docs/nothing', '/assets/missing.js', '/favicon.ico', '/healthz/x'])(
    '%s is a JSON 404, never the app',
    async (url) => {
      const res = await app.inject(url);
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { id: 'route_not_found' } });
    },
  );

  it('the API itself is untouched', async () => {
    expect((await app.inject('/healthz')).json()).toEqual({ status: 'ok' });
    expect((await app.inject('/api/v1/me')).statusCode).toBe(401);
  });
});
