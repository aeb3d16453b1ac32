// Where unfinished uploads are remembered, so that an upload of the same recording resumes after a
// crash or a reload instead of starting over: each store maps a source's fingerprint (and the
// project) to the asset the upload created, `{id, upload_url}`. A file in Node, localStorage in
// browsers; anything with async get/set/remove will do.

/** A JSON file of unfinished uploads (Node). */
export class FileUrlStore {
  constructor(path) {
    this.path = path;
  }

  async get(key) {
    return (await this.#read())[key] ?? null;
  }

  async set(key, asset) {
    await this.#change((uploads) => {
      uploads[key] = { id: asset.id, upload_url: asset.upload_url };
    });
  }

  async remove(key) {
    await this.#change((uploads) => {
      delete uploads[key];
    });
  }

  async #read() {
    const { readFile } = await import('node:fs/promises');
    try {
      return JSON.parse(await readFile(this.path, 'utf8'));
    } catch (error) {
      // none yet, or left half-written by a crash: nothing to resume from
      if (error.code === 'ENOENT' || error instanceof SyntaxError) return {};
      throw error;
    }
  }

  /** Written beside and renamed over, so that a crash never leaves half a file. */
  async #change(edit) {
    const [{ mkdir, rename, writeFile }, { dirname }] = await Promise.all([import('node:fs/promises'), import('node:path')]);
    const uploads = await this.#read();
    edit(uploads);
    await mkdir(dirname(this.path), { recursive: true });
    const partial = `${this.path}.${process.pid}.partial`;
    await writeFile(partial, JSON.stringify(uploads, null, 2));
    await rename(partial, this.path);
  }
}

/** Unfinished uploads in a browser's `localStorage`. */
export class LocalStorageUrlStore {
  constructor(storage = globalThis.localStorage, prefix = 'roughcut-upload:') {
    this.storage = storage;
    this.prefix = prefix;
  }

  async get(key) {
    const value = this.storage.getItem(this.prefix + key);
    return value === null ? null : JSON.parse(value);
  }

  async set(key, asset) {
    this.storage.setItem(this.prefix + key, JSON.stringify({ id: asset.id, upload_url: asset.upload_url }));
  }

  async remove(key) {
    this.storage.removeItem(this.prefix + key);
  }
}
