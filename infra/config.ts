/**
 * One typed, validated configuration for every Novaflow process, read from the environment.
 * Parsed only in entry points (the CLI); everything else receives the resulting object.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const port = z.coerce.number().int().min(1).max(65535);
const seconds = z.coerce.number().positive();
const count = z.coerce.number().int().min(0);

/** Environment variable → config key, with its schema and default. */
const spec = {
  NOVAFLOW_DATA_DIR: { key: 'dataDir', schema: z.string().min(1).default(path.join(repoRoot, '.novaflow')) },
  DATABASE_URL: { key: 'databaseUrl', schema: z.url({ protocol: /^postgres(ql)?$/ }).optional() },
  NOVAFLOW_PG_PORT: { key: 'embeddedPgPort', schema: port.default(15432) },
  TEMPORAL_ADDRESS: { key: 'temporalAddress', schema: z.string().regex(/^[^\s:]+:\d+$/, 'must be HOST:PORT').optional() },
  TEMPORAL_NAMESPACE: { key: 'temporalNamespace', schema: z.string().min(1).default('default') },
  NOVAFLOW_CONTROL_QUEUE: { key: 'controlQueue', schema: z.string().regex(/^[A-Za-z0-9._-]{1,200}$/, 'letters, digits, . _ -').default('novaflow-control') },
  NOVAFLOW_TEMPORAL_PORT: { key: 'embeddedTemporalPort', schema: port.default(7233) },
  NOVAFLOW_TEMPORAL_UI_PORT: { key: 'embeddedTemporalUiPort', schema: port.default(8233) },
  NOVAFLOW_TEMPORAL_UI_URL: { key: 'temporalUiUrl', schema: z.url().optional() },
  NOVAFLOW_API_HOST: { key: 'apiHost', schema: z.string().min(1).default('127.0.0.1') },
  NOVAFLOW_API_PORT: { key: 'apiPort', schema: port.default(8774) },
  NOVAFLOW_PUBLIC_URL: { key: 'publicUrl', schema: z.url().optional() },
  NOVAFLOW_MAX_BODY_BYTES: { key: 'maxBodyBytes', schema: count.default(114688) },
  NOVAFLOW_FAKE_HOSTS: { key: 'fakeHosts', schema: count.max(2000).default(3) },
  NOVAFLOW_FAKE_VCPUS: { key: 'fakeVcpus', schema: count.min(1).default(16) },
  NOVAFLOW_FAKE_RAM_MB: { key: 'fakeRamMb', schema: count.min(1).default(32768) },
  NOVAFLOW_FAKE_DISK_GB: { key: 'fakeDiskGb', schema: count.min(1).default(500) },
  NOVAFLOW_FAKE_SPAWN_MS: { key: 'fakeSpawnMs', schema: count.max(600_000).default(0) },
  NOVAFLOW_FAKE_FAIL_HOSTS: {
    key: 'fakeFailHosts',
    schema: z
      .string()
      .default('')
      .transform((v) => v.split(',').map((h) => h.trim()).filter(Boolean)),
  },
  NOVAFLOW_LIBVIRT_URI: { key: 'libvirtUri', schema: z.string().min(1).default('qemu:///system') },
  NOVAFLOW_LIBVIRT_DOMAIN_TYPE: { key: 'libvirtDomainType', schema: z.enum(['qemu', 'kvm']).default('qemu') },
  /** The stack adds a libvirt host of this name beside the fake ones (`novaflow stack --libvirt`). */
  NOVAFLOW_LIBVIRT_HOST: { key: 'libvirtHost', schema: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/).optional() },
  NOVAFLOW_INSTANCES_PATH: { key: 'instancesPath', schema: z.string().min(1).optional() },
  /** Where a compute host authenticates to fetch images; the API's own identity endpoint by default. */
  NOVAFLOW_IDENTITY_URL: { key: 'identityUrl', schema: z.url().optional() },
  NOVAFLOW_COMPUTE_USER: { key: 'computeUser', schema: z.string().min(1).default('novaflow-compute') },
  /** The compute service user's password; by default the one the first start wrote to the data directory. */
  NOVAFLOW_COMPUTE_PASSWORD: { key: 'computePassword', schema: z.string().min(1).optional() },
  NOVAFLOW_REPORT_INTERVAL: { key: 'reportIntervalSeconds', schema: seconds.default(10) },
  NOVAFLOW_SERVICE_DOWN_TIME: { key: 'serviceDownTimeSeconds', schema: seconds.default(60) },
  /** Nova's allow_resize_to_same_host; unset: false, except in an embedded stack with a libvirt host. */
  NOVAFLOW_ALLOW_RESIZE_TO_SAME_HOST: { key: 'allowResizeToSameHost', schema: z.stringbool().optional() },
  /** Nova's resize_confirm_window: seconds after which a resize waiting in VERIFY_RESIZE is confirmed; 0 never. */
  NOVAFLOW_RESIZE_CONFIRM_WINDOW: { key: 'resizeConfirmWindowSeconds', schema: count.default(0) },
  NOVAFLOW_POWER_SYNC_INTERVAL: { key: 'powerSyncIntervalSeconds', schema: seconds.default(60) },
  NOVAFLOW_ADMIN_PASSWORD: { key: 'adminPassword', schema: z.string().min(1).optional() },
  NOVAFLOW_LOG_LEVEL: {
    key: 'logLevel',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  },
} as const;

type Spec = typeof spec;
export type Config = {
  [E in keyof Spec as Spec[E]['key']]: z.output<Spec[E]['schema']>;
};

export class ConfigError extends Error {}

/** Parses the environment; an invalid value throws a ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [name, { key, schema }] of Object.entries(spec)) {
    const raw = env[name];
    const parsed = (schema as z.ZodType).safeParse(raw === '' ? undefined : raw);
    if (parsed.success) out[key] = parsed.data;
    else problems.push(`${name}=${JSON.stringify(raw)}: ${parsed.error.issues.map((i) => i.message).join('; ')}`);
  }
  if (problems.length) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`);
  const config = out as Config;
  if (config.serviceDownTimeSeconds <= config.reportIntervalSeconds) {
    throw new ConfigError(
      `invalid configuration:\n  NOVAFLOW_SERVICE_DOWN_TIME (${config.serviceDownTimeSeconds}) must be greater than NOVAFLOW_REPORT_INTERVAL (${config.reportIntervalSeconds})`,
    );
  }
  return config;
}

/** The base URL clients use to reach the API (catalog, version links). */
export function publicUrl(config: Config): string {
  const host = config.apiHost === '0.0.0.0' || config.apiHost === '::' ? '127.0.0.1' : config.apiHost;
  return (config.publicUrl ?? `http://${host}:${config.apiPort}`).replace(/\/+$/, '');
}

export function temporalAddress(config: Config): string {
  return config.temporalAddress ?? `127.0.0.1:${config.embeddedTemporalPort}`;
}

export function temporalUiUrl(config: Config): string | undefined {
  if (config.temporalUiUrl) return config.temporalUiUrl.replace(/\/+$/, '');
  return config.temporalAddress ? undefined : `http://127.0.0.1:${config.embeddedTemporalUiPort}`;
}

/** The options of a fake host named `host` under this configuration. */
export function fakeHostOptions(config: Config, host: string) {
  return {
    capacity: { vcpus: config.fakeVcpus, memoryMb: config.fakeRamMb, localGb: config.fakeDiskGb },
    options: { stateDir: path.join(config.dataDir, 'fake-hosts'), spawnMs: config.fakeSpawnMs, failSpawn: config.fakeFailHosts.includes(host) },
  };
}
