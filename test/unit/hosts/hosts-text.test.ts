import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  BEGIN,
  END,
  appendBlock,
  isKubefwdRange,
  parseHosts,
  parseHostsText,
  parseIpRange,
  purgeRange,
  renderHosts,
  stripBlocks,
} from '../../../src/hosts/hosts-text.ts';

const header = { pid: 7, run: 'r1' };
const entries = [
  { ip: '127.1.27.1', hostnames: ['api', 'api.default'] },
  { ip: '127.1.27.2', hostnames: ['db'] },
];

/** Foreign lines: anything printable, tabs, comments, even lines that mention kubefwd, but never our exact markers. */
const foreignLine = fc
  .oneof(
    fc.stringMatching(/^[ -~\t]{0,40}$/),
    fc.constantFrom(
      '127.0.0.1\tlocalhost',
      '::1 localhost # inline',
      '# kubefwd was here',
      '',
      '  ',
      '10.0.0.1 a b',
    ),
  )
  .filter((l) => !l.startsWith(BEGIN) && !l.startsWith(END));
const foreignText = fc
  .tuple(fc.array(foreignLine, { maxLength: 8 }), fc.constantFrom('\n', '\r\n'), fc.boolean())
  .map(([lines, eol, trailing]) => lines.join(eol) + (trailing && lines.length ? eol : ''));

describe('hosts text: parse and render', () => {
  it('render(parse(text)) gives back any text byte for byte', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (text) => {
        expect(renderHosts(parseHostsText(text))).toBe(text);
      }),
      { numRuns: 500 },
    );
  });

  it('parse → render → parse is stable, and our entries are read back', () => {
    fc.assert(
      fc.property(foreignText, fc.constantFrom(0, 9), (original, perLine) => {
        const text = appendBlock(original, header, entries, perLine);
        const once = parseHostsText(text);
        expect(parseHostsText(renderHosts(once))).toEqual(once);
        const blocks = once.filter((s) => s.kind === 'block');
        expect(blocks).toHaveLength(1);
        expect(blocks[0]?.kind === 'block' && blocks[0].entries).toEqual(entries);
      }),
    );
  });

  it('append then strip gives back the original bytes (CRLF, no trailing newline, empty)', () => {
    fc.assert(
      fc.property(foreignText, (original) => {
        const withBlock = appendBlock(original, header, entries);
        expect(parseHosts(withBlock)).toContainEqual({ ip: '127.1.27.1', names: ['api', 'api.default'] });
        if (original.includes('\r\n')) expect(withBlock.slice(original.length)).not.toMatch(/[^\r]\n/);
        expect(stripBlocks(withBlock, (b) => b.run === 'r1').text).toBe(original);
        expect(stripBlocks(withBlock, () => false).text).toBe(withBlock);
      }),
    );
  });

  it("several runs' blocks removed in any order give back the original bytes", () => {
    fc.assert(
      fc.property(
        foreignText,
        fc
          .integer({ min: 1, max: 4 })
          .chain((n) => fc.shuffledSubarray([...Array(n).keys()], { minLength: n, maxLength: n })),
        (original, order) => {
          let text = original;
          for (let i = 0; i < order.length; i++)
            text = appendBlock(text, { pid: 100 + i, run: `r${i}` }, entries);
          for (const i of order) text = stripBlocks(text, (b) => b.run === `r${i}`).text;
          expect(text).toBe(original);
        },
      ),
    );
  });

  it('keeps lines another program appended after our block, and the line break before them', () => {
    const original = '127.0.0.1 localhost';
    const withBlock = appendBlock(original, header, entries);
    expect(withBlock.startsWith(`${original}\n${BEGIN} pid=7 run=r1 nl=1\n`)).toBe(true);
    const appended = `${withBlock}10.0.0.9 other\n`;
    expect(stripBlocks(appended, () => true).text).toBe(`${original}\n10.0.0.9 other\n`);
  });

  it('ends a block cut short at the first line that is not ours', () => {
    const text = `a\n${BEGIN} pid=1 run=x\n127.1.27.1 api api.ns\n10.0.0.1 foreign # comment\n`;
    const segments = parseHostsText(text);
    expect(segments.map((s) => s.kind)).toEqual(['text', 'block', 'text']);
    expect(stripBlocks(text, () => true).text).toBe('a\n10.0.0.1 foreign # comment\n');
  });

  it('reads the writer identity from the header', () => {
    const text = appendBlock('', { pid: 42, run: 'abc', start: '123', boot: 'b-1' }, entries);
    expect(stripBlocks(text, () => false).blocks).toEqual([
      { pid: 42, run: 'abc', start: '123', boot: 'b-1', addedNewline: false },
    ]);
  });

  it("writes at most 9 names per line where asked (Windows), in the file's line endings", () => {
    const names = Array.from({ length: 20 }, (_, i) => `n${i}`);
    const text = appendBlock('', header, [{ ip: '127.1.27.1', hostnames: names }], 9, '\r\n');
    expect(parseHosts(text).map((l) => l.names.length)).toEqual([9, 9, 2]);
    expect(text.split('\r\n')).toHaveLength(6);
    expect(text.replace(/\r\n/g, '')).not.toContain('\n');
    expect(appendBlock('x\n', header, [{ ip: '127.1.27.1', hostnames: [] }])).toBe('x\n');
  });
});

describe('hosts text: purge', () => {
  it('drops foreign lines in the kubefwd range only, never our block', () => {
    const block = appendBlock('', header, [{ ip: '127.1.27.3', hostnames: ['mine'] }]);
    const text = `127.0.0.1 localhost\r\n127.1.27.5 old\r\n127.1.26.9 keep\r\n127.2.27.1 kubefwd.internal\r\n${block}`;
    expect(purgeRange(text)).toEqual({
      text: `127.0.0.1 localhost\r\n127.1.26.9 keep\r\n${block}`,
      removed: 2,
    });
  });

  it('takes CIDR and from-to ranges', () => {
    expect(purgeRange('10.1.2.3 a\n10.2.0.1 b\n', [parseIpRange('10.1.0.0/16')])).toEqual({
      text: '10.2.0.1 b\n',
      removed: 1,
    });
    expect(parseIpRange('127.1.27.0-127.1.27.255')).toEqual({ from: 2130778880, to: 2130779135 });
    expect(() => parseIpRange('nonsense')).toThrow(/not an IPv4 range/);
    expect(isKubefwdRange('127.1.27.0')).toBe(true);
    expect(isKubefwdRange('127.1.26.255')).toBe(false);
    expect(isKubefwdRange('127.0.0.1')).toBe(false);
  });
});
