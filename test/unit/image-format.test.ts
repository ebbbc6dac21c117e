/** Image bytes: the qcow2 made at first start, format inspection and verdicts, and the measuring stream. */
import { createHash, randomBytes } from 'node:crypto';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import { ChecksumStream, digestOf } from '../../activities/services/image/checksum-stream.ts';
import { emptyQcow2, inspect, judgeFormat } from '../../activities/services/image/disk-format.ts';

describe('the empty qcow2', () => {
  it('has a version 3 header with the virtual size, 64 KiB clusters and its tables where the header says', () => {
    const disk = emptyQcow2(64 * 1024 * 1024);
    expect(disk.length).toBe(4 * 65536);
    expect(disk.subarray(0, 4).toString('latin1')).toBe('QFI\xfb');
    expect(disk.readUInt32BE(4)).toBe(3);
    expect(disk.readUInt32BE(20)).toBe(16);
    expect(disk.readBigUInt64BE(24)).toBe(64n * 1024n * 1024n);
    expect(disk.readUInt32BE(36)).toBe(1); // one L1 entry covers 512 MiB
    const refcountTable = Number(disk.readBigUInt64BE(48));
    const refcountBlock = Number(disk.readBigUInt64BE(refcountTable));
    expect([0, 1, 2, 3].map((i) => disk.readUInt16BE(refcountBlock + 2 * i))).toEqual([1, 1, 1, 1]);
    expect(disk.readUInt16BE(refcountBlock + 8)).toBe(0);
    expect(Number(disk.readBigUInt64BE(40))).toBe(3 * 65536);
    expect(emptyQcow2(64 * 1024 * 1024).equals(disk)).toBe(true);
  });

  it('sizes the L1 table to the disk', () => {
    expect(emptyQcow2(2 * 1024 ** 3).readUInt32BE(36)).toBe(4);
  });
});

describe('inspection', () => {
  it('tells qcow2 from anything else and reads its virtual size', () => {
    expect(inspect(emptyQcow2(1024 * 1024))).toEqual({ format: 'qcow2', virtualSize: 1024 * 1024 });
    expect(inspect(Buffer.from('hello'))).toEqual({ format: 'raw' });
    const v9 = emptyQcow2(1024);
    v9.writeUInt32BE(9, 4);
    expect(inspect(v9).format).toBe('raw');
  });

  it('flags qcow2 files that reach outside themselves', () => {
    const backed = emptyQcow2(1024 * 1024);
    backed.writeBigUInt64BE(512n, 8);
    expect(inspect(backed).unsafe).toBe('qcow2 image has a backing file');
    const external = emptyQcow2(1024 * 1024);
    external.writeBigUInt64BE(4n, 72);
    expect(inspect(external).unsafe).toBe('qcow2 image has an external data file');
  });

  it('judges bytes against the declared disk format', () => {
    const qcow = inspect(emptyQcow2(1 << 20));
    const raw = inspect(Buffer.from('x'));
    expect(judgeFormat('qcow2', qcow, 100)).toEqual({ ok: true, virtualSize: 1 << 20 });
    expect(judgeFormat('qcow2', raw, 100)).toEqual({ ok: false, detected: 'raw' });
    expect(judgeFormat('raw', qcow, 100)).toEqual({ ok: true, virtualSize: 100 });
    expect(judgeFormat('iso', raw, 100)).toEqual({ ok: true, virtualSize: null });
    expect(judgeFormat('vmdk', qcow, 100)).toEqual({ ok: false, detected: 'qcow2' });
  });
});

describe('the checksum stream', () => {
  it('passes bytes through unchanged and measures them as digestOf does', async () => {
    const data = randomBytes(300_000);
    const meter = new ChecksumStream(512);
    const out: Buffer[] = [];
    const chunks = [data.subarray(0, 100), data.subarray(100, 7000), data.subarray(7000)];
    await pipeline(Readable.from(chunks), meter, new Writable({ write: (c: Buffer, _e, done) => void (out.push(c), done()) }));
    expect(Buffer.concat(out).equals(data)).toBe(true);
    const digest = meter.digest();
    expect(digest).toEqual(digestOf(data));
    expect(digest.checksum).toBe(createHash('md5').update(data).digest('hex'));
    expect(digest.head.equals(data.subarray(0, 512))).toBe(true);
    expect(digest.size).toBe(data.length);
  });
});
