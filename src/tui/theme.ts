/** Colours by role; `undefined` means the terminal's own colour (and NO_COLOR turns every role off). */
export interface Theme {
  name: 'dark' | 'light' | 'none';
  accent: string | undefined;
  dim: string | undefined;
  active: string | undefined;
  pending: string | undefined;
  error: string | undefined;
  selectedBg: string | undefined;
  selectedFg: string | undefined;
  border: string | undefined;
}

const DARK: Theme = {
  name: 'dark',
  accent: 'cyan',
  dim: 'gray',
  active: 'green',
  pending: 'yellow',
  error: 'red',
  selectedBg: 'blue',
  selectedFg: 'white',
  border: 'gray',
};

// Light terminals: no yellow or cyan on white (unreadable in the original), darker tones and a pale selection.
const LIGHT: Theme = {
  name: 'light',
  accent: 'blue',
  dim: 'blackBright',
  active: 'green',
  pending: 'magenta',
  error: 'redBright',
  selectedBg: 'cyanBright',
  selectedFg: 'black',
  border: 'blackBright',
};

const NONE: Theme = {
  name: 'none',
  accent: undefined,
  dim: undefined,
  active: undefined,
  pending: undefined,
  error: undefined,
  selectedBg: undefined,
  selectedFg: undefined,
  border: undefined,
};

export const THEME_NAMES = ['dark', 'light'] as const;

/** `--theme` wins over KUBEFWD_THEME; NO_COLOR (any non-empty value) wins over both. */
export function resolveTheme(flag: string | undefined, env: NodeJS.ProcessEnv): Theme {
  const name = flag ?? env.KUBEFWD_THEME ?? 'dark';
  if (name !== 'light' && name !== 'dark')
    throw new Error(`invalid theme "${name}": expected ${THEME_NAMES.join(' or ')}`);
  if (env.NO_COLOR) return NONE;
  return name === 'light' ? LIGHT : DARK;
}

export function statusColor(theme: Theme, status: string): string | undefined {
  if (status === 'active') return theme.active;
  if (status === 'error') return theme.error;
  return theme.pending;
}
