/** Reading a guest's serial console log: its last 100 KiB (Nova's MAX_CONSOLE_BYTES), or its last `lines` lines. */
import fs from 'node:fs/promises';

const MAX_CONSOLE_BYTES = 100 * 1024;

/** The tail of the log file; empty when the guest has written nothing yet (no file). */
export async function consoleTail(file: string, lines?: number): Promise<string> {
  let text = '';
  const handle = await fs.open(file, 'r').catch(() => undefined);
  if (handle) {
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, MAX_CONSOLE_BYTES);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      text = buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  }
  if (lines === undefined) return text;
  const all = text.split('\n');
  if (all.at(-1) === '') all.pop();
  return all.length === 0 ? '' : `${all.slice(-lines).join('\n')}\n`;
}
