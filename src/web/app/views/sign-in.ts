import { h } from '../dom.ts';
import { signInMessage } from '../session.ts';
import type { View } from '../ui.ts';

/** Asks for an API key; a refused key gets the daemon's reason in words, next to the field. */
export function signInView(enter: (key: string) => Promise<void>, message?: string): View {
  const input = h('input', {
    id: 'api-key',
    name: 'api-key',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'api-key-help sign-in-error',
  });
  const error = h('p', { id: 'sign-in-error', class: 'message message-error', role: 'alert' }, message ?? '');
  const submit = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    { class: 'sign-in', 'aria-labelledby': 'view-title' },
    h('h1', { id: 'view-title' }, 'Sign in to kubefwd'),
    h('label', { for: 'api-key' }, 'API key'),
    input,
    h(
      'p',
      { id: 'api-key-help', class: 'help' },
      'The key kubefwd printed at start, or one from its key file. It is kept in this tab only and sent only as a bearer header.',
    ),
    submit,
    error,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const key = input.value.trim();
    if (!key) return;
    submit.disabled = true;
    error.textContent = '';
    enter(key).catch((err: unknown) => {
      submit.disabled = false;
      error.textContent = signInMessage(err);
      input.focus();
    });
  });
  queueMicrotask(() => input.focus());
  return { element: form };
}
