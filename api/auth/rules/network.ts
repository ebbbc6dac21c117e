/** The network service's default rules. */
import type { ServicePolicy } from '../checks.ts';

export const networkPolicy: ServicePolicy = {
  refusal: (rule) => `Policy doesn't allow ${rule} to be performed.`,
  rules: {},
};
