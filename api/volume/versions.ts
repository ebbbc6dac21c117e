/** Volume API discovery: Cinder's version list (300 Multiple Choices) and the v3 document. */
import { MAX_VOLUME_VERSION, MIN_VOLUME_VERSION } from './microversion.ts';

function v3(base: string) {
  return {
    id: 'v3.0',
    status: 'CURRENT',
    version: String(MAX_VOLUME_VERSION),
    min_version: String(MIN_VOLUME_VERSION),
    updated: '2023-08-31T00:00:00Z',
    links: [
      { rel: 'describedby', type: 'text/html', href: 'https://docs.openstack.org/' },
      { rel: 'self', href: `${base}/v3/` },
    ],
    'media-types': [{ base: 'application/json', type: 'application/vnd.openstack.volume+json;version=3' }],
  };
}

export const versionList = (base: string) => ({ versions: [v3(base)] });

/** Cinder answers `GET /v3/` with the same entry in a one-element `versions` list. */
export const v3Document = (base: string) => ({ versions: [v3(base)] });
