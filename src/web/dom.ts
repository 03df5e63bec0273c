/**
 * A few lines instead of a framework: elements built with text nodes only (never innerHTML), so a
 * customer's name or a chat message can never become markup.
 */
type Child = Node | string | number | null | undefined | false;

/** `el('p', { class: 'x' }, 'text', child)`: attributes as strings, `on*` as listeners. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K, attrs: Record<string, string | boolean | ((e: Event) => void) | undefined> = {}, ...children: Child[]
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    if (typeof v === 'function') e.addEventListener(k.slice(2).toLowerCase(), v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) e.append(typeof c === 'number' ? String(c) : c);
  return e;
}

/** Replace what `parent` shows. */
export function show(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((c): c is Node | string => c !== null && c !== undefined && c !== false).map((c) => (typeof c === 'number' ? String(c) : c)));
}

/** A labelled input (label and field tied by id, for screen readers and tapping). */
export function field(id: string, label: string, attrs: Record<string, string | boolean> = {}): { row: HTMLElement; input: HTMLInputElement } {
  const input = el('input', { id, name: id, ...attrs });
  return { row: el('p', { class: 'field' }, el('label', { for: id }, label), input), input };
}
