import { watch } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import type { SupergraphSdlHook } from '@apollo/gateway';
import type { Logger } from 'pino';

/**
 * Serves the supergraph in `path` and hands every change of the file to the gateway, which
 * swaps query plans without dropping in-flight requests. A file that fails to load (mid-write,
 * or invalid) is logged and the previous supergraph keeps serving.
 */
export function supergraphFromFile(path: string, logger: Logger): SupergraphSdlHook {
  return async ({ update }) => {
    const initial = await readFile(path, 'utf8');
    let current = initial;
    let timer: NodeJS.Timeout | undefined;
    const reload = async () => {
      try {
        const next = await readFile(path, 'utf8');
        if (next === current || next.trim() === '') return;
        update(next);
        current = next;
        logger.info({ path }, 'supergraph reloaded');
      } catch (error) {
        logger.error({ err: error, path }, 'supergraph reload failed; still serving the previous one');
      }
    };
    // The folder, not the file: a file replaced by rename would leave a file watch deaf.
    // Editors and `npm run compose` may write in several steps, so settle before reading.
    const file = basename(path);
    const watcher = watch(dirname(path), (_event, changed) => {
      if (changed !== file) return;
      clearTimeout(timer);
      // reload() catches and logs its own failures.
      timer = setTimeout(() => void reload(), 100);
    });
    return {
      supergraphSdl: initial,
      cleanup: async () => {
        clearTimeout(timer);
        watcher.close();
      },
    };
  };
}
