//! SMPTE timecode of a frame count: `hh:mm:ss:ff`, or drop-frame `hh:mm:ss;ff` at 29.97 and
//! 59.94, where frame numbers 0 and 1 (0–3 at 59.94) of every minute not divisible by ten are
//! skipped so that the clock keeps to wall time (SMPTE ST 12-1).

use super::FrameRate;

pub fn timecode(frame: u64, rate: &FrameRate) -> String {
    let fps = u64::from(rate.timebase);
    let (mut frame, separator) = (frame, if rate.drop_frame() { ';' } else { ':' });
    if rate.drop_frame() {
        let dropped = fps / 15;
        let per_ten_minutes = fps * 600 - dropped * 9;
        let per_minute = fps * 60 - dropped;
        let (tens, rest) = (frame / per_ten_minutes, frame % per_ten_minutes);
        frame += dropped * 9 * tens + if rest > dropped { dropped * ((rest - dropped) / per_minute) } else { 0 };
    }
    let seconds = frame / fps;
    format!("{:02}:{:02}:{:02}{separator}{:02}", seconds / 3600, seconds / 60 % 60, seconds % 60, frame % fps)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::time::Rational;

    #[test]
    fn drop_frame_skips_two_frames_a_minute_except_every_tenth() {
        let ntsc = FrameRate::conforming(Rational::new(30_000, 1_001));
        assert_eq!(timecode(1_799, &ntsc), "00:00:59;29");
        assert_eq!(timecode(1_800, &ntsc), "00:01:00;02");
        assert_eq!(timecode(17_982, &ntsc), "00:10:00;00");
        assert_eq!(timecode(107_892, &ntsc), "01:00:00;00", "an hour of 29.97 is 107,892 frames");
        let ntsc60 = FrameRate::conforming(Rational::new(60_000, 1_001));
        assert_eq!(timecode(3_600, &ntsc60), "00:01:00;04");
        let pal = FrameRate::conforming(Rational::new(25, 1));
        assert_eq!(timecode(90_000, &pal), "01:00:00:00");
        let film = FrameRate::conforming(Rational::new(24_000, 1_001));
        assert_eq!(timecode(24, &film), "00:00:01:00", "23.976 has no drop frame");
    }
}
