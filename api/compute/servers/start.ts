/** Starting lifecycle workflows from the API, each findable in Temporal Web by its search attributes. */
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { BuildInput } from '../../../workflows/build-instance.ts';
import type { DeleteInput } from '../../../workflows/delete-instance.ts';
import { buildWorkflowId, deleteWorkflowId } from '../../../workflows/instance-states.ts';
import { InstanceUuid, Operation, ProjectId, RequestId } from '../../../workflows/search-attributes.ts';

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
export async function startDelete(client: Client, taskQueue: string, input: DeleteInput, projectId: string): Promise<void> {
  try {
    await client.workflow.start('deleteInstance', {
      workflowId: deleteWorkflowId(input.uuid),
      taskQueue,
      args: [input],
      typedSearchAttributes: [...attributes(input.uuid, projectId, 'delete', input.requestId)],
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
  }
}
