/**
 * The runbook commands of the `novaflow` CLI: `host drain|evacuate|maintenance`, `servers resize`, and `runbook
 * status|watch|pause|resume|cancel|list`. They talk to Temporal only. A started runbook is watched with a
 * progress bar (lines when the output is not a terminal); Ctrl-C or `--detach` leaves it running, to re-attach
 * with `novaflow runbook watch ID`. Exit status: 0 when every server went through, 1 otherwise.
 */
import { Client, Connection } from '@temporalio/client';
import cliProgress from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import type { RunbookKind, RunbookParams } from '../../activities/control/runbooks.ts';
import type { RunbookProgress } from '../../workflows/runbook.ts';
import { temporalAddress, temporalUiUrl, type Config } from '../config.ts';
import { RunbookClient, type RunbookOptions } from './client.ts';

interface CommonFlags {
  concurrency?: number;
  stopOnError?: boolean;
  dryRun?: boolean;
  detach?: boolean;
}

function positive(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a whole number ≥ 1');
  return n;
}

async function connect(config: Config): Promise<{ runbooks: RunbookClient; close: () => Promise<void> }> {
  const connection = await Connection.connect({ address: temporalAddress(config) });
  const client = new Client({ connection, namespace: config.temporalNamespace });
  const runbooks = new RunbookClient(client, { taskQueue: config.controlQueue, webUrl: temporalUiUrl(config), namespace: config.temporalNamespace });
  return { runbooks, close: () => connection.close() };
}

export function printPlan(p: RunbookProgress, out: (line: string) => void = console.log): void {
  if (p.phase === 'failed') {
    out(`refused: ${p.message}`);
    return;
  }
  out(`plan (${p.kind}):`);
  for (const step of p.steps) out(`  - ${step}`);
  for (const item of p.items) {
    out(`  ${item.action.padEnd(13)} ${item.name} (${item.uuid}) on ${item.host ?? '-'}, ${item.vmState}${item.note ? ` — ${item.note}` : ''}`);
  }
  const moves = p.items.filter((i) => i.action !== 'skip').length;
  out(`${moves} server(s) to move, ${p.items.length - moves} skipped. Nothing was changed (dry run).`);
}

export function summary(p: RunbookProgress): string {
  if (p.total === 0 && p.phase !== 'failed') return `${p.phase}: ${p.steps.join('; ') || 'nothing to do'}`;
  const remaining = p.total - p.done - p.failed - p.skipped;
  return `${p.phase}: ${p.done} done, ${p.failed} failed, ${remaining} remaining (${p.running} moving), ${p.skipped} skipped of ${p.total}`;
}

/** Follows a runbook to its end (or until Ctrl-C); the exit status it earns. */
export async function watchRunbook(runbooks: RunbookClient, id: string): Promise<number> {
  const tty = process.stdout.isTTY === true;
  const bar = tty ? new cliProgress.SingleBar({ format: '[{bar}] {value}/{total} · {summary}', hideCursor: true }, cliProgress.Presets.shades_classic) : undefined;
  let detached = false;
  const onSigint = () => {
    detached = true;
  };
  process.once('SIGINT', onSigint);
  let last = '';
  let final: RunbookProgress | undefined;
  try {
    for await (const p of runbooks.watch(id, 1000, (err) => console.error(`waiting for Temporal (${err.message})…`))) {
      const line = summary(p);
      if (bar) {
        if (!final && !last) bar.start(Math.max(p.total, 1), 0, { summary: line });
        bar.setTotal(Math.max(p.total, 1));
        bar.update(p.done + p.failed + p.skipped, { summary: line });
      } else if (line !== last && p.phase !== 'planning') console.log(`progress ${line}`);
      last = line;
      if (p.ended) final = p;
      if (detached) break;
    }
  } finally {
    bar?.stop();
    process.removeListener('SIGINT', onSigint);
  }
  if (!final) {
    console.log(`Detached; the runbook goes on. Re-attach with: novaflow runbook watch ${id}`);
    return 0;
  }
  for (const item of final.items.filter((i) => i.status === 'failed' || (i.status === 'skipped' && i.detail))) {
    console.log(`  ${item.status}: ${item.name} (${item.uuid}): ${item.detail ?? ''}`);
  }
  console.log(final.phase === 'failed' ? `runbook failed: ${final.message}` : `runbook ${final.phase}: ${final.message ?? summary(final)}`);
  return final.phase === 'failed' || final.failed > 0 ? 1 : 0;
}

export function registerRunbookCommands(program: Command, host: Command, config: () => Config): void {
  const run = async (kind: RunbookKind, params: RunbookParams, flags: CommonFlags) => {
    const cfg = config();
    const { runbooks, close } = await connect(cfg);
    try {
      const opts: RunbookOptions = {
        concurrency: flags.concurrency,
        stopOnError: flags.stopOnError,
        moveSettings: { allowResizeToSameHost: cfg.allowResizeToSameHost ?? Boolean(cfg.libvirtHost), resizeConfirmWindowSeconds: cfg.resizeConfirmWindowSeconds },
      };
      if (flags.dryRun) {
        const plan = await runbooks.plan(kind, params, opts);
        printPlan(plan);
        process.exitCode = plan.phase === 'failed' ? 1 : 0;
        return;
      }
      const id = await runbooks.start(kind, params, opts);
      console.log(`runbook ${id} started`);
      const link = runbooks.webLink(id);
      if (link) console.log(`Temporal Web: ${link}`);
      if (flags.detach) return void console.log(`Follow it with: novaflow runbook watch ${id}`);
      process.exitCode = await watchRunbook(runbooks, id);
    } finally {
      await close();
    }
  };

  const common = (c: Command) =>
    c
      .option('--concurrency <n>', 'servers moved at once', positive, 3)
      .option('--stop-on-error', 'stop taking servers after the first failure')
      .option('--dry-run', 'print the plan and change nothing')
      .option('--detach', 'start it and return; follow it with `novaflow runbook watch ID`');

  common(host.command('drain <host>').description('disable the host, then live-migrate every server off it'))
    .option('--cold-fallback', 'cold-migrate (and confirm) servers that cannot be live-migrated')
    .option('--reason <text>', 'the disabled reason recorded on the service')
    .action((name: string, f: CommonFlags & { coldFallback?: boolean; reason?: string }) => run('host-drain', { host: name, coldFallback: f.coldFallback, reason: f.reason }, f));

  common(host.command('evacuate <host>').description('rebuild every server of a dead host elsewhere (the host must be down)')).action((name: string, f: CommonFlags) =>
    run('host-evacuate', { host: name }, f),
  );

  host
    .command('maintenance <host> <state>')
    .description('disable (on) or enable (off) the host for new servers')
    .option('--reason <text>', 'the disabled reason')
    .option('--dry-run', 'print the plan and change nothing')
    .action((name: string, state: string, f: { reason?: string; dryRun?: boolean }) => {
      if (state !== 'on' && state !== 'off') throw new InvalidArgumentError('state must be on or off');
      return run('host-maintenance', { host: name, maintenance: state, reason: f.reason }, { ...f, concurrency: 1 });
    });

  const servers = program.command('servers').description('operations on sets of servers');
  common(servers.command('resize').description('rolling resize of a set of servers'))
    .requiredOption('--flavor <flavor>', 'the new flavor (id)')
    .option('--project <id>', "the project's servers")
    .option('--server <id...>', 'these servers')
    .option('--from-flavor <flavor>', 'the servers with this flavor (id)')
    .option('--confirm', 'confirm each resize once it is done')
    .action((f: CommonFlags & { flavor: string; project?: string; server?: string[]; fromFlavor?: string; confirm?: boolean }) =>
      run('servers-resize', { flavor: f.flavor, project: f.project, servers: f.server, fromFlavor: f.fromFlavor, confirm: f.confirm }, f),
    );

  const runbook = program.command('runbook').description('follow and steer runbooks');
  const withClient = (work: (runbooks: RunbookClient, id: string) => Promise<void>) => async (id: string) => {
    const { runbooks, close } = await connect(config());
    try {
      await work(runbooks, id);
    } finally {
      await close();
    }
  };
  runbook.command('status <id>').description('print where a runbook is').action(withClient(async (runbooks, id) => {
    const p = await runbooks.progress(id);
    console.log(summary(p));
    for (const item of p.items) console.log(`  ${item.status.padEnd(8)} ${item.action.padEnd(13)} ${item.name} (${item.uuid})${item.detail ? `: ${item.detail}` : ''}`);
    const link = runbooks.webLink(id);
    if (link) console.log(`Temporal Web: ${link}`);
  }));
  runbook.command('watch <id>').description('follow a runbook with a progress bar until it ends').action(withClient(async (runbooks, id) => {
    process.exitCode = await watchRunbook(runbooks, id);
  }));
  runbook.command('pause <id>').description('take no new server until resumed').action(withClient(async (r, id) => (await r.pause(id), console.log(`runbook ${id} pausing`))));
  runbook.command('resume <id>').description('go on after a pause').action(withClient(async (r, id) => (await r.resume(id), console.log(`runbook ${id} resumed`))));
  runbook.command('cancel <id>').description('stop at a safe point: no new server, the moves under way finish').action(withClient(async (r, id) => (await r.cancel(id), console.log(`runbook ${id} cancelling`))));
}
