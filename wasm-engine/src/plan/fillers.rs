//! Filler words: hesitation sounds ("um", "uh", stretched as "ummm") and filler phrases ("you
//! know"). Sounds go wherever they are; a phrase only where it stands apart — set off by a comma,
//! or by pauses on both sides — because "do you know the way" is not a filler.

use super::text::normalised;
use crate::transcript::{Millis, Word};

/// A pause around a filler phrase that marks it as parenthetical.
const PHRASE_PAUSE: Millis = 150;

/// The default fillers of a language (ISO 639-1); English for unknown or missing languages.
pub fn default_fillers(language: Option<&str>) -> &'static [&'static str] {
    match language.unwrap_or("en") {
        "de" => &["äh", "ähm", "öh", "öhm", "hm", "mhm"],
        "fr" => &["euh", "heu", "hum", "bah", "tu vois", "tu sais"],
        "es" => &["eh", "em", "ehm", "mm", "o sea"],
        "it" => &["ehm", "eh", "mm", "cioè"],
        "pt" => &["hã", "ahn", "hum", "éh"],
        "nl" => &["eh", "ehm", "uh", "weet je"],
        _ => &["um", "uh", "uhm", "erm", "er", "ah", "eh", "hmm", "mm", "mhm", "you know", "i mean"],
    }
}

/// "ummm" and "um" alike: runs of one letter collapsed.
fn collapsed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// One flag per word: true for the words that are fillers.
pub fn find(words: &[Word], fillers: &[String]) -> Vec<bool> {
    // (collapsed, as listed): a word is the filler when it collapses alike and is at least as long
    // as the listed form, so "ummm" is "um" but the letter "m" (of "I B M") is not "mm"
    let single: Vec<(String, usize)> = fillers
        .iter()
        .map(|f| normalised(f))
        .filter(|f| !f.contains(' '))
        .map(|f| (collapsed(&f), f.chars().count()))
        .collect();
    let phrases: Vec<Vec<String>> = fillers
        .iter()
        .map(|f| normalised(f))
        .filter(|f| f.contains(' '))
        .map(|f| f.split(' ').map(str::to_owned).collect())
        .collect();
    let normal: Vec<String> = words.iter().map(|w| normalised(&w.text)).collect();
    let is_filler = |n: &String| {
        let (short, length) = (collapsed(n), n.chars().count());
        single.iter().any(|(filler, listed)| *filler == short && length >= *listed)
    };
    let mut flags: Vec<bool> = normal.iter().map(|n| !n.is_empty() && is_filler(n)).collect();
    for phrase in &phrases {
        for start in 0..words.len().saturating_sub(phrase.len() - 1) {
            let end = start + phrase.len() - 1;
            if !normal[start..=end].iter().zip(phrase).all(|(a, b)| a == b) {
                continue;
            }
            let before = start.checked_sub(1).map(|p| &words[p]);
            let after = words.get(end + 1);
            // set off by a comma, or by pauses on both sides: Switchboard's "next thing you know"
            // and "even if you know that" pause on one side only
            let comma = before.is_some_and(|b| b.text.ends_with(',')) || words[end].text.ends_with(',');
            let paused_before = before.is_none_or(|b| words[start].start.saturating_sub(b.end) >= PHRASE_PAUSE);
            let paused_after = after.is_none_or(|a| a.start.saturating_sub(words[end].end) >= PHRASE_PAUSE);
            let stands_apart = comma || (paused_before && paused_after);
            if stands_apart {
                flags[start..=end].iter_mut().for_each(|f| *f = true);
            }
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(spec: &[(&str, Millis, Millis)]) -> Vec<Word> {
        spec.iter().map(|&(t, s, e)| Word { text: t.into(), start: s, end: e, confidence: None }).collect()
    }

    fn english() -> Vec<String> {
        default_fillers(None).iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn sounds_go_everywhere_phrases_only_apart() {
        let spoken = words(&[
            ("So,", 0, 200),
            ("Ummm,", 300, 600),
            ("do", 700, 800),
            ("you", 800, 900),
            ("know", 900, 1_000),
            ("the", 1_000, 1_100),
            ("way?", 1_100, 1_300),
            ("It's,", 1_500, 1_700),
            ("you", 1_700, 1_800),
            ("know,", 1_800, 1_900),
            ("Uh", 2_000, 2_100),
            ("good.", 2_100, 2_400),
        ]);
        let flags = find(&spoken, &english());
        let removed: Vec<&str> = spoken.iter().zip(&flags).filter(|(_, f)| **f).map(|(w, _)| w.text.as_str()).collect();
        assert_eq!(removed, ["Ummm,", "you", "know,", "Uh"]);
    }

    #[test]
    fn a_phrase_set_off_on_one_side_only_is_speech() {
        let spoken = words(&[
            ("next", 0, 200),
            ("thing", 200, 400),
            ("you", 400, 500),
            ("know", 500, 700),
            ("someone", 900, 1_200),
            ("called", 1_200, 1_500),
        ]);
        assert_eq!(find(&spoken, &english()), [false; 6], "a pause after, none before");
        let apart = words(&[("night", 0, 200), ("you", 400, 500), ("know", 500, 700), ("and", 900, 1_000)]);
        assert_eq!(find(&apart, &english()), [false, true, true, false], "pauses on both sides");
    }

    #[test]
    fn languages_have_their_own_lists() {
        assert!(default_fillers(Some("de")).contains(&"ähm"));
        assert!(default_fillers(Some("xx")).contains(&"um"));
        let letters = words(&[("I", 0, 100), ("B", 100, 200), ("M", 200, 300), ("Mmm", 400, 600)]);
        assert_eq!(find(&letters, &english()), [false, false, false, true], "a letter is no filler");
        let german = words(&[("Ähm", 0, 100), ("ja", 200, 300)]);
        let fillers: Vec<String> = default_fillers(Some("de")).iter().map(|s| (*s).to_owned()).collect();
        assert_eq!(find(&german, &fillers), [true, false]);
    }
}
