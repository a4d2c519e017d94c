// The console and the public results page (issue 11): Vue 3 + Element Plus,
// built into dist/web, which the API process serves (src/api/plugins/web.ts).
// `npm run dev` serves it with hot reload and proxies /api to the API at
// HCP_API (default http://127.0.0.1:3000).
import { fileURLToPath } from 'node:url';
import vue from '@vitejs/plugin-vue';
import AutoImport from 'unplugin-auto-import/vite';
import Components from 'unplugin-vue-components/vite';
import { ElementPlusResolver } from 'unplugin-vue-components/resolvers';
import { defineConfig } from 'vite';

const api = process.env.HCP_API ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  plugins: [
    vue(),
    // Element Plus on demand: only the components and styles a page uses are bundled.
    AutoImport({ resolvers: [ElementPlusResolver()], dts: false }),
    Components({ resolvers: [ElementPlusResolver()], dts: false }),
  ],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    assetsDir: 'assets',
    chunkSizeWarningLimit: 1200,
  },
  server: { proxy: { '/api': api, '/healthz': api } },
});
