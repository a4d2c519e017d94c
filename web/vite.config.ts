// The console and the public results page (issue 11): Vue 3 + Element Plus,
// built into dist/web, which the API process serves (src/api/plugins/web.ts).
// `npm run dev` serves it with hot reload and proxies /api to the API at
// HCP_API (default http://127.0.0.1:3000).
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { defineConfig, type Plugin } from 'vite';

/** Writes a .gz and a .br beside each built JS, CSS and JSON file: the API serves them precompressed (src/api/plugins/web.ts). */
function precompress(): Plugin {
  let outDir = '';
  return {
    name: 'haochaping-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = config.build.outDir;
    },
    closeBundle() {
      const assets = path.join(outDir, 'assets');
      for (const name of fs.readdirSync(assets)) {
        if (!/\.(js|css|json|svg)$/.test(name)) continue;
        const file = path.join(assets, name);
        const body = fs.readFileSync(file);
        fs.writeFileSync(`${file}.gz`, zlib.gzipSync(body, { level: 9 }));
        fs.writeFileSync(`${file}.br`, zlib.brotliCompressSync(body, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
    },
  };
}

const api = process.env.HCP_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components and styles a page uses are bundled.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
    precompress(),
  ],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    // Three pages: the console (index.html), the rater's phone page (rate.html, /r/{token}) and the window device
    // (device.html, /device). The two rating pages are entry points of their own: no Element Plus, their own small CSS.
    rollupOptions: {
      input: {
        console: fileURLToPath(new URL('index.html', import.meta.url)),
        rate: fileURLToPath(new URL('rate.html', import.meta.url)),
        device: fileURLToPath(new URL('device.html', import.meta.url)),
      },
    },
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': api, '/healthz': api } },
});
