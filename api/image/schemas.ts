/**
 * `/v2/schemas/{image,images,member,members}`: JSON schemas of what this service sends and accepts, for clients
 * that read them (custom properties: any other string attribute of an image).
 */
import { Router } from 'express';
import { CONTAINER_FORMATS, DISK_FORMATS, MEMBER_STATUSES, STATUSES, VISIBILITIES } from '../../activities/services/image/records.ts';
import { ID_PATTERN } from './validation.ts';

const text = (description: string, extra: Record<string, unknown> = {}) => ({ type: 'string', description, ...extra });
const nullableText = (description: string, extra: Record<string, unknown> = {}) => ({ type: ['null', 'string'], description, ...extra });
const readOnly = { readOnly: true };

const IMAGE_PROPERTIES = {
  id: text('Identifier of the image (a UUID)', { pattern: ID_PATTERN }),
  name: nullableText('Name of the image', { maxLength: 255 }),
  status: text('Where the image is in its life', { enum: STATUSES, ...readOnly }),
  visibility: text('Who may see the image', { enum: VISIBILITIES }),
  protected: { type: 'boolean', description: 'A protected image cannot be deleted' },
  os_hidden: { type: 'boolean', description: 'A hidden image is left out of default image lists' },
  checksum: nullableText('MD5 of the image data, hex', { maxLength: 32, ...readOnly }),
  os_hash_algo: nullableText('Algorithm of os_hash_value', { maxLength: 64, ...readOnly }),
  os_hash_value: nullableText('Secure hash of the image data, hex', { maxLength: 128, ...readOnly }),
  owner: nullableText('Project that owns the image', { maxLength: 255 }),
  size: { type: ['null', 'integer'], description: 'Bytes of image data', ...readOnly },
  virtual_size: { type: ['null', 'integer'], description: 'Bytes of the disk the image holds', ...readOnly },
  container_format: { type: ['null', 'string'], description: 'Container format of the data', enum: [null, ...CONTAINER_FORMATS] },
  disk_format: { type: ['null', 'string'], description: 'Disk format of the data', enum: [null, ...DISK_FORMATS] },
  created_at: text('When the image was registered', readOnly),
  updated_at: text('When the image last changed', readOnly),
  tags: { type: 'array', description: 'Strings attached to the image', items: { type: 'string', maxLength: 255 } },
  min_ram: { type: 'integer', description: 'Memory (MB) needed to boot the image' },
  min_disk: { type: 'integer', description: 'Disk (GB) needed to boot the image' },
  self: text('URL of the image', readOnly),
  file: text('URL of the image data', readOnly),
  schema: text('URL of this schema', readOnly),
};

const IMAGE_LINKS = [
  { rel: 'self', href: '{self}' },
  { rel: 'enclosure', href: '{file}' },
  { rel: 'describedby', href: '{schema}' },
];

const imageSchema = () => ({ name: 'image', properties: IMAGE_PROPERTIES, additionalProperties: { type: 'string' }, links: IMAGE_LINKS });

const MEMBER_PROPERTIES = {
  member_id: text('Project the image is shared with'),
  image_id: text('Identifier of the image', { pattern: ID_PATTERN }),
  created_at: text('When the membership was made'),
  updated_at: text('When the membership last changed'),
  status: text('The member project’s answer', { enum: MEMBER_STATUSES }),
  schema: text('URL of this schema', readOnly),
};

const memberSchema = () => ({ name: 'member', properties: MEMBER_PROPERTIES });

const collection = (name: string, item: object, links: object[]) => ({
  name,
  properties: {
    [name]: { type: 'array', items: item },
    schema: { type: 'string' },
    first: { type: 'string' },
    next: { type: 'string' },
  },
  links,
});

export function schemaRoutes(): Router {
  const router = Router();
  router.get('/schemas/image', (_req, res) => void res.json(imageSchema()));
  router.get('/schemas/images', (_req, res) =>
    void res.json(
      collection('images', imageSchema(), [
        { rel: 'first', href: '{first}' },
        { rel: 'next', href: '{next}' },
        { rel: 'describedby', href: '{schema}' },
      ]),
    ),
  );
  router.get('/schemas/member', (_req, res) => void res.json(memberSchema()));
  router.get('/schemas/members', (_req, res) => void res.json(collection('members', memberSchema(), [{ rel: 'describedby', href: '{schema}' }])));
  return router;
}
