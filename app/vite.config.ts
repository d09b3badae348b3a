import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = import.meta.dirname;

// Multi-page build of every browser front end into dist/web. base './' keeps asset URLs relative, so the same
// build works from the server (/live/<id> → ../assets, /moderator → ../assets), the web host (/studio/) and Electron (app:// or file://).
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  build: {
    outDir: resolve(here, '../dist/web'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        studio: resolve(here, 'studio/index.html'),
        viewer: resolve(here, 'viewer/index.html'),
        moderator: resolve(here, 'moderator/index.html'),
      },
    },
  },
});
