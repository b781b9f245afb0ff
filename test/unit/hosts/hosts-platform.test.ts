import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import {
  backupPathFor,
  dnsFlushCommands,
  hostsPathFor,
  isWriterAlive,
  maxNamesPerLine,
  processIdentity,
  sudoOwner,
} from '../../../src/hosts/hosts-platform.ts';

describe('hosts platform facts', () => {
  it("knows each platform's hosts path, line limit and DNS flush", () => {
    expect(hostsPathFor('linux')).toBe('/etc/hosts');
    expect(hostsPathFor('darwin')).toBe('/etc/hosts');
    expect(hostsPathFor('win32', { SystemRoot: 'D:\\Win\\' })).toBe('D:\\Win\\System32\\drivers\\etc\\hosts');
    expect(hostsPathFor('win32', {})).toBe('C:\\Windows\\System32\\drivers\\etc\\hosts');
    expect(maxNamesPerLine('win32')).toBe(9);
    expect(maxNamesPerLine('linux')).toBe(0);
    expect(dnsFlushCommands('darwin')).toEqual([
      ['dscacheutil', ['-flushcache']],
      ['killall', ['-HUP', 'mDNSResponder']],
    ]);
    expect(dnsFlushCommands('win32')).toEqual([['ipconfig', ['/flushdns']]]);
    expect(dnsFlushCommands('linux')).toEqual([]);
  });

  it("puts ~/hosts.original in the invoking user's home under sudo", () => {
    expect(backupPathFor({ SUDO_USER: 'ana' }, 'linux', '/root')).toBe('/home/ana/hosts.original');
    expect(backupPathFor({ SUDO_USER: 'ana' }, 'darwin', '/var/root')).toBe('/Users/ana/hosts.original');
    expect(backupPathFor({ SUDO_USER: 'root' }, 'linux', '/root')).toBe('/root/hosts.original');
    expect(backupPathFor({ SUDO_USER: '../etc' }, 'linux', '/root')).toBe('/root/hosts.original');
    expect(backupPathFor({}, 'linux', '/home/bo')).toBe('/home/bo/hosts.original');
    expect(sudoOwner({ SUDO_UID: '1000', SUDO_GID: '1001' })).toEqual({ uid: 1000, gid: 1001 });
    expect(sudoOwner({})).toBeUndefined();
  });

  it('tells a live writer from a dead one, a reused pid or a previous boot', () => {
    const me = processIdentity();
    expect(isWriterAlive({ pid: process.pid, ...me })).toBe(true);
    const exited = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))']);
    expect(isWriterAlive({ pid: Number(exited.stdout.toString()) })).toBe(false);
    expect(isWriterAlive({ pid: 0 })).toBe(false);
    if (me.start) expect(isWriterAlive({ pid: process.pid, start: `${me.start}9` })).toBe(false);
    if (me.boot) expect(isWriterAlive({ pid: process.pid, boot: 'another-boot' })).toBe(false);
  });
});
