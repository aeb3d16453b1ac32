// Lists: every list of the API pages with `limit` and `offset`. A `Page` is awaitable (the first
// page: `{items, total, limit, offset}`) and async-iterable (every item, page after page).

const PAGE_LIMIT = 100;

export class Page {
  constructor(transport, path, query = {}, signal) {
    this.transport = transport;
    this.path = path;
    this.query = query;
    this.signal = signal;
  }

  /** The page at `offset` (the query's own, else 0). */
  fetchPage(offset = this.query.offset ?? 0) {
    return this.transport.json('GET', this.path, { query: { ...this.query, offset }, signal: this.signal });
  }

  then(resolve, reject) {
    return this.fetchPage().then(resolve, reject);
  }

  async *[Symbol.asyncIterator]() {
    const limit = this.query.limit ?? PAGE_LIMIT;
    let offset = this.query.offset ?? 0;
    for (;;) {
      const page = await this.transport.json('GET', this.path, {
        query: { ...this.query, limit, offset },
        signal: this.signal,
      });
      yield* page.items;
      offset += page.items.length;
      if (page.items.length === 0 || offset >= page.total) return;
    }
  }
}
