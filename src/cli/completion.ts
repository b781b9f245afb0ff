import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import YAML from 'yaml';
import { COMMANDS, SHELLS, type Command } from './commands.ts';
import type { FlagSpec } from './flags.ts';
import type { CommandIo } from './io.ts';

/** Flags whose value is a context, a namespace, or a file, by long name. */
const VALUE_KINDS: Record<string, 'contexts' | 'namespaces' | 'file'> = {
  context: 'contexts',
  namespace: 'namespaces',
  kubeconfig: 'file',
  'hosts-path': 'file',
  'fwd-conf': 'file',
  'state-dir': 'file',
  fixture: 'file',
};

const visible = (): Command[] => COMMANDS.filter((c) => !c.hidden);
const namesOf = (c: Command): string[] => [c.name, ...(c.aliases ?? [])];
const flagWords = (flags: readonly FlagSpec[]): string[] =>
  flags.flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])]);
const flagsTaking = (kind: string): string[] =>
  COMMANDS.flatMap((c) => c.flags ?? [])
    .filter((f) => VALUE_KINDS[f.name] === kind)
    .flatMap((f) => [`--${f.name}`, ...(f.short ? [`-${f.short}`] : [])])
    .filter((w, i, all) => all.indexOf(w) === i);
const quote = (words: readonly string[]): string => words.join(' ');

function bashScript(): string {
  const svc = COMMANDS.find((c) => c.name === 'svc') as Command;
  const cases = visible()
    .map(
      (c) =>
        `    ${namesOf(c).join('|')}) words="${quote([...(c.words?.() ?? []), ...flagWords(c.flags ?? [])])}" ;;`,
    )
    .join('\n');
  return `# bash completion for kubefwd: source <(kubefwd completion bash)
_kubefwd() {
  local cur="\${COMP_WORDS[COMP_CWORD]}" prev="\${COMP_WORDS[COMP_CWORD-1]}" self="\${COMP_WORDS[0]}"
  local kc=() i
  for ((i = 1; i < COMP_CWORD; i++)); do
    case "\${COMP_WORDS[i]}" in -c|--kubeconfig) kc=(--kubeconfig "\${COMP_WORDS[i+1]}") ;; esac
  done
  case "$prev" in
    ${flagsTaking('contexts').join('|')})
      mapfile -t COMPREPLY < <(compgen -W "$("$self" __complete contexts "\${kc[@]}" 2>/dev/null)" -- "$cur"); return ;;
    ${flagsTaking('namespaces').join('|')})
      mapfile -t COMPREPLY < <(compgen -W "$("$self" __complete namespaces "\${kc[@]}" 2>/dev/null)" -- "$cur"); return ;;
    ${flagsTaking('file').join('|')})
      mapfile -t COMPREPLY < <(compgen -f -- "$cur"); return ;;
  esac
  local cmd="\${COMP_WORDS[1]}" words
  if ((COMP_CWORD == 1)); then
    words="${quote([...visible().map((c) => c.name), ...flagWords(svc.flags ?? [])])}"
  else
    case "$cmd" in
${cases}
      -*) words="${quote(flagWords(svc.flags ?? []))}" ;;
      *) words="" ;;
    esac
  fi
  mapfile -t COMPREPLY < <(compgen -W "$words" -- "$cur")
}
complete -o default -F _kubefwd kubefwd
`;
}

function zshScript(): string {
  const svc = COMMANDS.find((c) => c.name === 'svc') as Command;
  const cases = visible()
    .map(
      (c) =>
        `    (${namesOf(c).join('|')}) words=(${quote([...(c.words?.() ?? []), ...flagWords(c.flags ?? [])])}) ;;`,
    )
    .join('\n');
  const described = visible().map((c) => `'${c.name}:${c.summary.replaceAll("'", '')}'`);
  return `#compdef kubefwd
# zsh completion for kubefwd: source <(kubefwd completion zsh)
_kubefwd() {
  local cur=\${words[CURRENT]} prev=\${words[CURRENT-1]} self=\${words[1]}
  local -a kc list
  local i
  for (( i = 2; i < CURRENT; i++ )); do
    case \${words[i]} in (-c|--kubeconfig) kc=(--kubeconfig \${words[i+1]}) ;; esac
  done
  case $prev in
    (${flagsTaking('contexts').join('|')})
      list=(\${(f)"$($self __complete contexts $kc 2>/dev/null)"}); compadd -a list; return ;;
    (${flagsTaking('namespaces').join('|')})
      list=(\${(f)"$($self __complete namespaces $kc 2>/dev/null)"}); compadd -a list; return ;;
    (${flagsTaking('file').join('|')})
      _files; return ;;
  esac
  if (( CURRENT == 2 )); then
    local -a commands=(${described.join(' ')})
    _describe command commands
    list=(${quote(flagWords(svc.flags ?? []))}); compadd -a list
    return
  fi
  local -a words
  case \${words[2]} in
${cases}
    (-*) words=(${quote(flagWords(svc.flags ?? []))}) ;;
  esac
  compadd -a words
}
if (( $+functions[compdef] )); then compdef _kubefwd kubefwd; fi
`;
}

function fishScript(): string {
  const names = visible().flatMap(namesOf);
  const lines = [
    '# fish completion for kubefwd: kubefwd completion fish | source',
    'complete -c kubefwd -f',
    ...visible().map(
      (c) => `complete -c kubefwd -n '__fish_use_subcommand' -a ${c.name} -d ${JSON.stringify(c.summary)}`,
    ),
  ];
  for (const c of visible()) {
    const when =
      c.name === 'svc'
        ? `not __fish_seen_subcommand_from ${names.filter((n) => !namesOf(c).includes(n)).join(' ')}`
        : `__fish_seen_subcommand_from ${namesOf(c).join(' ')}`;
    const words = c.words?.() ?? [];
    if (words.length > 0) lines.push(`complete -c kubefwd -n '${when}' -a '${words.join(' ')}'`);
    for (const f of c.flags ?? []) {
      const kind = VALUE_KINDS[f.name];
      const args =
        kind === 'file'
          ? ' -r -F'
          : kind
            ? ` -x -a '(kubefwd __complete ${kind} (__fish_kubefwd_kubeconfig))'`
            : f.kind === 'bool'
              ? ''
              : ' -x';
      const short = f.short ? ` -s ${f.short}` : '';
      lines.push(`complete -c kubefwd -n '${when}'${short} -l ${f.name}${args} -d ${JSON.stringify(f.help)}`);
    }
  }
  lines.push(
    'function __fish_kubefwd_kubeconfig',
    '  set -l words (commandline -opc)',
    '  for i in (seq (count $words))',
    '    if contains -- $words[$i] -c --kubeconfig; and test $i -lt (count $words)',
    '      echo --kubeconfig; echo $words[(math $i + 1)]',
    '    end',
    '  end',
    'end',
  );
  return `${lines.join('\n')}\n`;
}

const SCRIPTS: Record<(typeof SHELLS)[number], () => string> = {
  bash: bashScript,
  zsh: zshScript,
  fish: fishScript,
};

export function runCompletionCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const shell = argv[0] as (typeof SHELLS)[number] | undefined;
  if (!shell || !(shell in SCRIPTS) || argv.length > 1) {
    io.stderr.write(`kubefwd: completion needs one shell: ${SHELLS.join(', ')}\n`);
    return Promise.resolve(2);
  }
  io.stdout.write(SCRIPTS[shell]());
  return Promise.resolve(0);
}

interface KubeconfigFile {
  contexts?: Array<{ name?: string; context?: { namespace?: string } }>;
}

/** The kubeconfig files kubectl would read; unreadable ones are skipped (completion must never fail loudly). */
function kubeconfigFiles(argv: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const i = argv.indexOf('--kubeconfig');
  const flag = i === -1 ? undefined : argv[i + 1];
  if (flag) return [flag];
  if (env.KUBECONFIG) return env.KUBECONFIG.split(process.platform === 'win32' ? ';' : ':').filter(Boolean);
  return [join(env.HOME ?? homedir(), '.kube', 'config')];
}

/**
 * `kubefwd __complete contexts|namespaces`: names read from the kubeconfig alone, no cluster asked, so a Tab press
 * costs a file read (namespaces are those the contexts name, plus default).
 */
export function runCompleteCommand(argv: readonly string[], io: CommandIo): Promise<number> {
  const what = argv[0];
  const values = new Set<string>(what === 'namespaces' ? ['default'] : []);
  for (const file of kubeconfigFiles(argv.slice(1), io.env)) {
    if (!existsSync(file)) continue;
    let doc: KubeconfigFile | undefined;
    try {
      doc = YAML.parse(readFileSync(file, 'utf8')) as KubeconfigFile | undefined;
    } catch {
      continue;
    }
    for (const c of doc?.contexts ?? []) {
      const value = what === 'contexts' ? c.name : c.context?.namespace;
      if (value) values.add(value);
    }
  }
  if (what !== 'contexts' && what !== 'namespaces') return Promise.resolve(2);
  for (const v of values) io.stdout.write(`${v}\n`);
  return Promise.resolve(0);
}
