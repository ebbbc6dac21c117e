/** Reading the image list query: filters, operators, quoted lists, sorting and page links. */
import { describe, expect, it } from 'vitest';
import { completeSort } from '../../activities/services/image/list.ts';
import { pageLinks, parseListQuery, queryValues, splitOperator, splitQuoted } from '../../api/image/query.ts';

const parse = (search: string) => parseListQuery(queryValues(search));

describe('filter values', () => {
  it('splits operators from values, but not the colons of a timestamp', () => {
    expect(splitOperator('in:a,b')).toEqual({ op: 'in', value: 'a,b' });
    expect(splitOperator('plain')).toEqual({ op: 'eq', value: 'plain' });
    expect(splitOperator('2024-01-02T03:04:05Z')).toEqual({ op: 'eq', value: '2024-01-02T03:04:05Z' });
    expect(splitOperator('gt:2024-01-02T03:04:05Z')).toEqual({ op: 'gt', value: '2024-01-02T03:04:05Z' });
  });

  it('splits lists on commas outside quotes', () => {
    expect(splitQuoted('a,"b,c",d')).toEqual(['a', 'b,c', 'd']);
    expect(splitQuoted('say \\"hi\\"')).toEqual(['say "hi"']);
    expect(() => splitQuoted('"open')).toThrow('Invalid filter value "open. The quote is not closed.');
  });
});

describe('the list query', () => {
  it('has Glance’s defaults', () => {
    expect(parse('')).toEqual({
      filters: { os_hidden: false, member_status: 'accepted', tags: [], properties: {} },
      sort: [{ key: 'created_at', dir: 'desc' }],
      tieDir: 'desc',
      limit: 25,
    });
    expect(parse('limit=5000').limit).toBe(1000);
  });

  it('reads known filters and takes any other parameter as a custom property', () => {
    const q = parse('name=in:a,b&status=active&tag=x&tag=y&visibility=all&protected=true&size_min=10&created_at=gte:2024-01-01T00:00:00Z&hw_disk_bus=scsi&marker=m');
    expect(q.filters).toEqual({
      os_hidden: false,
      member_status: 'accepted',
      tags: ['x', 'y'],
      properties: { hw_disk_bus: 'scsi' },
      name: { op: 'in', values: ['a', 'b'] },
      status: { op: 'eq', values: ['active'] },
      visibility: 'all',
      protected: true,
      size_min: 10,
      created_at: { op: 'gte', at: '2024-01-01T00:00:00Z' },
    });
    expect(q.marker).toBe('m');
  });

  it('reads both sorting syntaxes, spreading a single direction over all keys', () => {
    expect(parse('sort_key=name&sort_key=size&sort_dir=asc')).toMatchObject({ sort: [{ key: 'name', dir: 'asc' }, { key: 'size', dir: 'asc' }], tieDir: 'asc' });
    expect(parse('sort=name:asc,size')).toMatchObject({ sort: [{ key: 'name', dir: 'asc' }, { key: 'size', dir: 'desc' }], tieDir: 'desc' });
    expect(() => parse('sort_key=name&sort_key=size&sort_dir=asc&sort_dir=desc&sort_dir=asc')).toThrow('Number of sort dirs does not match the number of sort keys');
    expect(() => parse('protected=yes')).toThrow("Invalid value 'yes' for 'protected' filter. Valid values are 'true' or 'false'.");
    expect(() => parse('created_at=gt:yesterday')).toThrow('Bad "created_at" query filter format. Use ISO 8601 DateTime notation.');
  });

  it('always ends the order with created_at and id', () => {
    expect(completeSort([{ key: 'name', dir: 'asc' }], 'asc')).toEqual([
      { key: 'name', dir: 'asc' },
      { key: 'created_at', dir: 'asc' },
      { key: 'id', dir: 'asc' },
    ]);
    expect(completeSort([{ key: 'id', dir: 'desc' }], 'desc')).toEqual([{ key: 'id', dir: 'desc' }, { key: 'created_at', dir: 'desc' }]);
  });
});

describe('page links', () => {
  it('repeat the query without the old marker, and add the next one', () => {
    expect(pageLinks('')).toEqual({ first: '/v2/images' });
    expect(pageLinks('limit=2&marker=old&tag=a&tag=b', 'new')).toEqual({
      first: '/v2/images?limit=2&tag=a&tag=b',
      next: '/v2/images?limit=2&tag=a&tag=b&marker=new',
    });
  });
});
