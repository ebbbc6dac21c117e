/** Runs a host tool without a shell; a failure carries the tool's stderr in its message. */
import { execFile } from 'node:child_process';

export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly stderr: string,
  ) {
    super(`${command} failed: ${stderr.trim()}`);
  }
}

export function run(file: string, args: string[], timeoutMs = 600_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024, env: { ...process.env, LC_ALL: 'C' } }, (err, stdout, stderr) => {
      if (err) reject(new CommandError(`${file} ${args.join(' ')}`, String(stderr || err.message)));
      else resolve(String(stdout));
    });
  });
}
