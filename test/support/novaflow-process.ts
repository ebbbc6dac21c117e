/** Runs the real `novaflow` CLI as a child process against a test stack's database and Temporal (controller queue). */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { inject } from 'vitest';
import { repoRoot } from '../../infra/config.ts';
import { testControlQueue } from './temporal.ts';

const cli = path.join(repoRoot, 'bin', 'novaflow.mjs');

export interface NovaflowProcess {
  child: ChildProcess;
  output(): string;
  exited(): Promise<number | null>;
}

export function novaflow(args: string[], env: NodeJS.ProcessEnv = {}): NovaflowProcess {
  let out = '';
  const child = spawn(process.execPath, [cli, ...args], {
    env: {
      PATH: process.env.PATH, HOME: process.env.HOME, TEMPORAL_ADDRESS: inject('temporalAddress'), NOVAFLOW_CONTROL_QUEUE: testControlQueue,
      NOVAFLOW_LOG_LEVEL: 'warn', ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const done = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, output: () => out, exited: () => done };
}

export async function waitForOutput(p: NovaflowProcess, pattern: RegExp, ms: number): Promise<RegExpMatchArray> {
  const t0 = Date.now();
  for (;;) {
    const match = p.output().match(pattern);
    if (match) return match;
    if (Date.now() - t0 > ms || p.child.exitCode !== null) throw new Error(`no ${pattern} within ${ms} ms; output:\n${p.output()}`);
    await sleep(200);
  }
}
