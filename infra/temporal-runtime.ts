/** Routes the Temporal SDK's own logs into the process logger, once per process. */
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import type { Logger } from './logger.ts';

let installed = false;

export function installTemporalRuntime(log: Logger, level: LogLevel = 'WARN'): void {
  if (installed) return;
  installed = true;
  const sdkLog = log.child({ component: 'temporal-sdk' });
  Runtime.install({
    logger: new DefaultLogger(level, (entry) => {
      const meta = entry.meta ?? {};
      if (entry.level === 'ERROR') sdkLog.error(meta, entry.message);
      else if (entry.level === 'WARN') sdkLog.warn(meta, entry.message);
      else sdkLog.debug(meta, entry.message);
    }),
  });
}
