/**
 * Small numbers for interned attribute sets, counted by use, so that per-prefix arrays (the Loc-RIB's compact
 * paths, an update group's Adj-RIB-Out) hold a 4-octet id in a typed array instead of an 8-octet pointer in
 * a JavaScript array: half the memory, off the garbage-collected heap, and no array growth garbage. Id 0 is
 * never given out (it means "none" in those arrays). An id is reused once its last user let go.
 */
import type { AttributeStore } from './attribute-store.js';
import type { PathAttributes } from './types.js';

export class AttributeIds {
  /**
   * The store the sets are interned in: a set keeps one reference there while it has an id, so that a set
   * an Adj-RIB-Out still advertises stays the one object for its content (re-exporting the same content
   * must give the same set, or the group sees a change and announces again) after the paths and export
   * verdicts that made it let go. Unset (tests of the RIB alone): ids only.
   */
  store: Pick<AttributeStore, 'retain' | 'release'> | undefined = undefined;
  private readonly ids = new Map<PathAttributes, number>();
  private readonly sets: (PathAttributes | undefined)[] = [undefined];
  private readonly uses: number[] = [0];
  private readonly free: number[] = [];
  /** The last set looked up: a full table from one peer asks for the same set again and again. */
  private lastSet: PathAttributes | undefined;
  private lastId = 0;

  /** The id of a set, one use more. */
  acquire(attrs: PathAttributes): number {
    let id = attrs === this.lastSet ? this.lastId : this.ids.get(attrs);
    if (id === undefined) {
      id = this.free.pop() ?? this.sets.length;
      this.sets[id] = attrs;
      this.uses[id] = 0;
      this.ids.set(attrs, id);
      this.store?.retain(attrs);
    }
    this.lastSet = attrs;
    this.lastId = id;
    this.uses[id]!++;
    return id;
  }

  /** `count` uses fewer; the id is free for another set when none remain. */
  release(id: number, count = 1): void {
    if ((this.uses[id]! -= count) > 0) return;
    const attrs = this.sets[id]!;
    this.ids.delete(attrs);
    this.sets[id] = undefined;
    this.free.push(id);
    if (this.lastId === id) this.lastSet = undefined;
    this.store?.release(attrs);
  }

  get(id: number): PathAttributes | undefined {
    return this.sets[id];
  }

  /** Sets with an id now. */
  get size(): number {
    return this.ids.size;
  }
}
