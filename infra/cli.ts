/**
 * The `novaflow` CLI: the all-in-one stack, and each part alone for production. Configuration comes from the
 * environment (see infra/config.ts); an invalid value stops start-up with a message naming the variable.
 */
import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { runApi, runCompute, runController, runMigrate, runProbe, runRebuildProjections } from './parts.ts';
import { registerRunbookCommands } from './runbooks/cli.ts';
import { startStack } from './stack.ts';
import { findTemporalBinary } from './temporal-binary.ts';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a whole number ≥ 0');
  return n;
}

function config(overrides: Partial<Config> = {}): Config {
  return { ...loadConfig(), ...overrides };
}

/** Runs until SIGINT/SIGTERM, then stops in order; a second signal exits at once. */
async function untilSignal(stop: () => Promise<void>): Promise<void> {
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = (signal: NodeJS.Signals) => {
      if (stopping) {
        console.error(`\n${signal} again: exiting now.`);
        process.exit(130);
      }
      stopping = true;
      console.log(`\n${signal}: stopping…`);
      stop().then(resolve, (err: unknown) => {
        console.error(err);
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  console.log('Stopped.');
}

// Output piped into a command that stops reading (`| head`) ends the CLI quietly, as other tools do.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(0);
  throw err;
});

const program = new Command('novaflow').description('OpenStack-compatible compute on Temporal').showHelpAfterError();

program
  .command('stack')
  .description('run the whole stack on embedded defaults (PostgreSQL, Temporal dev server, API, workers, fake hosts)')
  .option('--hosts <n>', 'number of fake compute hosts (NOVAFLOW_FAKE_HOSTS)', positiveInt)
  .option('--libvirt [name]', 'also run a libvirt compute host on this machine (NOVAFLOW_LIBVIRT_HOST; default name libvirt-1)')
  .action(async (opts: { hosts?: number; libvirt?: string | true }) => {
    const overrides = {
      ...(opts.hosts === undefined ? {} : { fakeHosts: opts.hosts }),
      ...(opts.libvirt === undefined ? {} : { libvirtHost: opts.libvirt === true ? 'libvirt-1' : opts.libvirt }),
    };
    const stack = await startStack(config(overrides));
    await untilSignal(stack.stop);
  });

program
  .command('api')
  .description('serve the OpenStack APIs (needs DATABASE_URL and TEMPORAL_ADDRESS, or a running stack)')
  .action(async () => untilSignal(await runApi(config())));

program
  .command('controller')
  .description('run the controller worker on novaflow-control')
  .action(async () => untilSignal(await runController(config())));

program
  .command('compute')
  .description('run one compute host worker on compute.<host>; it needs Temporal only, no database')
  .requiredOption('--host <name>', 'the host name (task queue compute.<name>)')
  .option('--driver <driver>', 'hypervisor driver: fake or libvirt', 'fake')
  .option('--libvirt-uri <uri>', 'libvirt connection URI (NOVAFLOW_LIBVIRT_URI, default qemu:///system)')
  .action(async (opts: { host: string; driver: string; libvirtUri?: string }) =>
    untilSignal(await runCompute(config(opts.libvirtUri ? { libvirtUri: opts.libvirtUri } : {}), opts)),
  );

program
  .command('migrate')
  .description('apply pending database migrations and exit')
  .action(async () => runMigrate(config()));

program
  .command('tools')
  .description('install the pinned Temporal CLI if it is missing, and say where it comes from')
  .action(async () => {
    const binary = await findTemporalBinary();
    console.log(`temporal ${binary.version} from ${binary.source} (${binary.path})`);
  });

program
  .command('rebuild-projections')
  .description('rebuild the instances, instance actions and action events tables from the instance events')
  .action(async () => runRebuildProjections(config()));

const host = program.command('host').description('compute host operations');
host
  .command('probe <name>')
  .description("ask a host, through its task queue, for its identity and capacity")
  .action(async (name: string) => runProbe(config(), name));

registerRunbookCommands(program, host, () => config());

program.parseAsync().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? `novaflow: ${err.message}` : `novaflow: ${(err as Error).message ?? err}`);
  process.exit(1);
});
