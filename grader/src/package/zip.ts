/**
 * A small zip writer and reader (deflate through node:zlib), so that packaging needs no `zip`
 * program and no dependency. Entries keep their Unix modes (`run_autograder` must stay
 * executable), have a fixed date (the same sources give the same bytes), and are checked
 * against their CRC-32 when read. No zip64: archives stay under 4 GiB and 65,535 entries.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { deflateRawSync, inflateRawSync } from 'node:zlib';

export interface ZipEntry {
  /** A relative path with forward slashes; a directory ends with `/`. */
  path: string;
  /** Empty for a directory. */
  data: Buffer;
  /** Unix permission bits, e.g. 0o644 or 0o755. */
  mode: number;
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(data: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** 2020-01-01 00:00, in MS-DOS time and date. */
const DOS_TIME = 0;
const DOS_DATE = ((2020 - 1980) << 9) | (1 << 5) | 1;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;
const MADE_BY_UNIX = (3 << 8) | 20;

export class ZipError extends Error {}

function checkPath(p: string): void {
  const bare = p.endsWith('/') ? p.slice(0, -1) : p;
  if (bare === '' || bare.startsWith('/') || bare.includes('\\') || bare.split('/').some((s) => s === '' || s === '.' || s === '..')) {
    throw new ZipError(`bad entry path "${p}"`);
  }
}

/** The archive's bytes, entries in the order given. */
export function writeZip(entries: readonly ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  const seen = new Set<string>();
  for (const entry of entries) {
    checkPath(entry.path);
    if (seen.has(entry.path)) throw new ZipError(`duplicate entry "${entry.path}"`);
    seen.add(entry.path);
    const isDir = entry.path.endsWith('/');
    const name = Buffer.from(entry.path, 'utf8');
    const crc = crc32(entry.data);
    const deflated = isDir ? Buffer.alloc(0) : deflateRawSync(entry.data, { level: 9 });
    const stored = isDir || deflated.length >= entry.data.length;
    const body = stored ? entry.data : deflated;
    const method = stored ? 0 : 8;
    const flags = 0x0800; // names are UTF-8

    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(flags, 6);
    local.writeUInt16LE(method, 8);
    local.writeUInt16LE(DOS_TIME, 10);
    local.writeUInt16LE(DOS_DATE, 12);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(entry.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    local.writeUInt16LE(0, 28);
    locals.push(local, name, body);

    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(MADE_BY_UNIX, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(flags, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt16LE(DOS_TIME, 12);
    central.writeUInt16LE(DOS_DATE, 14);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(entry.data.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt16LE(0, 30); // extra
    central.writeUInt16LE(0, 32); // comment
    central.writeUInt16LE(0, 34); // disk
    central.writeUInt16LE(0, 36); // internal attributes
    const unixMode = (isDir ? S_IFDIR : S_IFREG) | (entry.mode & 0o7777);
    central.writeUInt32LE(((unixMode << 16) | (isDir ? 0x10 : 0)) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);

    offset += local.length + name.length + body.length;
    if (offset > 0xffffffff) throw new ZipError('archive larger than 4 GiB');
  }
  if (entries.length > 0xffff) throw new ZipError('more than 65,535 entries');
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(0, 4);
  end.writeUInt16LE(0, 6);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  end.writeUInt16LE(0, 20);
  return Buffer.concat([...locals, directory, end]);
}

/** The entries of an archive (as `writeZip` and common zip programs write them), CRC-checked. */
export function readZip(zip: Buffer): ZipEntry[] {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new ZipError('not a zip archive (no end of central directory)');
  const count = zip.readUInt16LE(end + 10);
  let at = zip.readUInt32LE(end + 16);
  const entries: ZipEntry[] = [];
  for (let i = 0; i < count; i++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new ZipError(`bad central directory entry ${i}`);
    const method = zip.readUInt16LE(at + 10);
    const crc = zip.readUInt32LE(at + 16);
    const compressedSize = zip.readUInt32LE(at + 20);
    const size = zip.readUInt32LE(at + 24);
    const nameLength = zip.readUInt16LE(at + 28);
    const extraLength = zip.readUInt16LE(at + 30);
    const commentLength = zip.readUInt16LE(at + 32);
    const madeBy = zip.readUInt16LE(at + 4) >> 8;
    const external = zip.readUInt32LE(at + 38);
    const localOffset = zip.readUInt32LE(at + 42);
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + extraLength + commentLength;

    if (zip.readUInt32LE(localOffset) !== 0x04034b50) throw new ZipError(`bad local header for ${name}`);
    const start = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
    const raw = zip.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) data = inflateRawSync(raw);
    else throw new ZipError(`${name}: compression method ${method} is not supported`);
    if (data.length !== size || crc32(data) !== crc) throw new ZipError(`${name}: CRC or size mismatch`);
    const unixMode = madeBy === 3 ? (external >>> 16) & 0o7777 : 0;
    entries.push({ path: name, data, mode: unixMode || (name.endsWith('/') ? 0o755 : 0o644) });
  }
  return entries;
}

/** Writes the archive's entries under `dir`, with their modes. Refuses paths that leave `dir`. */
export function extractZip(zip: Buffer, dir: string): void {
  for (const entry of readZip(zip)) {
    checkPath(entry.path);
    const target = path.join(dir, entry.path);
    if (entry.path.endsWith('/')) {
      mkdirSync(target, { recursive: true });
      continue;
    }
    mkdirSync(path.dirname(target), { recursive: true });
    writeFileSync(target, entry.data);
    chmodSync(target, entry.mode);
  }
}
