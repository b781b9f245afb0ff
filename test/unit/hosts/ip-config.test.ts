import { describe, expect, it } from 'vitest';
import {
  mergeReservations,
  parseFwdConfText,
  parseReservations,
  reservationNames,
} from '../../../src/hosts/ip-config.ts';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code;
  }
  return undefined;
};

describe('-r reservations', () => {
  it('splits NAME:IP at the first colon and lowercases the name', () => {
    expect(parseReservations(['API.Dev:127.1.27.9', 'db.data.ctx:127.3.0.4'])).toEqual([
      { name: 'api.dev', ip: '127.1.27.9', source: 'reserve' },
      { name: 'db.data.ctx', ip: '127.3.0.4', source: 'reserve' },
    ]);
  });

  it.each([
    ['nocolon', /expected NAME:IP/],
    [':127.1.27.1', /expected NAME:IP/],
    ['web:', /expected NAME:IP/],
    ['web:10.0.0.1', /not in the loopback range/],
    ['web:127.1.27', /not an IPv4 address/],
    ['web:127.1.27.256', /not an IPv4 address/],
    ['web:127.0.0.1', /cannot be reserved/],
    ['web:127.1.27.0', /cannot be reserved/],
    ['web:127.1.27.255', /cannot be reserved/],
    ['we b:127.1.27.3', /not a service name/],
  ])('refuses %j with a clear CONFIG_INVALID', (entry, message) => {
    expect(() => parseReservations([entry])).toThrow(message);
    expect(codeOf(() => parseReservations([entry]))).toBe('CONFIG_INVALID');
  });
});

describe('-z file', () => {
  it('reads baseUnreservedIP and serviceConfigurations', () => {
    const conf = parseFwdConfText(
      'baseUnreservedIP: 127.10.0.1\nserviceConfigurations:\n  - name: Api\n    ip: 127.10.0.50\n  - name: db.data\n    ip: 127.10.0.51\n',
    );
    expect(conf).toEqual({
      base: '127.10.0.1',
      reservations: [
        { name: 'api', ip: '127.10.0.50', source: 'fwd-conf' },
        { name: 'db.data', ip: '127.10.0.51', source: 'fwd-conf' },
      ],
    });
    expect(parseFwdConfText('')).toEqual({ base: undefined, reservations: [] });
    expect(parseFwdConfText('# only a comment\n')).toEqual({ base: undefined, reservations: [] });
  });

  it.each([
    ['baseUnreservedIP: [1, 2\n', /not valid YAML/],
    ['- a\n- b\n', /expected a mapping/],
    ['baseUnreservedIP: 10.0.0.1\n', /not a 127.x.y.z/],
    ['baseUnreservedIP: 127.1.27.255\n', /\.0 or \.255/],
    ['baseUnreservedIP: 12\n', /must be a string/],
    ['serviceConfigurations: {name: a}\n', /must be a list/],
    [
      'serviceConfigurations:\n  - name: a\n',
      /serviceConfigurations\[0\] needs a string name and a string ip/,
    ],
    ['serviceConfigurations:\n  - 7\n', /serviceConfigurations\[0\] must be a mapping/],
    ['serviceConfigurations:\n  - {name: a, ip: 192.168.1.1}\n', /not in the loopback range/],
    [
      'serviceConfigurations:\n  - {name: a, ip: 127.1.27.9}\n  - {name: b, ip: 127.1.27.9}\n',
      /reserved for both a and b/,
    ],
    ['services: []\n', /unknown key "services"/],
  ])('refuses %j', (text, message) => {
    expect(() => parseFwdConfText(text, '--fwd-conf x.yaml')).toThrow(message);
    expect(codeOf(() => parseFwdConfText(text))).toBe('CONFIG_INVALID');
  });

  it('lets -r override a -z entry of the same name, and refuses an IP given to two names', () => {
    const cli = parseReservations(['api:127.1.27.77']);
    const conf = parseFwdConfText(
      'serviceConfigurations:\n  - {name: api, ip: 127.1.27.50}\n  - {name: db, ip: 127.1.27.51}\n',
    );
    expect(mergeReservations(cli, conf.reservations).map((r) => `${r.name}:${r.ip}`)).toEqual([
      'api:127.1.27.77',
      'db:127.1.27.51',
    ]);
    expect(() => mergeReservations(parseReservations(['web:127.1.27.51']), conf.reservations)).toThrow(
      /reserved for both web and db/,
    );
  });
});

describe('reservation names', () => {
  const s = { service: 'api', namespace: 'dev', context: 'kind' };
  it('accepts bare names only in the first namespace of the first context', () => {
    const first = reservationNames(s, { contextIndex: 0, namespaceIndex: 0 });
    expect(first).toEqual(
      expect.arrayContaining([
        'api',
        'api.svc',
        'api.kind',
        'api.dev',
        'api.dev.svc.cluster.local',
        'api.dev.kind',
      ]),
    );
    const laterNs = reservationNames(s, { contextIndex: 0, namespaceIndex: 1 });
    expect(laterNs).not.toContain('api');
    expect(laterNs).toContain('api.dev');
    const laterCtx = reservationNames(s, { contextIndex: 1, namespaceIndex: 0 });
    expect(laterCtx).toContain('api.kind');
    expect(laterCtx).not.toContain('api.dev');
    expect(reservationNames(s, { contextIndex: 1, namespaceIndex: 1 })).toEqual([
      'api.dev.kind',
      'api.dev.svc.kind',
      'api.dev.svc.cluster.kind',
    ]);
  });

  it('matches a headless pod by pod.svc and by its pod name', () => {
    const names = reservationNames(
      { ...s, service: 'db', pod: 'db-0' },
      { contextIndex: 0, namespaceIndex: 0 },
    );
    expect(names).toEqual(expect.arrayContaining(['db-0.db', 'db-0', 'db-0.db.dev', 'db-0.dev']));
    expect(names).not.toContain('db');
  });
});
