// Builds the studio into dist/studio, served by the server under /studio/ (src/api/routes/studio.ts).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const here = fileURLToPath(new URL('src/web/', import.meta.url));

export default defineConfig({
  root: here,
  base: '/studio/',
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('dist/studio', import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
  },
  logLevel: 'warn',
});
