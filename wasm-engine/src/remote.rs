//! Running the engine's synchronous readers over an asynchronous store (an R2 object in the edge
//! worker, an HTTP range endpoint): the work runs against a cache of fetched ranges; a read the
//! cache cannot serve records what it missed and fails, the driver fetches that range, and the
//! work runs again. Probing needs a handful of rounds (header, `moov`), each a few kilobytes,
//! however large the object.

use std::future::Future;
use std::sync::Mutex;

use crate::error::{EngineError, ErrorCode, Result};
use crate::source::RangeSource;

/// Smallest fetch: small reads (box headers) come in clusters, so fetch around them.
const MIN_FETCH: u64 = 64 * 1024;
/// Rounds before the work is called a loop rather than progress.
const MAX_ROUNDS: usize = 64;

/// Fetched ranges of an object of known length; `Mutex` only because sources are `Sync`.
#[derive(Debug)]
struct RangeCache {
    len: u64,
    ranges: Mutex<Vec<(u64, Vec<u8>)>>,
    miss: Mutex<Option<(u64, u64)>>,
}

impl RangeCache {
    fn insert(&self, offset: u64, bytes: Vec<u8>) {
        if let Ok(mut ranges) = self.ranges.lock() {
            ranges.push((offset, bytes));
        }
    }

    fn take_miss(&self) -> Option<(u64, u64)> {
        self.miss.lock().ok().and_then(|mut miss| miss.take())
    }

    fn cached_bytes(&self) -> u64 {
        self.ranges.lock().map_or(0, |ranges| ranges.iter().map(|(_, b)| b.len() as u64).sum())
    }
}

impl RangeSource for RangeCache {
    fn len(&self) -> u64 {
        self.len
    }

    fn read_exact_at(&self, offset: u64, buf: &mut [u8]) -> Result<()> {
        let end = offset + buf.len() as u64;
        if end > self.len {
            return Err(EngineError::truncated(format!("need bytes {offset}..{end} of a {}-byte object", self.len)));
        }
        let ranges = self.ranges.lock().map_err(|_| EngineError::io("range cache poisoned"))?;
        let hit = ranges.iter().find(|(start, bytes)| *start <= offset && end <= start + bytes.len() as u64);
        if let Some((start, bytes)) = hit {
            let from = (offset - start) as usize;
            buf.copy_from_slice(&bytes[from..from + buf.len()]);
            return Ok(());
        }
        if let Ok(mut miss) = self.miss.lock() {
            *miss = Some((offset, end));
        }
        Err(EngineError::io(format!("bytes {offset}..{end} are not fetched yet")))
    }
}

/// Runs `work` over an object of `len` bytes that `fetch(offset, len)` reads, fetching what it
/// asks for until it completes. `max_bytes` bounds what may be fetched in all.
pub async fn read_through<T, F, Fut>(
    len: u64,
    max_bytes: u64,
    mut fetch: F,
    work: impl Fn(&dyn RangeSource) -> Result<T>,
) -> Result<T>
where
    F: FnMut(u64, u64) -> Fut,
    Fut: Future<Output = Result<Vec<u8>>>,
{
    let cache = RangeCache { len, ranges: Mutex::new(Vec::new()), miss: Mutex::new(None) };
    for _ in 0..MAX_ROUNDS {
        match work(&cache) {
            Err(error) if error.code == ErrorCode::Io => {
                let Some((start, end)) = cache.take_miss() else { return Err(error) };
                let fetch_len = (end - start).max(MIN_FETCH).min(len - start);
                if cache.cached_bytes() + fetch_len > max_bytes {
                    return Err(EngineError::limit(format!("reading needs more than {max_bytes} bytes of the object")));
                }
                let bytes = fetch(start, fetch_len).await?;
                if bytes.len() as u64 != fetch_len {
                    return Err(EngineError::io(format!(
                        "asked for {fetch_len} bytes at {start}, got {}",
                        bytes.len()
                    )));
                }
                cache.insert(start, bytes);
            }
            other => return other,
        }
    }
    Err(EngineError::limit(format!("no result after {MAX_ROUNDS} rounds of fetching")))
}

#[cfg(test)]
mod tests {
    use std::cell::Cell;

    use super::*;
    use crate::limits::Limits;
    use crate::media::sniff::Container;
    use crate::probe;

    fn block_on<F: Future>(future: F) -> F::Output {
        // The fetches below complete at once, so polling until ready needs no real executor.
        let mut future = std::pin::pin!(future);
        let waker = std::task::Waker::noop();
        let mut context = std::task::Context::from_waker(waker);
        loop {
            if let std::task::Poll::Ready(value) = future.as_mut().poll(&mut context) {
                return value;
            }
        }
    }

    /// A WAV whose `data` chunk is 10 MB: probing it must fetch kilobytes.
    fn big_wav() -> Vec<u8> {
        let data_len = 10_000_000u32;
        let mut wav = b"RIFF".to_vec();
        wav.extend_from_slice(&(36 + data_len).to_le_bytes());
        wav.extend_from_slice(b"WAVEfmt \x10\0\0\0\x01\0\x01\0\x80\xbb\0\0\0\x77\x01\0\x02\0\x10\0data");
        wav.extend_from_slice(&data_len.to_le_bytes());
        wav.resize(44 + data_len as usize, 0);
        wav
    }

    #[test]
    fn probing_a_remote_object_fetches_only_what_it_reads() {
        let object = big_wav();
        let fetched = Cell::new(0u64);
        let fetch = |offset: u64, len: u64| {
            fetched.set(fetched.get() + len);
            let bytes = object[offset as usize..(offset + len) as usize].to_vec();
            async move { Ok(bytes) }
        };
        let info =
            block_on(read_through(object.len() as u64, 1 << 20, fetch, |source| probe(source, &Limits::default())))
                .expect("probe");
        assert_eq!(info.container, Container::Wav);
        assert_eq!(info.duration.map(|d| d.millis()), Some(104_167));
        assert!(fetched.get() <= 2 * MIN_FETCH, "fetched {} bytes", fetched.get());
    }

    #[test]
    fn the_byte_budget_and_fetch_failures_end_the_loop() {
        let object = big_wav();
        let fetch = |offset: u64, len: u64| {
            let bytes = object[offset as usize..(offset + len) as usize].to_vec();
            async move { Ok(bytes) }
        };
        let whole = |source: &dyn RangeSource| source.read_vec(0, source.len());
        let error = block_on(read_through(object.len() as u64, 1 << 20, fetch, whole)).expect_err("over budget");
        assert_eq!(error.code, ErrorCode::LimitExceeded);
        let failing = |_: u64, _: u64| async { Err(EngineError::io("R2 said no")) };
        let error = block_on(read_through(object.len() as u64, 1 << 20, failing, |s| probe(s, &Limits::default())))
            .expect_err("fetch fails");
        assert_eq!(error.message, "R2 said no");
    }
}
