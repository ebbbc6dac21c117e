/** Nova's version documents: the list at the compute root and one document per API version. */
import { MAX_VERSION, MIN_VERSION } from '../microversion.ts';

interface VersionInfo {
  id: 'v2.0' | 'v2.1';
  path: 'v2' | 'v2.1';
  status: 'DEPRECATED' | 'CURRENT';
  version: string;
  min_version: string;
  updated: string;
  mediaVersion: string;
}

const VERSIONS: readonly VersionInfo[] = [
  { id: 'v2.0', path: 'v2', status: 'DEPRECATED', version: '', min_version: '', updated: '2025-07-04T12:00:00Z', mediaVersion: '2' },
  {
    id: 'v2.1',
    path: 'v2.1',
    status: 'CURRENT',
    version: String(MAX_VERSION),
    min_version: String(MIN_VERSION),
    updated: '2013-07-23T11:33:21Z',
    mediaVersion: '2.1',
  },
];

const selfLink = (computeBase: string, v: VersionInfo) => ({ rel: 'self', href: `${computeBase}/${v.path}/` });

/** `GET /compute/`: every version with its self link. */
export function versionList(computeBase: string) {
  return {
    versions: VERSIONS.map((v) => ({
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [selfLink(computeBase, v)],
    })),
  };
}

/** `GET /compute/v2/` and `GET /compute/v2.1/`: one version, with its media type. */
export function versionDocument(computeBase: string, id: 'v2.0' | 'v2.1') {
  const v = VERSIONS.find((x) => x.id === id)!;
  return {
    version: {
      id: v.id,
      status: v.status,
      version: v.version,
      min_version: v.min_version,
      updated: v.updated,
      links: [selfLink(computeBase, v), { rel: 'describedby', type: 'text/html', href: 'http://docs.openstack.org/' }],
      'media-types': [{ base: 'application/json', type: `application/vnd.openstack.compute+json;version=${v.mediaVersion}` }],
    },
  };
}
