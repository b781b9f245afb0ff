import type { FlagSpec } from '../cli/flags.ts';

/** `kubefwd tui`'s flags, apart from the UI so the command table and completion load no React. */
export const TUI_FLAGS: readonly FlagSpec[] = [
  {
    name: 'api-addr',
    kind: 'string',
    help: "the daemon's REST API address IP:PORT",
    defaultText: '127.2.27.1:80',
  },
  { name: 'api-url', kind: 'string', help: "the daemon's REST API URL (wins over --api-addr)" },
  {
    name: 'api-key',
    kind: 'string',
    help: 'API key (else KUBEFWD_API_KEY, else the api-key file of the state directory when readable)',
  },
  {
    name: 'theme',
    kind: 'string',
    help: 'colours: dark or light (or KUBEFWD_THEME; NO_COLOR turns them off)',
    defaultText: 'dark',
  },
  { name: 'help', short: 'h', kind: 'bool', help: 'show this help' },
];

/** `svc --tui` and `svc --tui=true` run the UI with the daemon. */
export const wantsTui = (argv: readonly string[]): boolean =>
  argv.some((a) => a === '--tui' || (a.startsWith('--tui=') && a !== '--tui=false'));
