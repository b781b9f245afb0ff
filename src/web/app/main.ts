import './styles.css';
import { h, fill } from './dom.ts';
import { createLive, type Live } from './live.ts';
import { signIn, signInMessage, storedKey, type Session } from './session.ts';
import type { View, ViewContext } from './ui.ts';
import { browseView } from './views/browse.ts';
import { diagnosticsView } from './views/diagnostics.ts';
import { eventsView } from './views/events.ts';
import { logsView } from './views/logs.ts';
import { overviewView } from './views/overview.ts';
import { portForwardsView } from './views/portforwards.ts';
import { serviceDetailView } from './views/service-detail.ts';
import { servicesView } from './views/services.ts';
import { signInView } from './views/sign-in.ts';

const NAV: Array<[hash: string, label: string]> = [
  ['#/', 'Overview'],
  ['#/services', 'Services'],
  ['#/portforwards', 'Port-forwards'],
  ['#/events', 'Events'],
  ['#/diagnostics', 'Diagnostics'],
  ['#/logs', 'Logs'],
  ['#/browse', 'Browse'],
];

function route(ctx: ViewContext, hash: string): View {
  const path = hash.replace(/^#/, '') || '/';
  const service = /^\/services\/(.+)$/.exec(path);
  if (service?.[1]) return serviceDetailView(ctx, decodeURIComponent(service[1]));
  switch (path) {
    case '/services':
      return servicesView(ctx);
    case '/portforwards':
      return portForwardsView(ctx);
    case '/events':
      return eventsView(ctx);
    case '/diagnostics':
      return diagnosticsView(ctx);
    case '/logs':
      return logsView(ctx);
    case '/browse':
      return browseView(ctx);
    default:
      return overviewView(ctx);
  }
}

/** Lays out the signed-in page and routes by hash; returns what undoes it (sign-out). */
function shell(session: Session, live: Live, version: string, root: HTMLElement): () => void {
  const main = h('main', { id: 'main', tabindex: '-1' });
  const links = NAV.map(([hash, label]) => h('a', { href: hash }, label));
  const stream = h('span', { class: 'stream', role: 'status' });
  const scope = h('p', { class: 'scope-banner', role: 'note', hidden: true });
  const showScope = (): void => {
    scope.hidden = session.readOnly === undefined;
    scope.textContent = session.readOnly ? `Controls are disabled: ${session.readOnly}` : '';
  };
  session.onChange(showScope);
  showScope();
  live.subscribe(() => {
    const s = live.stream();
    stream.textContent = s.open ? 'Live' : `Disconnected${s.detail ? `: ${s.detail}` : ''}`;
    stream.className = `stream ${s.open ? 'stream-open' : 'stream-closed'}`;
  });
  fill(
    root,
    h(
      'a',
      { class: 'skip', href: '#main', onclick: (e) => (e.preventDefault(), main.focus()) },
      'Skip to content',
    ),
    h(
      'header',
      { class: 'top' },
      h('span', { class: 'brand' }, 'kubefwd'),
      h(
        'nav',
        { 'aria-label': 'Views' },
        h(
          'ul',
          null,
          links.map((a) => h('li', null, a)),
        ),
      ),
      stream,
      h('button', { type: 'button', class: 'link', onclick: () => session.signOut() }, 'Sign out'),
    ),
    scope,
    main,
    h('div', { id: 'announcer', class: 'sr-only', 'aria-live': 'polite' }),
  );
  let current: View | undefined;
  const ctx: ViewContext = {
    session,
    client: session.client,
    live,
    version,
    navigate: (hash) => {
      location.hash = hash;
    },
  };
  const show = (): void => {
    current?.destroy?.();
    current = route(ctx, location.hash);
    fill(main, current.element);
    const path = location.hash || '#/';
    for (const a of links) {
      const here =
        a.getAttribute('href') === path ||
        (path.startsWith('#/services/') && a.getAttribute('href') === '#/services');
      if (here) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    }
    document.title = `${current.element.querySelector('h1')?.textContent ?? 'kubefwd'} · kubefwd`;
    if (document.activeElement !== document.body) current.element.querySelector<HTMLElement>('h1')?.focus();
  };
  window.addEventListener('hashchange', show);
  show();
  return () => {
    window.removeEventListener('hashchange', show);
    current?.destroy?.();
  };
}

async function start(root: HTMLElement): Promise<void> {
  let live: Live | undefined;
  let teardown: (() => void) | undefined;
  const signedOut = (): void => {
    teardown?.();
    live?.close();
    live = undefined;
    location.hash = '';
    showSignIn();
  };
  const enter = async (key: string): Promise<void> => {
    const session = await signIn(key, signedOut);
    const info = await session.client.call(session.client.api.GET('/api/v1/info'));
    live = createLive(session);
    teardown = shell(session, live, info.version, root);
  };
  const showSignIn = (message?: string): void => {
    fill(root, h('main', { id: 'main' }, signInView(enter, message).element));
  };
  const key = storedKey();
  if (!key) return showSignIn();
  try {
    await enter(key);
  } catch (err) {
    showSignIn(signInMessage(err));
  }
}

const root = document.getElementById('app');
if (root) void start(root);
