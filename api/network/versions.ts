/** Network API discovery: the version list, the v2.0 resource list and the extensions actually implemented. */

export function versionList(base: string) {
  return { versions: [{ id: 'v2.0', status: 'CURRENT', links: [{ href: `${base}/v2.0/`, rel: 'self' }] }] };
}

const RESOURCES: readonly [string, string][] = [
  ['network', 'networks'],
  ['subnet', 'subnets'],
  ['port', 'ports'],
  ['security_group', 'security-groups'],
  ['security_group_rule', 'security-group-rules'],
];

export function resourceList(base: string) {
  return {
    resources: RESOURCES.map(([name, collection]) => ({
      name,
      collection,
      links: [{ href: `${base}/v2.0/${collection}`, rel: 'self' }],
    })),
  };
}

interface Extension {
  alias: string;
  name: string;
  description: string;
}

const UPDATED = '2025-01-01T00:00:00-00:00';

/** Only what this service does: clients look extensions up before sending the attributes they add. */
export const EXTENSIONS: readonly Extension[] = [
  { alias: 'security-group', name: 'security-group', description: 'The security groups extension.' },
  { alias: 'port-security', name: 'Port Security', description: 'Provides port security.' },
  { alias: 'binding', name: 'Port Binding', description: 'Expose port bindings of a virtual port to external application.' },
  { alias: 'external-net', name: 'Neutron external network', description: 'Adds external network attribute to network resource.' },
  { alias: 'net-mtu', name: 'Network MTU', description: 'Provides MTU attribute for a network resource.' },
  { alias: 'project-id', name: 'project_id field enabled', description: 'Extension that indicates that project_id field is enabled.' },
  { alias: 'standard-attr-description', name: 'standard-attr-description', description: 'Extension to add descriptions to standard attributes.' },
  { alias: 'standard-attr-timestamp', name: 'Resource timestamps', description: 'Adds created_at and updated_at fields to all Neutron resources that have Neutron standard attributes.' },
  { alias: 'standard-attr-revisions', name: 'Resource revision numbers', description: 'This extension will display the revision number of neutron resources.' },
  { alias: 'standard-attr-tag', name: 'Tag support for resources with standard attribute: subnet, network, port, security_group', description: 'Enables to set tag on resources with standard attribute.' },
  { alias: 'tag-ports-during-bulk-creation', name: 'Tag Ports During Bulk Creation', description: 'Allow to tag ports during bulk creation.' },
  { alias: 'network_availability_zone', name: 'Network Availability Zone', description: 'Availability zone support for network.' },
  { alias: 'stateful-security-group', name: 'Stateful security group', description: 'Indicates if the security group is stateful or not.' },
  { alias: 'filter-validation', name: 'Filter parameters validation', description: 'Provides validation on filtering parameters.' },
  { alias: 'sorting', name: 'Sorting support', description: 'Extension that indicates that sorting is enabled.' },
  { alias: 'pagination', name: 'Pagination support', description: 'Extension that indicates that pagination is enabled.' },
  { alias: 'ip-substring-filtering', name: 'IP address substring filtering', description: 'Provides IP address substring filtering when listing ports.' },
];

export const extensionView = (e: Extension) => ({ ...e, updated: UPDATED, links: [] });
