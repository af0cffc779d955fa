// `npm run dev -w apps/web`: Vite's dev server (hot reload) on the port `npm start` serves the
// built app on, answering the runtime config as that server does.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createServer, type Plugin } from 'vite';
import { loadWebAppConfig, RUNTIME_CONFIG_PATH, type RuntimeConfig } from './config.js';

function runtimeConfig(runtime: RuntimeConfig): Plugin {
  return {
    name: 'storefront-runtime-config',
    configureServer(server) {
      server.middlewares.use(RUNTIME_CONFIG_PATH, (_request, response) => {
        response.setHeader('content-type', 'application/json');
        response.setHeader('cache-control', 'no-store');
        response.end(JSON.stringify(runtime));
      });
    },
  };
}

const config = loadWebAppConfig();
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const server = await createServer({
  root,
  configFile: path.join(root, 'vite.config.ts'),
  plugins: [runtimeConfig(config.runtime)],
  server: { port: config.port, strictPort: true },
});
await server.listen();
server.printUrls();
console.log(`  BFF:     ${config.runtime.bffUrl}`);
