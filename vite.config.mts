/**
 * The console's build (npm run build, after tsc -b): renderer/ bundled into dist/renderer/ with index.html at its
 * root, where `keywarden ui` serves it and the Electron window will load it. Relative asset URLs (base './') so it
 * also works from a file:// or custom protocol. The page runs under a strict CSP (electron/cli/ui/security.ts):
 * no inline script or style in the output, so no module-preload polyfill and CSS as files. tsc -b type-checks the
 * sources (renderer/tsconfig.json); this only bundles them.
 */
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  root: 'renderer',
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    outDir: '../dist/renderer',
    emptyOutDir: true,
    sourcemap: false,
    modulePreload: { polyfill: false },
    // Never inline assets as data: in scripts; small images may still be data: URLs, which the CSP allows.
    assetsInlineLimit: 0,
    reportCompressedSize: false,
  },
});
