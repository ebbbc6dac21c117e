/**
 * The power actions of a server, one workflow each (id `instance-<uuid>-<action>-<request id>`): stop, start,
 * reboot, pause, unpause, suspend, resume. The API has already checked the state, set the first task_state and
 * recorded the instance action; the workflow walks the rest of Nova's task_state sequence, asks the host's driver,
 * and records the final vm_state and power_state. A failure puts task_state back to none (the server stays in its
 * vm_state, as Nova reverts a failed action) and records the error in the action's event. Also `consoleOutput`,
 * which reads the guest's console log on its host.
 */
import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { DomainState, RebootKind } from '../activities/host/driver.ts';
import type { HostActivities } from '../activities/host/index.ts';
import { hostAction, hostQuery } from './activity-profiles.ts';
import { eventRecorder, failureMessage } from './failures.ts';
import { hostTaskQueue } from './task-queues.ts';

export interface PowerActionInput {
  uuid: string;
  requestId: string;
  host: string;
}

const onHost = (host: string) => proxyActivities<HostActivities>({ ...hostAction, taskQueue: hostTaskQueue(host) });

interface Step {
  /** Nova's instance action event name. */
  event: string;
  /** The task_states the workflow records before asking the host (the API set the first one). */
  taskStates: string[];
  /** vm_state once done. */
  vmState: string;
  run: (host: HostActivities) => Promise<DomainState>;
}

async function powerAction(input: PowerActionInput, step: Step): Promise<'done' | 'failed'> {
  const { requestId } = input;
  const record = eventRecorder(input.uuid, requestId);

  await record(
    [
      { type: 'action_event_started', request_id: requestId, event: step.event, host: input.host },
      ...step.taskStates.map((t) => ({ type: 'state', task_state: t }) as const),
    ],
    'start',
  );
  try {
    const state = await step.run(onHost(input.host));
    await record(
      [
        { type: 'state', vm_state: step.vmState, task_state: null, power_state: state.powerState },
        { type: 'action_event_finished', request_id: requestId, event: step.event, result: 'Success' },
        { type: 'action_finished', request_id: requestId },
      ],
      'done',
    );
    return 'done';
  } catch (err) {
    await record(
      [
        { type: 'state', task_state: null },
        { type: 'action_event_finished', request_id: requestId, event: step.event, result: 'Error', traceback: failureMessage(err) },
        { type: 'action_finished', request_id: requestId, message: 'Error' },
      ],
      'failed',
    );
    return 'failed';
  }
}

export function stopInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_stop_instance', taskStates: [], vmState: 'stopped', run: (h) => h.stopGuest({ uuid: input.uuid }) });
}

export function startInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_start_instance', taskStates: [], vmState: 'active', run: (h) => h.startGuest({ uuid: input.uuid }) });
}

export function rebootInstance(input: PowerActionInput & { kind: RebootKind }) {
  const hard = input.kind === 'HARD';
  return powerAction(input, {
    event: 'compute_reboot_instance',
    taskStates: hard ? ['reboot_pending_hard', 'reboot_started_hard'] : ['reboot_pending', 'reboot_started'],
    vmState: 'active',
    run: (h) => h.rebootGuest({ uuid: input.uuid, kind: input.kind }),
  });
}

export function pauseInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_pause_instance', taskStates: [], vmState: 'paused', run: (h) => h.pauseGuest({ uuid: input.uuid }) });
}

export function unpauseInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_unpause_instance', taskStates: [], vmState: 'active', run: (h) => h.unpauseGuest({ uuid: input.uuid }) });
}

export function suspendInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_suspend_instance', taskStates: [], vmState: 'suspended', run: (h) => h.suspendGuest({ uuid: input.uuid }) });
}

export function resumeInstance(input: PowerActionInput) {
  return powerAction(input, { event: 'compute_resume_instance', taskStates: [], vmState: 'active', run: (h) => h.resumeGuest({ uuid: input.uuid }) });
}

/** The guest's console log from its host; fails (GuestNotFound or a timeout) when the host cannot tell. */
export async function consoleOutput(input: { uuid: string; host: string; lines?: number }): Promise<string> {
  const host = proxyActivities<HostActivities>({ ...hostQuery, taskQueue: hostTaskQueue(input.host) });
  try {
    return await host.guestConsole({ uuid: input.uuid, lines: input.lines });
  } catch (err) {
    throw ApplicationFailure.nonRetryable(failureMessage(err), 'ConsoleUnavailable');
  }
}
