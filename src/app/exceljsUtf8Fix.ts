// exceljs 4.4.0 decodes each chunk of an .xlsx part to text on its own
// (lib/utils/parse-sax.js: `bufferToString(chunk)`), so a Chinese character
// whose three UTF-8 bytes straddle two chunks turns into "��" — about one
// cell in a thousand in a large sheet. Until exceljs fixes it, we put a
// version that keeps a StringDecoder across chunks in the module cache
// before exceljs loads the original. Import this module before exceljs.
// test/api/imports.test.ts ("importing it again changes nothing") catches a regression.
import Module, { createRequire } from 'node:module';
import { StringDecoder } from 'node:string_decoder';
import { PassThrough, type Readable } from 'node:stream';

const requireFromHere = createRequire(import.meta.url);
const parseSaxPath = requireFromHere.resolve('exceljs/lib/utils/parse-sax.js');
const { SaxesParser } = createRequire(parseSaxPath)('saxes') as { SaxesParser: new () => any };

async function* parseSax(iterable: AsyncIterable<Buffer | string> & Partial<Readable>) {
  let source: AsyncIterable<Buffer | string> = iterable;
  if (iterable.pipe && !(iterable as any)[Symbol.asyncIterator]) source = iterable.pipe(new PassThrough());
  const parser = new SaxesParser();
  const decoder = new StringDecoder('utf8');
  let error: unknown;
  let events: { eventType: string; value: unknown }[] = [];
  parser.on('error', (e: unknown) => (error = e));
  parser.on('opentag', (value: unknown) => events.push({ eventType: 'opentag', value }));
  parser.on('text', (value: unknown) => events.push({ eventType: 'text', value }));
  parser.on('closetag', (value: unknown) => events.push({ eventType: 'closetag', value }));
  for await (const chunk of source) {
    parser.write(typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (error) throw error;
    yield events;
    events = [];
  }
  const tail = decoder.end();
  if (tail) {
    parser.write(tail);
    if (error) throw error;
    yield events;
  }
}

if (!requireFromHere.cache[parseSaxPath]) {
  const patched = new Module(parseSaxPath);
  patched.filename = parseSaxPath;
  patched.loaded = true;
  patched.exports = parseSax;
  requireFromHere.cache[parseSaxPath] = patched;
}
