/** Keystone's version discovery: the list at `/identity/` (300) and the v3 document (200). */

const UPDATED = '2020-04-07T00:00:00Z';

function v3(base: string) {
  return {
    id: 'v3.14',
    status: 'stable',
    updated: UPDATED,
    links: [{ rel: 'self', href: `${base}/v3/` }],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.identity-v3+json' }],
  };
}

export function identityVersions(base: string) {
  return { versions: { values: [v3(base)] } };
}

export function identityV3Document(base: string) {
  return { version: v3(base) };
}
