/**
 * Unpacks a student's archive (.zip, .tar, .tar.gz / .tgz) into a folder, safely: every entry
 * is checked before anything is written. An absolute path, a `..` segment, a link or a device
 * rejects the whole archive (nothing of it is graded), and so do encryption, an unknown
 * compression method, a bad checksum, or more entries or bytes than a submission can need.
 * The formats are read here with node:zlib only, so what is accepted does not depend on the
 * tools of the machine.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { gunzipSync, inflateRawSync } from 'node:zlib';
import { crc32 } from '../package/zip.ts';

/** The archive cannot be graded; the message says why, in one line. */
export class ArchiveError extends Error {}

export interface ArchiveLimits {
  /** Entries (files and folders) at most. */
  maxEntries: number;
  /** Bytes of all files together, unpacked. */
  maxBytes: number;
}

export const DEFAULT_ARCHIVE_LIMITS: ArchiveLimits = { maxEntries: 10_000, maxBytes: 64 * 1024 * 1024 };

/** File name endings of the archives `locklab batch` takes, longest first. */
export const ARCHIVE_EXTENSIONS = ['.tar.gz', '.tgz', '.tar', '.zip'] as const;

export function archiveExtension(file: string): (typeof ARCHIVE_EXTENSIONS)[number] | undefined {
  const lower = file.toLowerCase();
  return ARCHIVE_EXTENSIONS.find((ext) => lower.endsWith(ext));
}

interface Entry {
  name: string;
  kind: 'file' | 'dir';
  data?: Buffer;
}

/** Unpacks `archive` into the (existing, empty) folder `dest`; returns the files written, relative to it. */
export function unpackArchive(archive: string, dest: string, limits: ArchiveLimits = DEFAULT_ARCHIVE_LIMITS): string[] {
  const ext = archiveExtension(archive);
  if (!ext) throw new ArchiveError(`${path.basename(archive)} is not a .zip, .tar, .tar.gz or .tgz archive`);
  let bytes: Buffer;
  try {
    bytes = readFileSync(archive);
  } catch (err) {
    throw new ArchiveError(`cannot read ${path.basename(archive)}: ${(err as Error).message}`);
  }
  const entries = ext === '.zip' ? readZip(bytes, limits) : readTar(ext === '.tar' ? bytes : gunzip(bytes, limits), limits);
  // Every name is checked before the first byte is written.
  const planned = entries
    .map((e) => ({ ...e, rel: safeRelativePath(e.name) }))
    .filter((e): e is Entry & { rel: string } => e.rel !== undefined && !isMacMetadata(e.rel));
  const files = new Set<string>();
  for (const entry of planned) {
    if (entry.kind !== 'file') continue;
    if (files.has(entry.rel)) throw new ArchiveError(`cannot unpack "${entry.name}": the archive holds it twice`);
    files.add(entry.rel);
  }
  const root = path.resolve(dest);
  const written: string[] = [];
  for (const entry of planned) {
    const target = path.resolve(root, entry.rel);
    if (!target.startsWith(root + path.sep)) throw new ArchiveError(`unsafe entry "${entry.name}": it leaves the archive's folder`);
    try {
      if (entry.kind === 'dir') {
        mkdirSync(target, { recursive: true });
        continue;
      }
      mkdirSync(path.dirname(target), { recursive: true });
      // 'wx': a name twice in the archive is an error, never an overwrite.
      writeFileSync(target, entry.data ?? Buffer.alloc(0), { mode: 0o644, flag: 'wx' });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new ArchiveError(`cannot unpack "${entry.name}": ${code === 'EEXIST' ? 'the archive holds it twice' : code === 'ENOTDIR' ? 'a file of the archive has its name' : (err as Error).message}`);
    }
    written.push(entry.rel);
  }
  return written;
}

/**
 * The entry's path made relative and normalized, or undefined for the archive's own root
 * ("./"). Absolute paths, drive letters and `..` segments are refused.
 */
export function safeRelativePath(name: string): string | undefined {
  if (name.includes('\0')) throw new ArchiveError(`unsafe entry ${JSON.stringify(name)}: a NUL in its name`);
  const slashed = name.replace(/\\/g, '/');
  if (slashed.startsWith('/') || /^[a-zA-Z]:/.test(slashed)) throw new ArchiveError(`unsafe entry "${name}": an absolute path`);
  const segments = slashed.split('/').filter((s) => s !== '' && s !== '.');
  if (segments.includes('..')) throw new ArchiveError(`unsafe entry "${name}": a ".." in its path`);
  return segments.length === 0 ? undefined : segments.join('/');
}

/** What macOS adds to archives (resource forks): skipped. */
function isMacMetadata(rel: string): boolean {
  return rel === '__MACOSX' || rel.startsWith('__MACOSX/') || path.posix.basename(rel).startsWith('._');
}

function gunzip(bytes: Buffer, limits: ArchiveLimits): Buffer {
  try {
    // Room for the tar headers on top of the file bytes.
    return gunzipSync(bytes, { maxOutputLength: limits.maxBytes + 512 * (2 * limits.maxEntries + 2) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw new ArchiveError(`the archive unpacks to more than ${limits.maxBytes} bytes`);
    throw new ArchiveError(`not a valid gzip file: ${(err as Error).message}`);
  }
}

class Budget {
  private entries = 0;
  private bytes = 0;
  constructor(private readonly limits: ArchiveLimits) {}
  add(bytes: number): void {
    if (++this.entries > this.limits.maxEntries) throw new ArchiveError(`the archive has more than ${this.limits.maxEntries} entries`);
    this.bytes += bytes;
    if (this.bytes > this.limits.maxBytes) throw new ArchiveError(`the archive unpacks to more than ${this.limits.maxBytes} bytes`);
  }
}

// ---------------------------------------------------------------- zip

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const S_IFMT = 0o170000;
const S_IFREG = 0o100000;
const S_IFDIR = 0o040000;

function readZip(buf: Buffer, limits: ArchiveLimits): Entry[] {
  const budget = new Budget(limits);
  let eocd = -1;
  for (let i = buf.length - 22; i >= Math.max(0, buf.length - 22 - 0xffff); i--) {
    if (buf.readUInt32LE(i) === EOCD) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ArchiveError('not a valid zip file (no end of central directory)');
  const count = buf.readUInt16LE(eocd + 10);
  const cdOffset = buf.readUInt32LE(eocd + 16);
  if (count === 0xffff || cdOffset === 0xffffffff) throw new ArchiveError('zip64 archives are not supported');
  const entries: Entry[] = [];
  let p = cdOffset;
  for (let i = 0; i < count; i++) {
    if (p + 46 > buf.length || buf.readUInt32LE(p) !== CENTRAL) throw new ArchiveError('not a valid zip file (broken central directory)');
    const madeBy = buf.readUInt16LE(p + 4) >> 8;
    const flags = buf.readUInt16LE(p + 8);
    const method = buf.readUInt16LE(p + 10);
    const crc = buf.readUInt32LE(p + 16);
    const compressedSize = buf.readUInt32LE(p + 20);
    const size = buf.readUInt32LE(p + 24);
    const nameLength = buf.readUInt16LE(p + 28);
    const extraLength = buf.readUInt16LE(p + 30);
    const commentLength = buf.readUInt16LE(p + 32);
    const external = buf.readUInt32LE(p + 38);
    const localOffset = buf.readUInt32LE(p + 42);
    const name = buf.toString('utf8', p + 46, p + 46 + nameLength);
    p += 46 + nameLength + extraLength + commentLength;

    const unixMode = madeBy === 3 ? external >>> 16 : 0;
    const type = unixMode & S_IFMT;
    if (type !== 0 && type !== S_IFREG && type !== S_IFDIR) throw new ArchiveError(`unsafe entry "${name}": a link or special file`);
    if (name.endsWith('/') || name.endsWith('\\') || type === S_IFDIR) {
      budget.add(0);
      entries.push({ name, kind: 'dir' });
      continue;
    }
    if (flags & 1) throw new ArchiveError(`"${name}" is encrypted`);
    budget.add(size);
    if (localOffset + 30 > buf.length || buf.readUInt32LE(localOffset) !== LOCAL) throw new ArchiveError(`not a valid zip file (no local header for "${name}")`);
    const start = localOffset + 30 + buf.readUInt16LE(localOffset + 26) + buf.readUInt16LE(localOffset + 28);
    if (start + compressedSize > buf.length) throw new ArchiveError(`not a valid zip file ("${name}" is cut short)`);
    const raw = buf.subarray(start, start + compressedSize);
    let data: Buffer;
    if (method === 0) data = Buffer.from(raw);
    else if (method === 8) {
      try {
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, size) });
      } catch (err) {
        throw new ArchiveError(`cannot inflate "${name}": ${(err as Error).message}`);
      }
    } else throw new ArchiveError(`"${name}" uses compression method ${method}; only stored and deflate are supported`);
    if (data.length !== size || crc32(data) !== crc) throw new ArchiveError(`"${name}" is corrupt (size or checksum mismatch)`);
    entries.push({ name, kind: 'file', data });
  }
  return entries;
}

// ---------------------------------------------------------------- tar (ustar, pax, GNU long names)

function readTar(buf: Buffer, limits: ArchiveLimits): Entry[] {
  const budget = new Budget(limits);
  const entries: Entry[] = [];
  let p = 0;
  let longName: string | undefined;
  let paxPath: string | undefined;
  while (p + 512 <= buf.length) {
    const header = buf.subarray(p, p + 512);
    if (header.every((b) => b === 0)) break; // end of archive
    if (!checksumOk(header)) throw new ArchiveError('not a valid tar file (bad header checksum)');
    const type = String.fromCharCode(header[156]!);
    const size = octal(header.subarray(124, 136));
    const dataStart = p + 512;
    if (dataStart + size > buf.length) throw new ArchiveError('not a valid tar file (an entry is cut short)');
    const data = buf.subarray(dataStart, dataStart + size);
    p = dataStart + Math.ceil(size / 512) * 512;

    const ustar = header.toString('latin1', 257, 262) === 'ustar';
    const prefix = ustar ? cString(header.subarray(345, 500)) : '';
    const headerName = (prefix ? `${prefix}/` : '') + cString(header.subarray(0, 100));
    if (type === 'L') {
      longName = cString(data);
      continue;
    }
    if (type === 'x') {
      paxPath = paxRecord(data, 'path') ?? paxPath;
      continue;
    }
    if (type === 'g' || type === 'K') continue; // global pax header, GNU long link name
    const name = paxPath ?? longName ?? headerName;
    paxPath = undefined;
    longName = undefined;
    if (type === '5') {
      budget.add(0);
      entries.push({ name, kind: 'dir' });
    } else if (type === '0' || type === '\0' || type === '7') {
      budget.add(size);
      entries.push({ name, kind: 'file', data: Buffer.from(data) });
    } else {
      throw new ArchiveError(`unsafe entry "${name}": a ${type === '1' || type === '2' ? 'link' : 'special file'}`);
    }
  }
  return entries;
}

function checksumOk(header: Buffer): boolean {
  const stored = octal(header.subarray(148, 156));
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return sum === stored;
}

function octal(field: Buffer): number {
  if (field[0]! & 0x80) throw new ArchiveError('not a supported tar file (an entry too large for octal sizes)');
  const text = cString(field).trim();
  if (text === '') return 0;
  if (!/^[0-7]+$/.test(text)) throw new ArchiveError('not a valid tar file (a malformed number in a header)');
  return parseInt(text, 8);
}

function cString(field: Buffer): string {
  const end = field.indexOf(0);
  return field.toString('utf8', 0, end < 0 ? field.length : end);
}

/** A pax extended header's value for `key` ("<len> <key>=<value>\n" records). */
function paxRecord(data: Buffer, key: string): string | undefined {
  let value: string | undefined;
  let p = 0;
  while (p < data.length) {
    const space = data.indexOf(0x20, p);
    if (space < 0) break;
    const length = Number(data.toString('latin1', p, space));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = data.toString('utf8', space + 1, p + length - 1);
    const eq = record.indexOf('=');
    if (eq > 0 && record.slice(0, eq) === key) value = record.slice(eq + 1);
    p += length;
  }
  return value;
}
