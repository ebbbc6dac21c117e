/**
 * What image bytes are, from their first bytes: a qcow2 header (magic `QFI\xfb`, version 2 or 3) gives the
 * virtual size and tells whether the file points outside itself (a backing file or an external data file, which
 * an upload must not smuggle in); anything else is taken as raw. Also writes the smallest valid qcow2 there is —
 * an empty disk of a given virtual size — for the test image registered at first start.
 */

export const QCOW2_MAGIC = 0x514649fb;
/** Bytes of the upload kept for inspection: the whole qcow2 v3 header fits. */
export const INSPECT_BYTES = 512;

export interface Inspection {
  format: 'qcow2' | 'raw';
  /** Size of the disk the guest sees, when the format says (qcow2), else undefined. */
  virtualSize?: number;
  /** Why the file is unsafe to hand to a hypervisor, if it is. */
  unsafe?: string;
}

/** Incompatible feature bit 2 of qcow2 v3: guest data lives in a separate (external) file. */
const EXTERNAL_DATA_FILE = 1n << 2n;

export function inspect(head: Buffer): Inspection {
  if (head.length < 72 || head.readUInt32BE(0) !== QCOW2_MAGIC) return { format: 'raw' };
  const version = head.readUInt32BE(4);
  if (version !== 2 && version !== 3) return { format: 'raw' };
  const virtualSize = Number(head.readBigUInt64BE(24));
  if (head.readBigUInt64BE(8) !== 0n) return { format: 'qcow2', virtualSize, unsafe: 'qcow2 image has a backing file' };
  if (version === 3 && head.length >= 80 && (head.readBigUInt64BE(72) & EXTERNAL_DATA_FILE) !== 0n) {
    return { format: 'qcow2', virtualSize, unsafe: 'qcow2 image has an external data file' };
  }
  return { format: 'qcow2', virtualSize };
}

export type FormatVerdict = { ok: true; virtualSize: number | null } | { ok: false; detected: string; unsafe?: string };

/**
 * Whether bytes inspected as `found` may be stored under `diskFormat`, and the virtual size to record. qcow2 is
 * the one format told apart here: a qcow2 claim needs qcow2 bytes, qcow2 bytes under any other claim but raw are
 * refused, raw claims take any bytes (their virtual size is their size), and the formats not inspected here
 * (vmdk, iso, ...) are taken at their word.
 */
export function judgeFormat(diskFormat: string, found: Inspection, size: number): FormatVerdict {
  if (found.unsafe) return { ok: false, detected: found.format, unsafe: found.unsafe };
  if (diskFormat === 'raw') return { ok: true, virtualSize: size };
  if (diskFormat === 'qcow2') return found.format === 'qcow2' ? { ok: true, virtualSize: found.virtualSize ?? null } : { ok: false, detected: found.format };
  if (found.format === 'qcow2') return { ok: false, detected: 'qcow2' };
  return { ok: true, virtualSize: null };
}

/**
 * An empty qcow2 v3 disk of `virtualSize` bytes, laid out in 64 KiB clusters: header, refcount table, one
 * refcount block (16-bit counts for the four clusters in use) and the L1 table (all entries zero: nothing
 * allocated, the guest reads zeros).
 */
export function emptyQcow2(virtualSize: number): Buffer {
  const clusterBits = 16;
  const cluster = 1 << clusterBits;
  const l2Span = cluster * (cluster / 8); // bytes of guest disk one L1 entry covers
  const l1Entries = Math.max(1, Math.ceil(virtualSize / l2Span));
  if (l1Entries * 8 > cluster) throw new Error('virtual size too large for a one-cluster L1 table');
  const [refcountTable, refcountBlock, l1Table] = [cluster, 2 * cluster, 3 * cluster];
  const image = Buffer.alloc(4 * cluster);

  image.writeUInt32BE(QCOW2_MAGIC, 0);
  image.writeUInt32BE(3, 4); // version
  image.writeBigUInt64BE(0n, 8); // backing_file_offset
  image.writeUInt32BE(0, 16); // backing_file_size
  image.writeUInt32BE(clusterBits, 20);
  image.writeBigUInt64BE(BigInt(virtualSize), 24);
  image.writeUInt32BE(0, 32); // crypt_method
  image.writeUInt32BE(l1Entries, 36); // l1_size
  image.writeBigUInt64BE(BigInt(l1Table), 40);
  image.writeBigUInt64BE(BigInt(refcountTable), 48);
  image.writeUInt32BE(1, 56); // refcount_table_clusters
  image.writeUInt32BE(0, 60); // nb_snapshots
  image.writeBigUInt64BE(0n, 64); // snapshots_offset
  image.writeBigUInt64BE(0n, 72); // incompatible_features
  image.writeBigUInt64BE(0n, 80); // compatible_features
  image.writeBigUInt64BE(0n, 88); // autoclear_features
  image.writeUInt32BE(4, 96); // refcount_order: 16-bit refcounts
  image.writeUInt32BE(104, 100); // header_length; the end-of-extensions marker (8 zero bytes) follows

  image.writeBigUInt64BE(BigInt(refcountBlock), refcountTable);
  for (let i = 0; i < 4; i++) image.writeUInt16BE(1, refcountBlock + 2 * i);
  return image;
}
