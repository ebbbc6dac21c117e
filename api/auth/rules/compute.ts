/** Nova's default rules (os_compute_api:*), added as the compute resources land. */
import type { ServicePolicy } from '../checks.ts';

export const computePolicy: ServicePolicy = {
  refusal: (rule) => `Policy doesn't allow ${rule} to be performed.`,
  rules: {},
};
