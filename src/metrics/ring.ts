import { KubefwdError } from '../errors.ts';

/**
 * A bounded ring buffer: memory stays fixed however long the daemon runs. Storage grows with use up to `capacity`,
 * so a ring that sees three items costs three slots, not `capacity`.
 */
export class Ring<T> {
  readonly capacity: number;
  #items: T[] = [];
  /** Index of the oldest item once the ring has wrapped. */
  #start = 0;

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new KubefwdError('INTERNAL_ERROR', `ring capacity must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  get size(): number {
    return this.#items.length;
  }

  push(item: T): void {
    if (this.#items.length < this.capacity) {
      this.#items.push(item);
      return;
    }
    this.#items[this.#start] = item;
    this.#start = (this.#start + 1) % this.capacity;
  }

  /** The item `i` places from the oldest (0 = oldest); undefined out of range. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.#items.length) return undefined;
    return this.#items[(this.#start + i) % this.#items.length];
  }

  /** All items, oldest first (newest last). */
  toArray(): T[] {
    return this.last(this.#items.length);
  }

  /** The newest `n` items, oldest first. */
  last(n: number): T[] {
    const size = this.#items.length;
    const count = Math.max(0, Math.min(Math.floor(n), size));
    const out = new Array<T>(count);
    for (let i = 0; i < count; i++) out[i] = this.at(size - count + i) as T;
    return out;
  }

  clear(): void {
    this.#items = [];
    this.#start = 0;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (let i = 0; i < this.#items.length; i++) yield this.at(i) as T;
  }
}

/** Factory form of `new Ring(capacity)`. */
export function createRing<T>(capacity: number): Ring<T> {
  return new Ring<T>(capacity);
}
