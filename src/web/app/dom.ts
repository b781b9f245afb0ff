/** A tiny element builder: text always goes in as text (never parsed as HTML), handlers as listeners. */
export type Child = Node | string | number | null | undefined | false;
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);
export type Attrs = Record<string, AttrValue>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Attrs | null,
  ...children: Array<Child | Child[]>
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (typeof value === 'function') el.addEventListener(name.slice(2), value);
    else if (value === true) el.setAttribute(name, '');
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(el: Node, children: Array<Child | Child[]>): void {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.appendChild(typeof c === 'object' ? c : document.createTextNode(String(c)));
  }
}

/** Replaces an element's children. */
export function fill(el: Element, ...children: Array<Child | Child[]>): void {
  el.replaceChildren();
  append(el, children);
}

/** Text for screen readers only (e.g. a chart's data as a table). */
export const srOnly = (...children: Child[]): HTMLElement => h('span', { class: 'sr-only' }, ...children);

/** Announces `text` politely in the shared live region. */
export function announce(text: string): void {
  const region = document.getElementById('announcer');
  if (region) region.textContent = text;
}

const SVG = 'http://www.w3.org/2000/svg';

/** A small line of `values` (drawn as SVG: no style attributes, so the CSP allows it), labelled for screen readers. */
export function sparkline(values: readonly number[], label: string, width = 80, height = 20): SVGSVGElement {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('width', String(width));
  svg.setAttribute('height', String(height));
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'spark');
  const max = Math.max(...values, 0);
  if (values.length > 1) {
    const line = document.createElementNS(SVG, 'polyline');
    const step = width / (values.length - 1);
    line.setAttribute(
      'points',
      values
        .map(
          (v, i) =>
            `${(i * step).toFixed(1)},${(height - 1 - (max > 0 ? (v / max) * (height - 2) : 0)).toFixed(1)}`,
        )
        .join(' '),
    );
    svg.appendChild(line);
  }
  return svg;
}
