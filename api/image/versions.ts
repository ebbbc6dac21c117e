/**
 * Image API discovery: Glance's version list. Every v2.x entry points at `<base>/v2/`; the newest is CURRENT,
 * the older ones SUPPORTED (the set Glance lists without a cache or multiple stores configured).
 */

export const CURRENT_VERSION = '2.17';
const SUPPORTED = ['2.15', '2.9', '2.7', '2.6', '2.5', '2.4', '2.3', '2.2', '2.1', '2.0'];

export function versionList(base: string) {
  const entry = (version: string, status: 'CURRENT' | 'SUPPORTED') => ({
    id: `v${version}`,
    status,
    links: [{ rel: 'self', href: `${base}/v2/` }],
  });
  return { versions: [entry(CURRENT_VERSION, 'CURRENT'), ...SUPPORTED.map((v) => entry(v, 'SUPPORTED'))] };
}
