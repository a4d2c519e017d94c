// The web app (issue 11): the console and the public results page, built by
// Vite into dist/web and served by this same process. Hashed assets are
// cached for a year; index.html is never cached (it names the current
// assets). Any other GET of a UI path (/, /signin, /rankings?…, /public…)
// gets index.html, and the app's router takes it from there. Never for the
// API, the docs or the health checks: their unknown paths stay JSON 404s.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import { errorBody } from './errors.ts';

export const WEB_DIR = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../dist/web');
const NOT_UI = /^\/(api|docs|healthz|readyz|assets)(\/|$|\?)/;
// Any /r/… path, a link cut short by an SMS app included: the rater's page says what is wrong with it.
const RATE_PAGE = /^\/r(\/|\?|$)/;
const DEVICE_PAGE = /^\/device\/?(\?|$)/;

/** Serves dist/web when it has been built; false when it has not, or when webDir is '' (the API alone). */
export async function registerWeb(app: FastifyInstance, webDir = WEB_DIR): Promise<boolean> {
  if (!webDir) return false;
  const index = path.join(webDir, 'index.html');
  if (!fs.existsSync(index)) return false;
  // Hashed assets (brotli or gzip, precompressed), looked up at each request (a build while the server runs is served at once), cached a year.
  await app.register(fastifyStatic, {
    root: path.join(webDir, 'assets'),
    prefix: '/assets/',
    cacheControl: false,
    index: false,
    // The build writes .br and .gz beside each asset: sent as the browser accepts, no compression at request time.
    preCompressed: true,
    setHeaders: (res) => res.setHeader('cache-control', 'public, max-age=31536000, immutable'),
  });
  app.get('/*', { schema: { hide: true } }, async (request, reply) => {
    const url = request.url;
    // The rating pages are entry points of their own (issue 12): the rater's phone page and the window device.
    // (A rating link's token holds a dot, so these are told apart before the file-extension rule.)
    const own = RATE_PAGE.test(url) ? 'rate.html' : DEVICE_PAGE.test(url) ? 'device.html' : null;
    if (!own && (NOT_UI.test(url) || path.extname(url.split('?')[0]!) !== '')) {
      return reply.status(404).send(errorBody('route_not_found', `No route GET ${url.split('?')[0]}`));
    }
    const page = own ?? 'index.html';
    return reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').sendFile(page, webDir);
  });
  return true;
}
