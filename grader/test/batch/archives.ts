/**
 * Archive writers for the batch tests: zip and tar built byte by byte, so that the tests can
 * make any entry they need (including the hostile ones no archiver would write) on any machine.
 */
import { deflateRawSync, gzipSync } from 'node:zlib';
import { crc32 } from '../../src/package/zip.ts';

export interface ArchiveEntry {
  name: string;
  /** File contents; absent for a folder (its name should end with "/"). */
  data?: string | Buffer;
  /** Zip: a Unix symlink; tar: type "2". */
  symlink?: string;
}

export function zip(entries: ArchiveEntry[], options: { deflate?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    const raw = Buffer.from(entry.symlink ?? entry.data ?? '');
    const method = options.deflate && entry.data !== undefined ? 8 : 0;
    const body = method === 8 ? deflateRawSync(raw) : raw;
    const crc = crc32(raw);
    const mode = entry.symlink ? 0o120777 : entry.data === undefined ? 0o040755 : 0o100644;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6); // UTF-8 names
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(raw.length, 22);
    local.writeUInt16LE(name.length, 26);
    locals.push(local, name, body);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE((3 << 8) | 20, 4); // made by Unix
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(method, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(raw.length, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE((mode << 16) >>> 0, 38);
    central.writeUInt32LE(offset, 42);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

function tarHeader(name: string, size: number, type: string, link = ''): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(size.toString(8).padStart(11, '0') + '\0', 124);
  header.write('00000000000\0', 136);
  header.write('        ', 148);
  header.write(type, 156);
  header.write(link, 157, 100, 'utf8');
  header.write('ustar\0', 257);
  header.write('00', 263);
  let sum = 0;
  for (const byte of header) sum += byte;
  header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
  return header;
}

const pad = (n: number) => Buffer.alloc((512 - (n % 512)) % 512);

/** A tar; names longer than 100 bytes get a pax header, as modern tars write them. */
export function tar(entries: ArchiveEntry[], options: { gzip?: boolean } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    if (Buffer.byteLength(entry.name) > 100) {
      const body = `path=${entry.name}\n`;
      // "<length> path=<name>\n", where the length counts its own digits too.
      let length = Buffer.byteLength(body) + 2;
      while (String(length).length + 1 + Buffer.byteLength(body) !== length) length = String(length).length + 1 + Buffer.byteLength(body);
      const data = Buffer.from(`${length} ${body}`);
      blocks.push(tarHeader('PaxHeader', data.length, 'x'), data, pad(data.length));
    }
    const short = entry.name.slice(0, 100);
    if (entry.symlink !== undefined) blocks.push(tarHeader(short, 0, '2', entry.symlink));
    else if (entry.data === undefined) blocks.push(tarHeader(short, 0, '5'));
    else {
      const data = Buffer.from(entry.data);
      blocks.push(tarHeader(short, data.length, '0'), data, pad(data.length));
    }
  }
  blocks.push(Buffer.alloc(1024));
  const out = Buffer.concat(blocks);
  return options.gzip ? gzipSync(out) : out;
}
