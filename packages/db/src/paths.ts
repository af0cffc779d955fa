import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Domain } from './urls.js';

export const repositoryRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

export function prismaDir(domain: Domain): string {
  return path.join(repositoryRoot, 'prisma', domain);
}

export function migrationsDir(domain: Domain): string {
  return path.join(prismaDir(domain), 'migrations');
}
