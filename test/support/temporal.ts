/** Temporal connections and a workflow bundle for tests that run real workers against the test dev server. */
import { randomBytes } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, type WorkflowBundle } from '@temporalio/worker';
import { inject } from 'vitest';
import { createLogger } from '../../infra/logger.ts';
import { installTemporalRuntime } from '../../infra/temporal-runtime.ts';
import { workflowsPath } from '../../workers/controller.ts';

/**
 * The controller queue of this test file. Test files run at the same time against one dev server, each with its
 * own database: sharing `novaflow-control` would let one file's controller run another file's workflows.
 */
export const testControlQueue = `novaflow-control-${randomBytes(4).toString('hex')}`;

export interface TestTemporal {
  client: Client;
  native: NativeConnection;
  close(): Promise<void>;
}

export async function connectTestTemporal(): Promise<TestTemporal> {
  installTemporalRuntime(createLogger('silent'));
  const address = inject('temporalAddress');
  const connection = await Connection.connect({ address });
  const native = await NativeConnection.connect({ address });
  return {
    client: new Client({ connection, namespace: 'default' }),
    native,
    close: async () => {
      await native.close();
      await connection.close();
    },
  };
}

let bundle: Promise<WorkflowBundle> | undefined;

/** Bundles the workflows once per test file (webpack takes a few seconds). */
export function workflowBundle(): Promise<WorkflowBundle> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}
