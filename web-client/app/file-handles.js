// Where the browser lets a page keep a file across reloads (Chromium's File System Access API): the
// handle of the recording an upload is reading, in IndexedDB under the upload's asset id. After a
// reload the page reopens the file from it, and the user need not find the file again.

const DB_NAME = 'roughcut';
const STORE = 'file-handles';

/** Whether this browser hands out file handles at all. */
export const handlesSupported = () => typeof window.showOpenFilePicker === 'function';

function database() {
  return new Promise((resolve, reject) => {
    const request = indexedDB.open(DB_NAME, 1);
    request.onupgradeneeded = () => request.result.createObjectStore(STORE);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
}

/** One request in a transaction of the handles' store, resolved when the transaction commits. */
async function transact(mode, act) {
  const db = await database();
  try {
    return await new Promise((resolve, reject) => {
      const transaction = db.transaction(STORE, mode);
      const request = act(transaction.objectStore(STORE));
      transaction.oncomplete = () => resolve(request.result);
      transaction.onerror = () => reject(transaction.error);
      transaction.onabort = () => reject(transaction.error);
    });
  } finally {
    db.close();
  }
}

export const keepHandle = (assetId, handle) => transact('readwrite', (store) => store.put(handle, assetId));
export const handleOf = (assetId) => transact('readonly', (store) => store.get(assetId));
export const forgetHandle = (assetId) => transact('readwrite', (store) => store.delete(assetId));

/**
 * The file behind `handle`, once the user allows reading it again (the permission of a handle
 * does not outlive the page, and asking needs a click: call this from one); null if refused.
 */
export async function reopen(handle) {
  const options = { mode: 'read' };
  const allowed =
    (await handle.queryPermission?.(options)) === 'granted' || (await handle.requestPermission?.(options)) === 'granted';
  return allowed ? handle.getFile() : null;
}

/** The user's pick through the browser's own file picker: `{file, handle}`, or null if cancelled. */
export async function pickRecording() {
  try {
    const [handle] = await window.showOpenFilePicker({
      id: 'roughcut-recording',
      types: [
        {
          description: 'Recordings',
          accept: {
            'video/*': ['.mp4', '.mov', '.webm'],
            'audio/*': ['.m4a', '.mp3', '.wav', '.webm'],
          },
        },
      ],
    });
    return { file: await handle.getFile(), handle };
  } catch (error) {
    if (error?.name === 'AbortError') return null;
    throw error;
  }
}
