/** Whatever the body, the volume API answers a 2xx or a Cinder 4xx with a message — never a 500. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestApi, type TestApi } from '../support/api.ts';
import { tokenFor, type TestCredentials } from '../support/identity.ts';

let api: TestApi;
let member: TestCredentials;
beforeAll(async () => {
  api = await startTestApi();
  member = await tokenFor(api.db.pool, { project: 'vfuzz', role: 'member' });
});
afterAll(() => api.stop());

const WEIRD: unknown[] = [null, 1, 'x', [], [1], {}, { a: null }, true, -1, 1e300, '', [{}], { new_size: 'x' }];

async function send(method: string, path: string, body?: unknown) {
  const res = await fetch(`${api.url}/volume/v3/${member.projectId}${path}`, {
    method,
    headers: { 'X-Auth-Token': member.token, 'Content-Type': 'application/json', 'OpenStack-API-Version': 'volume 3.44' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? (JSON.parse(text) as Record<string, Record<string, unknown>>) : {} };
}

it('answers odd values with a 4xx naming the problem', async () => {
  const volume = (await send('POST', '/volumes', { volume: { size: 1 } })).body.volume as { id: string };
  const cases: [string, string, (w: unknown) => unknown][] = [
    ['POST', '/volumes', (w) => w],
    ['POST', '/volumes', (w) => ({ volume: w })],
    ['POST', '/volumes', (w) => ({ volume: { size: w } })],
    ['POST', '/volumes', (w) => ({ volume: { size: 1, name: w, metadata: w } })],
    ['POST', '/volumes', (w) => ({ volume: { size: 1, imageRef: w, volume_type: w, availability_zone: w } })],
    ['PUT', `/volumes/${volume.id}`, (w) => ({ volume: w })],
    ['POST', `/volumes/${volume.id}/action`, (w) => w],
    ['POST', `/volumes/${volume.id}/action`, (w) => ({ 'os-extend': w })],
    ['POST', `/volumes/${volume.id}/action`, (w) => ({ 'os-set_bootable': { bootable: w } })],
    ['POST', `/volumes/${volume.id}/action`, (w) => ({ 'os-reset_status': { status: w } })],
    ['POST', `/volumes/${volume.id}/metadata`, (w) => ({ metadata: w })],
    ['PUT', `/volumes/${volume.id}/metadata/k`, (w) => ({ meta: w })],
    ['POST', '/attachments', (w) => ({ attachment: w })],
    ['POST', '/attachments', (w) => ({ attachment: { volume_uuid: volume.id, instance_uuid: w, connector: w } })],
    ['POST', '/attachments', (w) => ({ attachment: { volume_uuid: w } })],
  ];
  const failures: string[] = [];
  for (const [method, path, make] of cases) {
    for (const weird of WEIRD) {
      const res = await send(method, path, make(weird));
      const fault = Object.values(res.body)[0];
      if (res.status >= 500 || (res.status >= 400 && !(fault?.code === res.status && typeof fault.message === 'string'))) {
        failures.push(`${res.status} ${method} ${path} ${JSON.stringify(make(weird))} ${JSON.stringify(res.body)}`);
      }
    }
  }
  expect(failures).toEqual([]);
});

it('answers odd list queries with a 4xx', async () => {
  for (const [query, status] of [['volumes?limit=x', 400], ['volumes?marker=zz', 404], ['volumes?sort=zz', 400], ['volumes/detail?metadata=zz', 400], ['volumes/zz', 404]] as const) {
    const res = await send('GET', `/${query}`);
    expect(res.status, query).toBe(status);
  }
});
