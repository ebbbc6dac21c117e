/** Nova's resource links: `self` under the versioned URL (with the project id when the request had one), `bookmark` without version. */
import type { Response } from 'express';

export function resourceLinks(res: Response, publicUrl: string, collection: string, id: string) {
  const project = res.locals.urlProjectId ? `/${res.locals.urlProjectId}` : '';
  return [
    { rel: 'self', href: `${publicUrl}/compute/v2.1${project}/${collection}/${id}` },
    { rel: 'bookmark', href: `${publicUrl}/compute${project}/${collection}/${id}` },
  ];
}

export function collectionUrl(res: Response, publicUrl: string, collection: string): string {
  const project = res.locals.urlProjectId ? `/${res.locals.urlProjectId}` : '';
  return `${publicUrl}/compute/v2.1${project}/${collection}`;
}
