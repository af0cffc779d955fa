import { readFileSync } from 'node:fs';

/**
 * The committed supergraph with each subgraph's URL replaced by where this run's subgraphs
 * listen (USERS_URL, CATALOG_URL, ORDERS_URL), so a peer gateway serves exactly what ours does.
 */
export function benchSupergraph(env: NodeJS.ProcessEnv = process.env): string {
  let sdl = readFileSync(env.BENCH_SUPERGRAPH_PATH!, 'utf8');
  for (const name of ['users', 'catalog', 'orders']) {
    const url = env[`${name.toUpperCase()}_URL`];
    if (!url) throw new Error(`${name.toUpperCase()}_URL is not set`);
    const pattern = new RegExp(`(@join__graph\\(name: "${name}", url: ")[^"]*(")`);
    if (!pattern.test(sdl)) throw new Error(`the supergraph has no subgraph named ${name}`);
    sdl = sdl.replace(pattern, `$1${url}$2`);
  }
  return sdl;
}
