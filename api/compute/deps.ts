import type { Client } from '@temporalio/client';
import type { MoveSettings } from '../../activities/control/move-requests.ts';
import type { ServiceDeps } from '../service-deps.ts';

/** What the compute API's resource routers are built from. */
export interface ComputeDeps extends ServiceDeps {
  /** Check every JSON response against its OpenAPI schema (tests). */
  validateResponses: boolean;
  /** Seconds without a heartbeat after which a service is reported down. */
  serviceDownTimeSeconds: number;
  /** Starts and follows the lifecycle workflows. */
  temporal: Client;
  /** The controller's task queue, where the workflows run. */
  controlQueue: string;
  moves?: MoveSettings;
}

export type { MoveSettings };

export const DEFAULT_MOVE_SETTINGS: MoveSettings = { allowResizeToSameHost: false, resizeConfirmWindowSeconds: 0 };
