/**
 * The desktop window's preload (npm run build, after the console's build): electron/preload/preload.ts and all it
 * imports (shared/, zod) bundled into one CommonJS file, dist/preload/preload.js. One file because a sandboxed
 * preload cannot require() files of its own; CommonJS because that is what Electron runs a sandboxed preload as;
 * 'electron' stays external: the sandbox's require() provides it. tsc -b type-checks the sources
 * (electron/preload/tsconfig.json); this only bundles them.
 */
import { defineConfig } from 'vite';

export default defineConfig({
  logLevel: 'warn',
  // No public/ folder, no index.html: a library build of one entry.
  publicDir: false,
  build: {
    outDir: 'dist/preload',
    emptyOutDir: true,
    sourcemap: false,
    minify: false,
    reportCompressedSize: false,
    // Electron 45's Chromium runs ES2022 and more; the same level as the rest of the code.
    target: 'es2022',
    lib: {
      entry: 'electron/preload/preload.ts',
      formats: ['cjs'],
      fileName: () => 'preload.js',
    },
    rolldownOptions: {
      external: ['electron'],
    },
  },
});
