import { readMigrations } from './migrate.js';
import { migrationsDir } from './paths.js';
import type { Domain } from './urls.js';

/** What the check needs of a connection pool (a pg.Pool, or anything that runs one statement). */
export interface Queryable {
  query(sql: string): Promise<{ rows: unknown[] }>;
}

/** How the database stands against the migrations this build ships. */
export interface MigrationStatus {
  /** Migrations of this build the database has not finished applying, oldest first. */
  pending: string[];
  /** Of those, the ones started but neither finished nor rolled back (running now, or failed). */
  unfinished: string[];
}

/** The two log calls the check makes (a pino logger fits). */
interface ReadinessLogger {
  warn(details: object, message: string): void;
  info(details: object, message: string): void;
}

/** A readiness outcome with the reason a probe's caller (and the log) gets when down. */
export interface MigrationReadiness {
  up: boolean;
  reason?: string;
}

const UNDEFINED_TABLE = '42P01';

interface HistoryRow {
  migration_name: string;
  finished: boolean;
}

/** Reads `_prisma_migrations` and compares it with the migration folders of `domain`. */
export async function migrationStatus(
  domain: Domain,
  db: Queryable,
  migrationNames?: readonly string[],
): Promise<MigrationStatus> {
  const names = migrationNames ?? (await readMigrations(migrationsDir(domain))).map((migration) => migration.name);
  let rows: HistoryRow[];
  try {
    const history = await db.query(
      'SELECT migration_name, finished_at IS NOT NULL AS finished FROM "_prisma_migrations" WHERE rolled_back_at IS NULL',
    );
    rows = history.rows as HistoryRow[];
  } catch (error) {
    // No history table: nothing was ever migrated here.
    if ((error as { code?: string }).code === UNDEFINED_TABLE) rows = [];
    else throw error;
  }
  const finished = new Set(rows.filter((row) => row.finished).map((row) => row.migration_name));
  const started = new Set(rows.filter((row) => !row.finished).map((row) => row.migration_name));
  const pending = names.filter((name) => !finished.has(name));
  return { pending, unfinished: pending.filter((name) => started.has(name)) };
}

/** One line naming what is missing, for /health/ready and the log. */
function describeMigrationStatus(status: MigrationStatus): string | undefined {
  if (status.pending.length === 0) return undefined;
  const unfinished = status.unfinished.length > 0 ? ` (${status.unfinished.join(', ')} started but not finished)` : '';
  return `database is behind its migrations: ${status.pending.length} not applied: ${status.pending.join(', ')}${unfinished}; run the migrations (npm run migrate)`;
}

export interface MigrationReadinessOptions {
  /** How long one answer is reused, so readiness probes do not query the database each time. */
  cacheMs?: number;
  logger?: ReadinessLogger;
  /** The migration names this build ships (default: read from the domain's migrations folder). */
  migrationNames?: readonly string[];
}

const MIGRATION_CHECK_CACHE_MS = 5_000;

/**
 * A readiness check: up once the database has every migration this build ships. In
 * production services never migrate themselves, so a service started before the migration
 * job (or against the wrong database) reports what is missing, logs it once, and turns ready
 * on its own once the job has run. Migrations newer than this build (a later release already
 * migrated during a rolling update) do not count: they are expected to be compatible.
 * Answers are cached for `cacheMs`, and concurrent probes share one query.
 */
export function migrationReadiness(domain: Domain, db: Queryable, options: MigrationReadinessOptions = {}) {
  const cacheMs = options.cacheMs ?? MIGRATION_CHECK_CACHE_MS;
  let names: Promise<readonly string[]> | undefined;
  let cached: { at: number; outcome: Promise<MigrationReadiness> } | undefined;
  let lastReason: string | undefined | null = null;

  const report = (outcome: MigrationReadiness) => {
    if (outcome.reason === lastReason) return;
    if (outcome.up && lastReason !== null) options.logger?.info({ domain }, 'database migrations are all applied: ready');
    if (!outcome.up) options.logger?.warn({ domain, reason: outcome.reason }, `not ready: ${outcome.reason}`);
    lastReason = outcome.reason;
  };

  const evaluate = async (): Promise<MigrationReadiness> => {
    names ??= options.migrationNames
      ? Promise.resolve(options.migrationNames)
      : readMigrations(migrationsDir(domain)).then((list) => list.map((m) => m.name));
    let outcome: MigrationReadiness;
    try {
      const reason = describeMigrationStatus(await migrationStatus(domain, db, await names));
      outcome = reason ? { up: false, reason } : { up: true };
    } catch (error) {
      // The database check reports an unreachable database; this one says what it could not read.
      const code = (error as { code?: string }).code;
      outcome = { up: false, reason: `cannot read the migration history${code ? ` (${code})` : ''}` };
    }
    report(outcome);
    return outcome;
  };

  return {
    name: 'migrations',
    check(): Promise<MigrationReadiness> {
      const now = Date.now();
      if (!cached || now - cached.at >= cacheMs) cached = { at: now, outcome: evaluate() };
      return cached.outcome;
    },
  };
}

/**
 * Runs `start` once `migrations` reports every migration applied: at once when it already
 * does, else after a later check (one every `intervalMs`). A subgraph's event relay and
 * consumer wait for it, so a pod on a database behind its migrations neither answers nor
 * consumes events (which would fail, be retried and end as dead letters). Resolves to a
 * function that stops waiting.
 */
export async function whenMigrated(
  migrations: { check(): Promise<MigrationReadiness> },
  start: () => void,
  intervalMs = MIGRATION_CHECK_CACHE_MS,
): Promise<() => void> {
  if ((await migrations.check()).up) {
    start();
    return () => undefined;
  }
  let waiting = true;
  let timer: NodeJS.Timeout | undefined;
  const poll = async () => {
    const { up } = await migrations.check();
    if (!waiting) return;
    if (up) start();
    else timer = setTimeout(() => void poll(), intervalMs);
  };
  timer = setTimeout(() => void poll(), intervalMs);
  return () => {
    waiting = false;
    clearTimeout(timer);
  };
}
