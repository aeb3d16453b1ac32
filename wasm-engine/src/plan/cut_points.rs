//! Cut points: where inside a gap to cut. The quietest 10 ms hop of the window (within 3 dB of
//! the quietest, nearest the wanted point) — a cut in room tone does not click, a cut in a
//! syllable does. Without an envelope, the wanted point itself.

use crate::analyze::{HOPS_PER_SECOND, Level};
use crate::transcript::Millis;

const HOP_MILLIS: Millis = 1000 / HOPS_PER_SECOND as Millis;
/// Levels this close to the quietest count as equally quiet (hundredths of a dB).
const QUIET_ENOUGH: i32 = 300;

/// A cut point in `[low, high]`, near `wanted` (clamped into the window).
pub fn quietest(levels: &[Level], low: Millis, high: Millis, wanted: Millis) -> Millis {
    let wanted = wanted.clamp(low, high.max(low));
    let first_hop = low.div_ceil(HOP_MILLIS);
    let end_hop = (high / HOP_MILLIS).min(levels.len() as Millis);
    if first_hop >= end_hop {
        return wanted;
    }
    let hops = first_hop as usize..end_hop as usize;
    let quietest = levels[hops.clone()].iter().map(|&l| i32::from(l)).min().expect("a non-empty window");
    let centre = |hop: usize| hop as Millis * HOP_MILLIS + HOP_MILLIS / 2;
    hops.filter(|&hop| i32::from(levels[hop]) <= quietest + QUIET_ENOUGH)
        .min_by_key(|&hop| (centre(hop).abs_diff(wanted), hop))
        .map_or(wanted, |hop| centre(hop).clamp(low, high))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_quiet_hop_nearest_the_wanted_point() {
        // hops 0..10 loud, 10..12 quiet, 12..15 loud, 15..20 quiet
        let mut levels = vec![-2000; 20];
        levels[10..12].fill(-6000);
        levels[15..20].fill(-6100);
        assert_eq!(quietest(&levels, 0, 200, 120), 115, "both dips are within 3 dB: the nearer one");
        levels[10..12].fill(-3000);
        assert_eq!(quietest(&levels, 0, 200, 120), 155, "only the deep dip is quiet");
        assert_eq!(quietest(&levels, 0, 90, 40), 35, "all loud alike: the nearest hop, the earlier on a tie");
        assert_eq!(quietest(&levels, 101, 108, 500), 108, "no whole hop inside: the wanted point, clamped");
    }
}
