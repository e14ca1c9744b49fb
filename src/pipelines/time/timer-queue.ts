/**
 * The virtual clock's pending sleeps, ordered by deadline and then by registration order, so timers that
 * fall due at the same virtual instant always fire in the order they were set (spec §2.2 asks for
 * deterministic runs on a fake clock). A binary heap keeps a two-hour polling run cheap.
 */

export interface Timer {
  readonly deadline: number;
  readonly sequence: number;
  fire(): void;
}

function before(a: Timer, b: Timer): boolean {
  return a.deadline < b.deadline || (a.deadline === b.deadline && a.sequence < b.sequence);
}

export class TimerQueue {
  readonly #heap: Timer[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peek(): Timer | undefined {
    return this.#heap[0];
  }

  push(timer: Timer): void {
    this.#heap.push(timer);
    this.#siftUp(this.#heap.length - 1);
  }

  pop(): Timer | undefined {
    const top = this.#heap[0];
    const last = this.#heap.pop();
    if (top !== undefined && last !== undefined && this.#heap.length > 0) {
      this.#heap[0] = last;
      this.#siftDown(0);
    }
    return top;
  }

  /** Removes a timer that will never fire (its sleep was aborted); returns whether it was queued. */
  remove(timer: Timer): boolean {
    const index = this.#heap.indexOf(timer);
    if (index < 0) return false;
    const last = this.#heap.pop();
    if (last !== undefined && index < this.#heap.length) {
      this.#heap[index] = last;
      this.#siftDown(index);
      this.#siftUp(index);
    }
    return true;
  }

  #siftUp(start: number): void {
    let index = start;
    while (index > 0) {
      const parent = (index - 1) >> 1;
      if (!this.#less(index, parent)) return;
      this.#swap(index, parent);
      index = parent;
    }
  }

  #siftDown(start: number): void {
    let index = start;
    for (;;) {
      const left = 2 * index + 1;
      const right = left + 1;
      let smallest = index;
      if (left < this.#heap.length && this.#less(left, smallest)) smallest = left;
      if (right < this.#heap.length && this.#less(right, smallest)) smallest = right;
      if (smallest === index) return;
      this.#swap(index, smallest);
      index = smallest;
    }
  }

  #less(i: number, j: number): boolean {
    const a = this.#heap[i];
    const b = this.#heap[j];
    return a !== undefined && b !== undefined && before(a, b);
  }

  #swap(i: number, j: number): void {
    const a = this.#heap[i];
    const b = this.#heap[j];
    if (a === undefined || b === undefined) return;
    this.#heap[i] = b;
    this.#heap[j] = a;
  }
}
