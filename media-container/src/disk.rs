//! Room on the attempts' disk: a job whose input and output cannot fit is not downloaded at all.

use std::ffi::CString;
use std::io;
use std::mem::MaybeUninit;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

/// Kept free beyond what a job needs: logs, speech chunks, other attempts' growth.
const MARGIN_BYTES: u64 = 256 << 20;

/// What a job with `input_size` bytes of input may write: the input, and about as much again
/// (a render re-encodes it; a processing job writes far less).
pub fn needed_for(input_size: u64) -> u64 {
    input_size.saturating_mul(2).saturating_add(MARGIN_BYTES)
}

/// Bytes free to an unprivileged user on the filesystem of `path`, and its size.
pub fn space(path: &Path) -> io::Result<(u64, u64)> {
    let path = CString::new(path.as_os_str().as_bytes()).map_err(io::Error::other)?;
    let mut stat = MaybeUninit::<libc::statvfs>::uninit();
    #[allow(unsafe_code, reason = "statvfs fills a struct it is given; std has no call for free space")]
    // SAFETY: `path` is a valid NUL-terminated string and `stat` points to writable memory of the
    // struct's size; the struct is read only after statvfs reported success, when it is filled.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return Err(io::Error::last_os_error());
        }
        stat.assume_init()
    };
    #[allow(clippy::useless_conversion, reason = "the fields are narrower than u64 on 32-bit targets")]
    let (block, available, blocks) = (u64::from(stat.f_frsize), u64::from(stat.f_bavail), u64::from(stat.f_blocks));
    Ok((available.saturating_mul(block), blocks.saturating_mul(block)))
}

/// Whether `needed` bytes fit: `Err(true)` when they never can on a disk this size (the job is
/// too large for this deployment), `Err(false)` when they do not now (other attempts hold it).
pub fn fits(needed: u64, available: u64, total: u64) -> Result<(), bool> {
    if needed > total {
        Err(true)
    } else if needed > available {
        Err(false)
    } else {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_disk_of_the_temp_dir_has_room_and_a_size() {
        let (available, total) = space(&std::env::temp_dir()).expect("statvfs");
        assert!(0 < available && available <= total, "{available} of {total}");
        assert!(space(Path::new("/nonexistent/roughcut")).is_err());
    }

    #[test]
    fn a_job_fits_never_now_or_later() {
        let gib = 1 << 30;
        assert_eq!(fits(needed_for(gib), 10 * gib, 20 * gib), Ok(()));
        assert_eq!(fits(needed_for(8 * gib), 10 * gib, 20 * gib), Err(false), "later, when others finish");
        assert_eq!(fits(needed_for(50 * gib), 100 * gib, 20 * gib), Err(true), "never on this disk");
    }
}
