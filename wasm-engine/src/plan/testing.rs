//! Test envelopes: speech as the planner's level tests see it.

use crate::analyze::Level;

/// Fills `hops` with speech at `level`. A voice flutters by a dB or two from one 10 ms hop to the
/// next; a level held flat is a steady tone (`analyze::steady`), not speech.
pub fn flutter(hops: &mut [Level], level: Level) {
    for (index, hop) in hops.iter_mut().enumerate() {
        *hop = level - if index % 2 == 1 { 150 } else { 0 };
    }
}
