//! Word normalisation for matching speech against lists and scripts: lower case, no punctuation,
//! contractions expanded, digits spelled out — so "We're at 42%" and "we are at forty two percent"
//! compare equal, as recognisers and script writers disagree on exactly these.

/// Recognisers misspell; a near miss of a long word still counts. Four letters are too few: one
/// edit turns "than" into "that" and "then" into "when", which Switchboard showed as restarts
/// that were not.
pub fn similar(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let shorter = a.len().min(b.len());
    shorter >= 5 && a.len().abs_diff(b.len()) <= 2 && edit_distance(a, b) <= if shorter >= 8 { 2 } else { 1 }
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != cb)).min(row[j] + 1).min(above + 1);
            diagonal = above;
        }
    }
    row[b.len()]
}

/// One normalised token and the transcript word it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    pub word: usize,
}

/// The normalised tokens of a sequence of written words, in order.
pub fn stream<'a>(words: impl Iterator<Item = &'a str>) -> Vec<Token> {
    let mut out = Vec::new();
    let mut scratch = Vec::new();
    for (word, text) in words.enumerate() {
        tokens(text, &mut scratch);
        out.extend(scratch.drain(..).map(|text| Token { text, word }));
    }
    out
}

/// The normalised tokens of one written word (none for pure punctuation).
pub fn tokens(word: &str, into: &mut Vec<String>) {
    let lowered = word.to_lowercase().replace(['’', '‘', '`'], "'").replace('&', " and ").replace('%', " percent");
    for piece in lowered.split(|c: char| c.is_whitespace() || c == '-' || c == '–' || c == '—' || c == '/') {
        let piece: String = piece.chars().filter(|c| c.is_alphanumeric() || *c == '\'' || *c == '.').collect();
        let piece = piece.trim_matches(|c| c == '\'' || c == '.');
        if piece.is_empty() {
            continue;
        }
        if piece.starts_with(|c: char| c.is_ascii_digit()) {
            spell_number(piece, into);
        } else {
            expand_contraction(&piece.replace('.', ""), into);
        }
    }
}

/// One word as a single comparable string (fillers are matched word by word).
pub fn normalised(word: &str) -> String {
    let mut parts = Vec::new();
    tokens(word, &mut parts);
    parts.join(" ")
}

/// Contractions as transcripts write them without the apostrophe (Switchboard's conventions,
/// typed transcripts): only spellings that are no other English word ("were", "its", "ill", "id"
/// and "wont" are, so they stay as written).
const WITHOUT_APOSTROPHE: [(&str, &str); 36] = [
    ("im", "i'm"),
    ("ive", "i've"),
    ("youre", "you're"),
    ("theyre", "they're"),
    ("youve", "you've"),
    ("weve", "we've"),
    ("theyve", "they've"),
    ("youll", "you'll"),
    ("theyll", "they'll"),
    ("itll", "it'll"),
    ("thatll", "that'll"),
    ("youd", "you'd"),
    ("theyd", "they'd"),
    ("dont", "don't"),
    ("doesnt", "doesn't"),
    ("didnt", "didn't"),
    ("cant", "can't"),
    ("isnt", "isn't"),
    ("wasnt", "wasn't"),
    ("arent", "aren't"),
    ("werent", "weren't"),
    ("havent", "haven't"),
    ("hasnt", "hasn't"),
    ("hadnt", "hadn't"),
    ("wouldnt", "wouldn't"),
    ("couldnt", "couldn't"),
    ("shouldnt", "shouldn't"),
    ("thats", "that's"),
    ("whats", "what's"),
    ("theres", "there's"),
    ("heres", "here's"),
    ("hes", "he's"),
    ("shes", "she's"),
    ("whos", "who's"),
    ("hows", "how's"),
    ("wheres", "where's"),
];

fn expand_contraction(word: &str, into: &mut Vec<String>) {
    let word = WITHOUT_APOSTROPHE.iter().find(|(bare, _)| *bare == word).map_or(word, |(_, written)| written);
    const WHOLE: [(&str, &[&str]); 6] = [
        ("won't", &["will", "not"]),
        ("can't", &["can", "not"]),
        ("cannot", &["can", "not"]),
        ("shan't", &["shall", "not"]),
        ("i'm", &["i", "am"]),
        ("let's", &["let", "us"]),
    ];
    const SUFFIXES: [(&str, &str); 6] =
        [("n't", "not"), ("'re", "are"), ("'ll", "will"), ("'ve", "have"), ("'d", "would"), ("'s", "is")];
    if let Some((_, expansion)) = WHOLE.iter().find(|(w, _)| *w == word) {
        into.extend(expansion.iter().map(|s| (*s).to_owned()));
        return;
    }
    for (suffix, expansion) in SUFFIXES {
        if let Some(stem) = word.strip_suffix(suffix).filter(|s| !s.is_empty()) {
            into.push(stem.replace('\'', ""));
            into.push(expansion.to_owned());
            return;
        }
    }
    into.push(word.replace('\'', ""));
}

const ONES: [&str; 20] = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
];
const TENS: [&str; 10] = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"];

/// "42" → forty two, "3.5" → three point five, "1st" → first, "1,000" → one thousand.
fn spell_number(text: &str, into: &mut Vec<String>) {
    let digits_end = text.find(|c: char| !c.is_ascii_digit() && c != ',' && c != '.').unwrap_or(text.len());
    let (number, suffix) = text.split_at(digits_end);
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let whole: String = whole.chars().filter(char::is_ascii_digit).collect();
    let start = into.len();
    match whole.parse::<u64>() {
        Ok(value) if whole.len() <= 15 => say(value, into),
        _ => into.extend(whole.chars().map(|d| ONES[d as usize - '0' as usize].to_owned())),
    }
    if !fraction.is_empty() {
        into.push("point".into());
        into.extend(fraction.chars().filter(char::is_ascii_digit).map(|d| ONES[d as usize - '0' as usize].to_owned()));
    }
    if ["st", "nd", "rd", "th"].contains(&suffix) && into.len() > start {
        let last = into.last_mut().expect("a number was spelled");
        *last = ordinal(last);
    } else if !suffix.is_empty() {
        into.push(suffix.to_owned());
    }
}

fn say(value: u64, into: &mut Vec<String>) {
    const SCALES: [(u64, &str); 4] =
        [(1_000_000_000_000, "trillion"), (1_000_000_000, "billion"), (1_000_000, "million"), (1_000, "thousand")];
    if value < 20 {
        into.push(ONES[value as usize].to_owned());
        return;
    }
    if value < 100 {
        into.push(TENS[(value / 10) as usize].to_owned());
        if !value.is_multiple_of(10) {
            into.push(ONES[(value % 10) as usize].to_owned());
        }
        return;
    }
    if value < 1000 {
        into.push(ONES[(value / 100) as usize].to_owned());
        into.push("hundred".into());
        if !value.is_multiple_of(100) {
            say(value % 100, into);
        }
        return;
    }
    let (scale, name) = SCALES.iter().copied().find(|(scale, _)| value >= *scale).expect("value ≥ 1000");
    say(value / scale, into);
    into.push(name.to_owned());
    if !value.is_multiple_of(scale) {
        say(value % scale, into);
    }
}

fn ordinal(cardinal: &str) -> String {
    match cardinal {
        "one" => "first".into(),
        "two" => "second".into(),
        "three" => "third".into(),
        "five" => "fifth".into(),
        "eight" => "eighth".into(),
        "nine" => "ninth".into(),
        "twelve" => "twelfth".into(),
        word if word.ends_with('y') => format!("{}ieth", &word[..word.len() - 1]),
        word => format!("{word}th"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(text: &str) -> String {
        let mut out = Vec::new();
        text.split_whitespace().for_each(|w| tokens(w, &mut out));
        out.join(" ")
    }

    #[test]
    fn writing_and_speech_meet() {
        assert_eq!(all("We're at 42% — isn't it?"), "we are at forty two percent is not it");
        assert_eq!(
            all("I'm 21st; it's 3.5 and 1,250 Rock & Roll"),
            "i am twenty first it is three point five and one thousand two hundred fifty rock and roll"
        );
        assert_eq!(all("Won't, can't. U.S. don’t"), "will not can not us do not");
        assert_eq!(all("im sure thats whats there its"), "i am sure that is what is there its");
        assert_eq!(all("twenty-six ... !"), "twenty six");
        assert_eq!(normalised("Um,"), "um");
        assert_eq!(
            all("99999999999999999999"),
            "nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine nine"
        );
    }

    #[test]
    fn near_misses_of_long_words_only() {
        assert!(similar("analysis", "analisys"));
        assert!(similar("audio", "asdio"));
        assert!(!similar("than", "that"));
        assert!(!similar("then", "when"));
        assert!(!similar("cat", "car"));
    }
}
