// Reading a stream chunk by chunk, wherever it comes from: a web `ReadableStream` through its
// reader (not every browser iterates one itself), anything else (a Node `Readable`, an async
// generator) by async iteration.

/** The chunks of `stream`, in order. */
export async function* chunksOf(stream) {
  if (typeof stream.getReader !== 'function') {
    yield* stream;
    return;
  }
  const reader = stream.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}
