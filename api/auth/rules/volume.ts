/** The volume service's default rules. */
import type { ServicePolicy } from '../checks.ts';

export const volumePolicy: ServicePolicy = {
  refusal: (rule) => `Policy doesn't allow ${rule} to be performed.`,
  rules: {},
};
