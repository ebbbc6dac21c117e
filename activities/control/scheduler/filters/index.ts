/** The enabled filters, in the order they run (cheapest and most selective first). */
import type { HostFilter } from '../types.ts';
import { availabilityZoneFilter } from './availability-zone.ts';
import { capabilitiesFilter } from './capabilities.ts';
import { computeFilter } from './compute.ts';
import { differentHostFilter, ignoreHostsFilter, sameHostFilter } from './hints.ts';
import { imagePropertiesFilter } from './image-properties.ts';
import { resourcesFilter } from './resources.ts';
import { affinityFilter, antiAffinityFilter } from './server-group.ts';

export const FILTERS: readonly HostFilter[] = [
  ignoreHostsFilter,
  availabilityZoneFilter,
  computeFilter,
  resourcesFilter,
  capabilitiesFilter,
  imagePropertiesFilter,
  antiAffinityFilter,
  affinityFilter,
  sameHostFilter,
  differentHostFilter,
];
