import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { repositoryRoot } from './paths.js';
import type { Domain } from './urls.js';

export const EMBEDDED_DATA_DIR = path.join(repositoryRoot, 'data', 'pglite');

export interface EmbeddedPostgres {
  url: string;
  stop(): Promise<void>;
}

/**
 * Serves a PGlite database (Postgres compiled to WebAssembly) over the Postgres wire
 * protocol, so the subgraphs talk to it with the same driver as to a real server. Its files
 * live in `dataDir`, so data survives restarts; `memory://` keeps it in memory.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  host?: string;
}): Promise<EmbeddedPostgres> {
  if (options.dataDir !== 'memory://') await mkdir(options.dataDir, { recursive: true });
  const db = await PGlite.create(options.dataDir);
  const host = options.host ?? '127.0.0.1';
  const server = new PGLiteSocketServer({ db, port: options.port, host, maxConnections: 4 });
  await server.start();
  const address = server.getServerConn();
  return {
    url: `postgresql://postgres@${address}/postgres?sslmode=disable`,
    async stop() {
      await server.stop();
      await db.close();
    },
  };
}

/** A domain's embedded Postgres under data/pglite/<domain>, on `port` (its `embeddedDatabasePort` in the service registry). */
export function startEmbeddedDomainPostgres(domain: Domain, port: number): Promise<EmbeddedPostgres> {
  return startEmbeddedPostgres({ dataDir: path.join(EMBEDDED_DATA_DIR, domain), port });
}
