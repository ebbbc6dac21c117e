/** Starting lifecycle workflows from the API, each findable in Temporal Web by its search attributes. */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { BuildInput } from '../../../workflows/build-instance.ts';
import type { DeleteInput } from '../../../workflows/delete-instance.ts';
import { buildWorkflowId, deleteWorkflowId } from '../../../workflows/instance-states.ts';
import { Host, InstanceUuid, Operation, ProjectId, RequestId } from '../../../workflows/search-attributes.ts';

function attributes(uuid: string, projectId: string, operation: string, requestId: string) {
  return [
    { key: InstanceUuid, value: uuid },
    { key: ProjectId, value: projectId },
    { key: Operation, value: operation },
    { key: RequestId, value: requestId },
  ] as const;
}

export async function startBuild(client: Client, taskQueue: string, input: BuildInput): Promise<void> {
  await client.workflow.start('buildInstance', {
    workflowId: buildWorkflowId(input.uuid),
    taskQueue,
    args: [input],
    typedSearchAttributes: [...attributes(input.uuid, input.projectId, 'create', input.requestId)],
  });
}

/** Starts the delete; a delete already running for the instance is left to finish (Nova accepts a repeated delete). */
export async function startDelete(client: Client, taskQueue: string, input: DeleteInput, projectId: string, host: string | null): Promise<void> {
  try {
    await client.workflow.start('deleteInstance', {
      workflowId: deleteWorkflowId(input.uuid),
      taskQueue,
      args: [input],
      typedSearchAttributes: [...attributes(input.uuid, projectId, 'delete', input.requestId), ...(host ? [{ key: Host, value: host }] : [])],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}

/** A power action's workflow id: one per request, so every action of a server stays in Temporal Web. */
export function powerActionWorkflowId(uuid: string, action: string, requestId: string): string {
  return `instance-${uuid}-${action}-${requestId}`;
}

export interface PowerActionStart {
  workflowId: string;
  uuid: string;
  requestId: string;
  host: string;
  projectId: string;
  operation: string;
  /** Arguments only some actions take (the reboot kind). */
  extra: Record<string, unknown>;
}

export async function startPowerAction(client: Client, taskQueue: string, workflow: string, p: PowerActionStart): Promise<void> {
  await client.workflow.start(workflow, {
    workflowId: p.workflowId,
    taskQueue,
    args: [{ uuid: p.uuid, requestId: p.requestId, host: p.host, ...p.extra }],
    typedSearchAttributes: [...attributes(p.uuid, p.projectId, p.operation, p.requestId), { key: Host, value: p.host }],
  });
}

/** Reads a guest's console log through its host (a short workflow, so the API never talks to a host itself). */
export async function readConsole(
  client: Client,
  taskQueue: string,
  input: { uuid: string; host: string; lines?: number },
  context: { projectId: string; requestId: string },
): Promise<string> {
  return client.workflow.execute('consoleOutput', {
    workflowId: `instance-${input.uuid}-console-${randomUUID()}`,
    taskQueue,
    args: [input],
    workflowExecutionTimeout: '1 minute',
    typedSearchAttributes: [...attributes(input.uuid, context.projectId, 'getConsoleOutput', context.requestId), { key: Host, value: input.host }],
  });
}

export interface InstanceWorkflowStart {
  workflowId: string;
  uuid: string;
  projectId: string;
  requestId: string;
  operation: string;
  host: string | null;
  args: Record<string, unknown>;
}

/** Starts one of an instance's operation workflows (resize, migrations, evacuate, ...) with its search attributes. */
export async function startInstanceWorkflow(client: Client, taskQueue: string, workflow: string, p: InstanceWorkflowStart): Promise<void> {
  await client.workflow.start(workflow, {
    workflowId: p.workflowId,
    taskQueue,
    args: [p.args],
    typedSearchAttributes: [...attributes(p.uuid, p.projectId, p.operation, p.requestId), ...(p.host ? [{ key: Host, value: p.host }] : [])],
  });
}
