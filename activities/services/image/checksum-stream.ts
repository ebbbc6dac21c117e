/**
 * A pass-through stream that measures what flows through it: byte count, md5 (Glance's `checksum`), sha512
 * (`os_hash_value`), and the first bytes for format inspection. Nothing is buffered beyond those first bytes.
 */
import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';
import { HASH_ALGO } from './records.ts';

export interface Digest {
  size: number;
  /** md5, hex. */
  checksum: string;
  osHashAlgo: string;
  /** sha512, hex. */
  osHashValue: string;
  /** The first bytes (up to the requested amount). */
  head: Buffer;
}

export class ChecksumStream extends Transform {
  private readonly md5: Hash = createHash('md5');
  private readonly secure: Hash = createHash(HASH_ALGO);
  private size = 0;
  private readonly headChunks: Buffer[] = [];
  private headLength = 0;
  private result?: Digest;

  constructor(private readonly headBytes = 512) {
    super();
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.md5.update(chunk);
    this.secure.update(chunk);
    this.size += chunk.length;
    if (this.headLength < this.headBytes) {
      const part = chunk.subarray(0, this.headBytes - this.headLength);
      this.headChunks.push(part);
      this.headLength += part.length;
    }
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    this.result = {
      size: this.size,
      checksum: this.md5.digest('hex'),
      osHashAlgo: HASH_ALGO,
      osHashValue: this.secure.digest('hex'),
      head: Buffer.concat(this.headChunks),
    };
    done();
  }

  /** The measurements, once the stream has ended. */
  digest(): Digest {
    if (!this.result) throw new Error('checksum stream read before it ended');
    return this.result;
  }
}

/** The same measurements over bytes in memory. */
export function digestOf(data: Buffer, headBytes = 512): Digest {
  return {
    size: data.length,
    checksum: createHash('md5').update(data).digest('hex'),
    osHashAlgo: HASH_ALGO,
    osHashValue: createHash(HASH_ALGO).update(data).digest('hex'),
    head: Buffer.from(data.subarray(0, headBytes)),
  };
}
