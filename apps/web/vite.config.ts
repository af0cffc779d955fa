import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// The same build whatever the environment says; where the BFF is comes at run time
// (/config.json), and the dev server's port and that config from server/dev.ts.
export default defineConfig({
  plugins: [react()],
  // One bundle: React, Apollo Client and the router are most of it (about 150 kB gzipped).
  build: { target: 'es2022', sourcemap: true, chunkSizeWarningLimit: 800 },
});
