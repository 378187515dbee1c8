// Which destinations already have a message. When one destination of a message fails, the
// invocation throws and Lambda runs the whole event again; the destinations that succeeded
// the first time must not get the message twice. Lambda usually retries on the same warm
// container, so a bounded in-memory ledger per container avoids most repeats; a retry on a
// fresh container can still repeat a chat message (PagerDuty folds repeats by dedup_key).

/** Enough for every message of a long incident storm; each entry is a short string. */
const DEFAULT_CAPACITY = 5000;

export class DeliveredLedger {
  private readonly keys = new Set<string>();

  constructor(private readonly capacity = DEFAULT_CAPACITY) {}

  has(messageId: string, destination: string): boolean {
    return this.keys.has(key(messageId, destination));
  }

  add(messageId: string, destination: string): void {
    // A Set iterates in insertion order: the first key is the oldest.
    if (this.keys.size >= this.capacity) {
      const oldest = this.keys.values().next();
      if (!oldest.done) this.keys.delete(oldest.value);
    }
    this.keys.add(key(messageId, destination));
  }

  get size(): number {
    return this.keys.size;
  }
}

function key(messageId: string, destination: string): string {
  return `${messageId}\n${destination}`;
}
