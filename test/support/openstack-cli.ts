/**
 * Runs the real python-openstackclient (installed by bin/dev into .tools/venv) against a test API, as a
 * user would, and returns its JSON output.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { repoRoot } from '../../infra/config.ts';

const run = promisify(execFile);
export const OPENSTACK_BIN = path.join(repoRoot, '.tools', 'venv', 'bin', 'openstack');

export interface CliUser {
  username: string;
  password: string;
  project: string;
}

export function cliEnv(apiUrl: string, user: CliUser): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    OS_AUTH_URL: `${apiUrl}/identity/v3`,
    OS_AUTH_TYPE: 'password',
    OS_IDENTITY_API_VERSION: '3',
    OS_USERNAME: user.username,
    OS_PASSWORD: user.password,
    OS_PROJECT_NAME: user.project,
    OS_USER_DOMAIN_NAME: 'Default',
    OS_PROJECT_DOMAIN_NAME: 'Default',
    OS_REGION_NAME: 'RegionOne',
    OS_INTERFACE: 'public',
  };
}

export class CliError extends Error {
  constructor(
    message: string,
    readonly stderr: string,
  ) {
    super(message);
  }
}

/** `openstack <args>`; JSON-formatted output parsed when the command prints any. */
export async function openstack<T = unknown>(apiUrl: string, user: CliUser, args: string[], json = true): Promise<T> {
  const full = json ? [...args, '-f', 'json'] : args;
  try {
    const { stdout } = await run(OPENSTACK_BIN, full, { env: cliEnv(apiUrl, user), timeout: 120_000, maxBuffer: 16 << 20 });
    return (json && stdout.trim() ? JSON.parse(stdout) : stdout) as T;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new CliError(`openstack ${full.join(' ')} failed: ${e.stderr?.trim() || e.message}`, e.stderr ?? '');
  }
}
