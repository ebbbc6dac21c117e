import type { Worker } from '@temporalio/worker';

/** A started worker: `stop()` drains it (in-flight tasks finish) and resolves when it has stopped. */
export interface RunningWorker {
  taskQueue: string;
  stop(): Promise<void>;
  /** Settles when the worker stops for any reason; rejects if it failed. */
  done: Promise<void>;
}

export function runWorker(worker: Worker, onStop: () => void = () => undefined): RunningWorker {
  const done = worker.run().finally(onStop);
  return {
    taskQueue: worker.options.taskQueue,
    done,
    async stop() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await done;
    },
  };
}
