//! Restarts without a script, in the reparandum / interregnum / repair terms of the disfluency
//! literature (Shriberg 1994): a take is broken off (the reparandum), optionally followed by
//! hesitation or an editing phrase ("uh", "I mean", "sorry", "let me start again": the
//! interregnum), then said again (the repair). The reparandum and the interregnum go; the repair
//! stays. Three kinds are found from the words and their timing:
//!
//! - **repetitions**: the repair repeats the take word for word ("I- I", "the the", "we we went",
//!   "in the in the middle");
//! - **revisions marked as broken off**: the take ends in a cut-off word or a dash written by the
//!   recogniser ("we went- we drove", "on dea- on the death"), and the repair starts like it;
//! - **abandoned takes said again**: after a break (a filler, a dash or a pause) most of the take
//!   comes back in place ("the main reason um the key reason");
//!
//! and **fragments** (a word cut off, written with a trailing hyphen) go wherever they are.
//!
//! Measured on Switchboard's gold annotation (bench `disfluency`), a repair that only starts like
//! the take ("I think I know") is as often fluent as not, so it is taken only with one of the
//! marks above. Legitimate doubling ("yeah yeah", "very very", "no no no", "I don't know, I don't
//! know") and words that grammar puts twice ("had had", "I think that that's", "what it is is") are
//! kept through per-language lists, a whole sentence said again word for word (or one that the
//! recogniser writes as finished twice) is a restatement, and a "repair" that comes after a long
//! silence is another sentence, not a repair: in conversation a repeated answer comes seconds
//! later, a restart within a second.

use super::text::{Token, similar};
use crate::transcript::{Millis, Word};

/// Longest abandoned take considered, in tokens.
const MAX_TAKE_TOKENS: usize = 12;
/// A silence (not counting the interregnum's own words) longer than this between a take and its
/// repeat makes the repeat a new sentence: 90% of Switchboard's one-word repetitions have less
/// than 0.6 s, its repeated answers a median of 3.7 s.
const MAX_RESTART_SILENCE: Millis = 1_500;
/// Longest take removed for being said again word for word: in Switchboard a longer one ("I need
/// to lose fifty pounds, you know, I need to lose fifty pounds") is a deliberate restatement.
const MAX_REPEATED_TOKENS: usize = 5;
/// Longest take replaced by a repair that only starts like it: longer ones, in Switchboard, are
/// mostly fluent speech that happens to meet the same word again.
const MAX_REVISED_TOKENS: usize = 3;
/// Longest take said again with changes: a longer one that meets most of its words again is, in
/// Switchboard, more often a speaker's deliberate repeat than a restart.
const MAX_SAID_AGAIN_TOKENS: usize = 6;
/// Tokens before a take that a grammatical double may look at (its phrase and its distance).
const GRAMMAR_CONTEXT: usize = 8;
/// A pause that breaks a phrase off.
const BREAK_PAUSE: Millis = 200;

/// Per-language words of the restart finder.
struct Lexicon {
    /// Editing phrases that say a take is being corrected ("I mean", "sorry"), as normalised
    /// tokens: between a take and a repair that starts like it, they mark a revision.
    editing: &'static [&'static [&'static str]],
    /// Discourse markers that may stand between a take and its repair ("well", "you know") but
    /// say nothing of a correction: in Switchboard they sit as often between fluent words.
    discourse: &'static [&'static [&'static str]],
    /// Words that people double on purpose: answers, back-channels (as tokens: "uh-huh" is "uh"
    /// "huh"), intensifiers.
    doubling: &'static [&'static str],
    /// Phrases that people say twice on purpose ("I don't know, I don't know"), as tokens.
    doubled_phrases: &'static [&'static [&'static str]],
    /// Words that grammar says twice ("I had had enough", "what it is is", "plug it in in the
    /// back"), each where it does.
    grammatical_doubles: &'static [GrammaticalDouble],
    /// Words that cannot end a phrase (articles, possessives, intensifiers): a take of two words
    /// that stops on one and starts over from its first was broken off ("of the | of their
    /// company", "I just | I know"). Measured on Switchboard, longer such takes are mostly speech.
    dangling: &'static [&'static str],
    /// Words that join a word to itself ("appeal after appeal", "step by step").
    joining: &'static [&'static str],
    /// Words of one letter; any other letter alone is spelled out.
    letter_words: &'static [&'static str],
    /// Short words (two to four letters) that start longer ones ("he helped", "in into"). Another
    /// short word that the next word starts with was cut off, hyphen or not ("Apr April", "ba
    /// band"), as recognisers often write it. Empty: no such cut-offs are looked for.
    short_words: &'static [&'static str],
}

/// A word that grammar puts twice in a row: where one of the `before` phrases ends with `gap`
/// tokens between it and the first (anywhere, if `before` is empty), and one of `after` follows
/// the second (anything, if `after` is empty). Said together, unless `set_off` ("what it is, is"):
/// a pause, a comma or a stumble between makes it a stutter ("I had... had").
struct GrammaticalDouble {
    word: &'static str,
    before: &'static [&'static [&'static str]],
    gap: std::ops::RangeInclusive<usize>,
    after: &'static [&'static str],
    set_off: bool,
}

impl GrammaticalDouble {
    fn fits(&self, word: &str, before: &[&Token], after: Option<&Token>) -> bool {
        let ends_at_gap = |phrase: &&[&str]| {
            self.gap.clone().any(|gap| {
                let end = before.len().saturating_sub(gap);
                gap < before.len() && end >= phrase.len() && spells(phrase, &before[end - phrase.len()..end])
            })
        };
        word == self.word
            && (self.before.is_empty() || self.before.iter().any(ends_at_gap))
            && (self.after.is_empty() || after.is_some_and(|t| self.after.contains(&t.text.as_str())))
    }
}

fn lexicon(language: Option<&str>) -> Lexicon {
    match language.unwrap_or("en") {
        "de" => Lexicon {
            editing: &[&["ich", "meine"], &["sorry"], &["quatsch"], &["oder", "besser"], &["nein"]],
            discourse: &[&["also"], &["na", "ja"], &["weißt", "du"]],
            doubling: &["ja", "nein", "genau", "gut", "okay", "sehr", "tschüss", "danke", "na"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &[],
            short_words: &[],
        },
        "fr" => Lexicon {
            editing: &[&["pardon"], &["je", "veux", "dire"], &["plutôt"], &["non"]],
            discourse: &[&["enfin"], &["bon"], &["tu", "vois"], &["tu", "sais"]],
            doubling: &["oui", "non", "si", "très", "ok", "merci", "bon", "voilà", "allez"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &["a", "à", "y"],
            short_words: &[],
        },
        "es" => Lexicon {
            editing: &[&["perdón"], &["quiero", "decir"], &["mejor", "dicho"], &["no"]],
            discourse: &[&["bueno"], &["o", "sea"], &["sabes"]],
            doubling: &["sí", "no", "muy", "vale", "bueno", "gracias", "adiós", "claro"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &["a", "e", "o", "u", "y"],
            short_words: &[],
        },
        "it" => Lexicon {
            editing: &[&["scusa"], &["voglio", "dire"], &["anzi"], &["no"]],
            discourse: &[&["cioè"], &["insomma"], &["sai"]],
            doubling: &["sì", "no", "molto", "ok", "grazie", "ciao", "bene", "piano"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &["a", "e", "è", "i", "o"],
            short_words: &[],
        },
        "pt" => Lexicon {
            editing: &[&["quer", "dizer"], &["desculpa"], &["ou", "melhor"], &["não"]],
            discourse: &[&["bem"], &["tipo"], &["sabe"]],
            doubling: &["sim", "não", "muito", "ok", "obrigado", "tchau", "claro"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &["a", "à", "e", "o"],
            short_words: &[],
        },
        "nl" => Lexicon {
            editing: &[&["ik", "bedoel"], &["sorry"], &["of", "eigenlijk"], &["nee"]],
            discourse: &[&["nou"], &["weet", "je"]],
            doubling: &["ja", "nee", "heel", "oké", "dank", "doei", "goed"],
            doubled_phrases: &[],
            grammatical_doubles: &[],
            joining: &[],
            dangling: &[],
            letter_words: &[],
            short_words: &[],
        },
        _ => Lexicon {
            editing: &[
                &["let", "us", "start", "again"],
                &["let", "me", "start", "again"],
                &["let", "me", "start", "over"],
                &["let", "me", "rephrase", "that"],
                &["let", "me", "rephrase"],
                &["what", "i", "meant", "was"],
                &["i", "mean"],
                &["or", "rather"],
                &["i", "am", "sorry"],
                &["sorry"],
            ],
            discourse: &[&["you", "know"], &["well"], &["oh"], &["no"]],
            doubling: &[
                "yeah", "yes", "no", "okay", "ok", "right", "oh", "bye", "huh", "exactly", "sure", "hm", "uh-huh",
                "mhm", "uh", "um", "hum", "mm", "hmm", "very", "really", "wow", "hi", "hey", "ha", "true", "please",
                "thanks", "thank", "far", "many", "much", "more", "again", "knock", "ho", "yep", "nope", "go", "hello",
            ],
            doubled_phrases: &[
                &["i", "do", "not", "know"],
                &["that", "is", "right"],
                &["that", "is", "true"],
                &["i", "guess"],
                &["i", "see"],
                &["oh", "my"],
                &["thank", "you"],
                &["come", "on"],
                &["good", "for", "you"],
                &["pretty", "good"],
                &["you", "bet"],
                &["et", "cetera"],
            ],
            grammatical_doubles: &[
                // past perfect of "have": "we had had enough"
                GrammaticalDouble {
                    word: "had",
                    before: &[&["i"], &["we"], &["they"], &["he"], &["she"], &["you"], &["it"]],
                    gap: 0..=0,
                    after: &[],
                    set_off: false,
                },
                // "that" ending a verb of thinking or saying ("I think that that's true") or a
                // preposition's object ("agree with that, that's"), then "that" and its verb (in
                // Switchboard, "yeah that that was" and "I think that that you know" are
                // restarts). Transcripts written without apostrophes, as Switchboard's are, keep
                // "thats" whole.
                GrammaticalDouble {
                    word: "that",
                    before: &[
                        &["think"],
                        &["thought"],
                        &["agree"],
                        &["i", "know"],
                        &["we", "know"],
                        &["all", "know"],
                        &["not", "know"],
                        &["knew"],
                        &["sure"],
                        &["see"],
                        &["say"],
                        &["said"],
                        &["believe"],
                        &["believed"],
                        &["learned"],
                        &["realize"],
                        &["realized"],
                        &["hope"],
                        &["guess"],
                        &["feel"],
                        &["felt"],
                        &["heard"],
                        &["me"],
                        &["with"],
                        &["of"],
                        &["like"],
                    ],
                    gap: 0..=0,
                    after: &[
                        "is", "was", "would", "will", "has", "had", "could", "should", "might", "can", "may", "does",
                        "did", "makes", "made", "means", "seems", "sounds", "thats",
                    ],
                    set_off: false,
                },
                // a particle, then a preposition: "plug it in in the back", "log in in the corner"
                GrammaticalDouble {
                    word: "in",
                    before: &[
                        &["plug", "it"],
                        &["plug", "them"],
                        &["put", "it"],
                        &["put", "them"],
                        &["turn", "it"],
                        &["hand", "it"],
                        &["fit", "it"],
                        &["move", "it"],
                        &["log"],
                        &["logged"],
                        &["sign"],
                        &["signed"],
                        &["check"],
                        &["checked"],
                        &["fit"],
                        &["fits"],
                        &["stay"],
                        &["come"],
                        &["came"],
                    ],
                    gap: 0..=0,
                    after: &[],
                    set_off: false,
                },
                // a pseudo-cleft, whose subject stands between: "what it is is", "what the problem
                // is, is the cost" (in Switchboard, "the problem here is is that" is a restart)
                GrammaticalDouble { word: "is", before: &[&["what"]], gap: 1..=2, after: &[], set_off: true },
            ],
            joining: &["after", "by"],
            dangling: &["the", "a", "an", "my", "your", "our", "their", "his", "just", "really", "very"],
            letter_words: &["a", "i"],
            short_words: &[
                "ab", "able", "ad", "add", "ago", "ah", "aid", "aim", "air", "al", "all", "also", "am", "an", "and",
                "ant", "any", "ape", "app", "apt", "are", "area", "arm", "art", "as", "ask", "at", "ate", "away",
                "back", "bad", "bag", "ball", "ban", "band", "bank", "bar", "base", "be", "bed", "been", "best", "bet",
                "big", "bill", "bit", "body", "book", "born", "both", "box", "boy", "bus", "but", "buy", "by", "call",
                "came", "can", "car", "care", "case", "cat", "city", "co", "come", "con", "cook", "cost", "cut", "dad",
                "data", "day", "de", "dead", "deal", "dear", "did", "die", "do", "does", "dog", "don", "done", "door",
                "down", "draw", "dry", "due", "each", "ear", "east", "easy", "eat", "edit", "else", "end", "even",
                "ever", "eye", "face", "fact", "fair", "fall", "far", "fast", "feel", "few", "file", "fill", "film",
                "find", "fine", "fire", "fit", "five", "fix", "fly", "for", "form", "four", "free", "from", "full",
                "fun", "game", "gas", "gave", "get", "girl", "give", "go", "god", "goes", "gold", "gone", "good",
                "got", "gun", "guy", "had", "hair", "half", "hall", "hand", "hang", "hard", "has", "hat", "have", "he",
                "head", "hear", "heat", "held", "hell", "help", "her", "here", "hi", "high", "him", "his", "hit",
                "hold", "home", "hope", "hot", "hour", "how", "huh", "i", "idea", "if", "in", "into", "is", "it",
                "its", "job", "join", "just", "keep", "key", "kid", "kind", "king", "knew", "know", "lack", "lady",
                "land", "last", "late", "law", "lay", "lead", "left", "leg", "less", "let", "lie", "life", "like",
                "line", "list", "live", "long", "look", "lord", "lose", "lot", "love", "low", "made", "main", "make",
                "man", "many", "map", "mark", "may", "me", "mean", "meet", "men", "mid", "mind", "mine", "miss", "mom",
                "more", "most", "move", "much", "must", "my", "name", "near", "need", "net", "new", "news", "next",
                "nice", "no", "none", "nor", "not", "note", "now", "of", "off", "oh", "oil", "ok", "old", "on", "once",
                "one", "only", "open", "or", "our", "out", "over", "own", "page", "paid", "pain", "pan", "park",
                "part", "pass", "past", "path", "pay", "per", "pet", "pick", "plan", "play", "plus", "pop", "post",
                "pre", "pull", "push", "put", "race", "ran", "rate", "read", "real", "red", "rest", "re", "rich",
                "ride", "road", "rock", "role", "room", "row", "rule", "run", "safe", "said", "sale", "same", "sat",
                "save", "saw", "say", "sea", "see", "seem", "seen", "self", "sell", "send", "set", "she", "ship",
                "shop", "shot", "show", "shut", "side", "sign", "sing", "sit", "six", "size", "so", "soft", "some",
                "son", "soon", "sort", "star", "stay", "step", "stop", "such", "sun", "sure", "take", "talk", "tax",
                "team", "tell", "ten", "term", "test", "than", "that", "the", "them", "then", "they", "thin", "this",
                "thus", "tie", "till", "time", "to", "told", "too", "took", "top", "town", "tree", "trip", "true",
                "try", "turn", "two", "type", "un", "under", "unit", "up", "upon", "us", "use", "used", "very", "view",
                "vote", "wait", "walk", "wall", "want", "war", "warm", "was", "wash", "way", "we", "wear", "week",
                "well", "went", "were", "west", "what", "when", "who", "whom", "why", "wide", "wife", "will", "win",
                "wind", "wish", "with", "won", "word", "work", "yeah", "year", "yes", "yet", "you", "your",
            ],
        },
    }
}

/// A word whose end the recogniser wrote as broken off: a trailing hyphen ("th-", "I-"), a dash
/// or an ellipsis.
fn broken_off(word: &Word) -> bool {
    let text = word.text.trim_end_matches([',', '.', '?', '!']).trim_end();
    word.text.ends_with(['-', '—', '–', '…']) || text.ends_with(['-', '—', '–', '…']) || word.text.ends_with("...")
}

/// A cut-off word: letters and then a hyphen, with nothing after it ("th-", "categ-", "I-").
fn fragment(word: &Word) -> bool {
    let text = word.text.trim_end_matches([',', '.']);
    text.strip_suffix(['-', '—', '–']).is_some_and(|stem| !stem.is_empty() && stem.chars().all(char::is_alphabetic))
}

/// One flag per word: true for the words of abandoned takes, their interregna and fragments.
/// `tokens` is the normalised token stream of `words`, `fillers` their filler flags (fillers are
/// transparent: they are often the interregnum). Takes are compared token by token, so "we're"
/// repeats "we are".
pub fn find(words: &[Word], tokens: &[Token], fillers: &[bool], language: Option<&str>) -> Vec<bool> {
    let lexicon = lexicon(language);
    let content: Vec<&Token> = tokens.iter().filter(|t| !fillers[t.word]).collect();
    let starts_word = |k: usize| k == 0 || content[k - 1].word != content[k].word;
    let mut flags = vec![false; words.len()];
    let mut k = 0;
    while k < content.len() {
        match starts_word(k).then(|| restart_at(words, fillers, &content, &lexicon, k)).flatten() {
            Some(repair) => {
                let repair_word = content[repair].word;
                flags[content[k].word..repair_word].iter_mut().for_each(|f| *f = true);
                // the repair itself may be broken off again ("I I I"): look on from it
                k = repair;
            }
            _ => k += 1,
        }
    }
    for (i, flag) in flags.iter_mut().enumerate() {
        *flag |= fragment(&words[i]) || cut_off_bare(words, i, &lexicon);
    }
    flags
}

/// A word of two to four letters written without a hyphen, or trailing off ("al..."), that the
/// next word starts with and goes on from: "Apr April", "ba band", "al... all". Known short words
/// that start longer ones ("he helped") are speech.
fn cut_off_bare(words: &[Word], i: usize, lexicon: &Lexicon) -> bool {
    let Some(next) = words.get(i + 1) else { return false };
    // four letters and a mark ("tha...") at most: most words end here, before any allocation
    if lexicon.short_words.is_empty() || words[i].text.len() > 12 || silence(words, i, i + 1) > BREAK_PAUSE {
        return false;
    }
    let stem = words[i].text.trim_end_matches(['.', '…']).to_lowercase();
    let following = next.text.to_lowercase();
    // marked as trailing off, a known word counts too, and one letter more suffices ("al... all")
    let marked = broken_off(&words[i]);
    (2..=4).contains(&stem.chars().count())
        && stem.chars().all(char::is_alphabetic)
        && following.chars().count() > stem.chars().count() + usize::from(!marked)
        && following.starts_with(&stem)
        && (marked || !lexicon.short_words.contains(&stem.as_str()))
}

/// The content index of the repair, if a take starting at content token `k` is abandoned.
fn restart_at(words: &[Word], fillers: &[bool], content: &[&Token], lexicon: &Lexicon, k: usize) -> Option<usize> {
    for length in 1..=MAX_TAKE_TOKENS.min(content.len() - k) {
        let end = k + length; // the take is content[k..end]
        let last_word = content[end - 1].word;
        if end < content.len() && content[end].word == last_word {
            continue; // a take ends at a word's end
        }
        if length > 1 && ends_sentence(&words[content[end - 2].word]) && content[end - 2].word != last_word {
            return None; // takes never reach across a sentence's end
        }
        for (repair, edited) in repair_candidates(words, content, lexicon, end) {
            if repair < content.len() && abandoned(words, fillers, content, lexicon, k..end, repair, edited) {
                return Some(repair);
            }
        }
    }
    None
}

/// Whether the take `content[take]` is abandoned for a repair starting at content index `repair`
/// (`edited`: an editing phrase stands between them).
fn abandoned(
    words: &[Word],
    fillers: &[bool],
    content: &[&Token],
    lexicon: &Lexicon,
    take: std::ops::Range<usize>,
    repair: usize,
    edited: bool,
) -> bool {
    let (length, start) = (take.len(), take.start);
    let (take, again) = (&content[take], &content[repair..content.len().min(repair + length)]);
    let (last_word, repair_word) = (take[length - 1].word, content[repair].word);
    if !similar(&take[0].text, &again[0].text) || silence(words, last_word, repair_word) > MAX_RESTART_SILENCE {
        return false;
    }
    let between = last_word + 1..repair_word;
    let same_prefix = take.iter().zip(again).take_while(|(a, b)| similar(&a.text, &b.text)).count();
    let in_place = take.iter().zip(again).filter(|(a, b)| similar(&a.text, &b.text)).count();
    let marked = broken_off(&words[last_word]);
    let stumbled = marked
        || fillers[between.clone()].iter().any(|&f| f)
        || words[between.clone()].iter().any(|w| fragment(w) || broken_off(w));
    let hesitated = stumbled || words[repair_word].start.saturating_sub(words[last_word].end) >= BREAK_PAUSE;
    // "yeah yeah", "no, no, no", "uh-huh uh-huh": doubled on purpose unless the speaker stumbled
    // between; so are the letters of a spelled name ("C N N"), but for the one-letter words
    let spelled = |t: &Token| t.text.chars().count() == 1 && !lexicon.letter_words.contains(&t.text.as_str());
    let said_twice = |p: &&[&str]| spells(p, take);
    // what grammar sees before the take: a few tokens (more than any table looks at), of its sentence
    let recent = &content[start.saturating_sub(GRAMMAR_CONTEXT)..start];
    let recent = &recent[recent.iter().rposition(|t| ends_sentence(&words[t.word])).map_or(0, |end| end + 1)..];
    // words said together: no pause and no comma between
    let together = !hesitated && !words[last_word].text.ends_with(',');
    let grammatical = |double: &GrammaticalDouble| {
        length == 1
            && (double.set_off || together)
            && double.fits(&take[0].text, recent, content.get(repair + 1).copied())
    };
    // "appeal after appeal after appeal": "appeal after" and "after appeal" each come again, the
    // chain going on past the repair ("and after and after that" is a stutter)
    let joins = |t: &Token| lexicon.joining.contains(&t.text.as_str());
    let chained = |at: usize, like: &Token| content.get(at).is_some_and(|t| similar(&t.text, &like.text));
    let joined = together
        && length == 2
        && ((joins(take[1]) && chained(repair + 2, take[0]))
            || (joins(take[0]) && start > 0 && chained(start - 1, take[1])));
    let doubled = !stumbled
        && (take.iter().all(|t| lexicon.doubling.contains(&t.text.as_str()) || spelled(t))
            || lexicon.doubled_phrases.iter().any(said_twice)
            || lexicon.grammatical_doubles.iter().any(grammatical)
            || joined);
    let open = !ends_sentence(&words[last_word]);
    // a long take said again, or a sentence the recogniser heard finished twice ("yes, we're
    // angry. We are angry."), is said for emphasis; unless the speaker stumbled in between: then it
    // is a restart, however long. A full stop on the take alone is no proof: Whisper writes one at
    // a hesitation ("I went. I went to the store").
    let finished_twice = !open && again.len() == length && ends_sentence(&words[again[length - 1].word]);
    let restated = !stumbled && same_prefix == length && (length > MAX_REPEATED_TOKENS || finished_twice);
    let repeated = same_prefix == length && !doubled && !restated;
    let revised = (marked || edited) && open && length <= MAX_REVISED_TOKENS;
    // two words as said ("it's really" is three tokens)
    let words_in_take = 1 + take.windows(2).filter(|pair| pair[0].word != pair[1].word).count();
    let left_hanging = words_in_take == 2
        && open
        && lexicon.dangling.contains(&take[length - 1].text.as_str())
        && !paused_within(words, take);
    let said_again = hesitated
        && !doubled
        && !restated
        && open
        && in_place * 10 >= length * 6
        && in_place >= 2
        && length <= MAX_SAID_AGAIN_TOKENS
        && !paused_within(words, take);
    repeated || revised || said_again || left_hanging
}

/// Whether speech pauses inside a take: a take said again is one phrase, not two.
fn paused_within(words: &[Word], take: &[&Token]) -> bool {
    let (first, last) = (take[0].word, take[take.len() - 1].word);
    words[first..=last].windows(2).any(|pair| pair[1].start.saturating_sub(pair[0].end) >= BREAK_PAUSE)
}

fn ends_sentence(word: &Word) -> bool {
    word.text.ends_with(['.', '?', '!'])
}

/// Where a repair may start after content index `from`: there, and after each editing phrase,
/// discourse marker or fragment that follows (fillers are not content tokens at all), each with
/// whether an editing phrase was skipped to get there. A one-word marker ("so", "well") may be the
/// repair's first word, so a stop before one is a candidate too; a phrase of several words ("you
/// know", "I mean") is the interregnum, never the repair: "for you, you know, and" repeats nothing.
fn repair_candidates(words: &[Word], content: &[&Token], lexicon: &Lexicon, from: usize) -> Vec<(usize, bool)> {
    let mut at = from;
    let mut edited = false;
    let mut candidates = Vec::new();
    loop {
        let phrase = phrase_at(content, lexicon, at);
        if phrase.is_none_or(|(phrase, _)| phrase.len() == 1) {
            candidates.push((at, edited));
        }
        if at >= content.len() {
            break;
        }
        if fragment(&words[content[at].word]) {
            let word = content[at].word;
            while at < content.len() && content[at].word == word {
                at += 1;
            }
            continue;
        }
        match phrase {
            Some((phrase, editing)) => {
                at += phrase.len();
                edited |= editing;
            }
            None => break,
        }
    }
    candidates
}

/// The editing phrase (true) or discourse marker (false) that starts at content index `at`.
fn phrase_at<'a>(content: &[&Token], lexicon: &'a Lexicon, at: usize) -> Option<(&'a [&'a str], bool)> {
    let mut phrases = lexicon.editing.iter().map(|p| (*p, true)).chain(lexicon.discourse.iter().map(|p| (*p, false)));
    phrases.find(|(phrase, _)| {
        phrase.len() <= content.len().saturating_sub(at)
            && spells(phrase, &content[at..at + phrase.len()])
            && (at + phrase.len() == content.len()
                || content[at + phrase.len()].word != content[at + phrase.len() - 1].word)
    })
}

/// Whether `tokens` are `phrase`, token for token.
fn spells(phrase: &[&str], tokens: &[&Token]) -> bool {
    phrase.len() == tokens.len() && phrase.iter().zip(tokens).all(|(p, t)| *p == t.text)
}

/// Silence between words `before` and `after`: the gaps, not the words in between.
fn silence(words: &[Word], before: usize, after: usize) -> Millis {
    words[before..=after].windows(2).map(|pair| pair[1].start.saturating_sub(pair[0].end)).sum()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::text::{normalised, stream};

    /// Words 300 ms apart; "|" marks a 400 ms pause, "^" a collapsed (zero-length) word next.
    fn spoken(text: &str) -> Vec<Word> {
        let mut words = Vec::new();
        let mut time = 0;
        let mut collapse = false;
        for token in text.split_whitespace() {
            match token {
                "|" => time += 400,
                "^" => collapse = true,
                _ => {
                    let end = if collapse { time } else { time + 250 };
                    words.push(Word { text: token.into(), start: time, end, confidence: None });
                    time += if collapse { 0 } else { 300 };
                    collapse = false;
                }
            }
        }
        words
    }

    fn restarts(text: &str) -> Vec<String> {
        let words = spoken(text);
        let tokens = stream(words.iter().map(|w| w.text.as_str()));
        let fillers: Vec<bool> = words.iter().map(|w| ["um", "uh"].contains(&normalised(&w.text).as_str())).collect();
        let flags = find(&words, &tokens, &fillers, None);
        words.iter().zip(flags).filter(|(_, f)| *f).map(|(w, _)| w.text.clone()).collect()
    }

    #[test]
    fn repetitions_of_one_or_more_words_go() {
        assert_eq!(restarts("I I think so"), ["I"]);
        assert_eq!(restarts("I- I think so"), ["I-"]);
        assert_eq!(restarts("I I I think so"), ["I", "I"]);
        assert_eq!(restarts("we we went home"), ["we"]);
        assert_eq!(restarts("it was in the in the middle"), ["in", "the"]);
        assert_eq!(restarts("So today we're going | so today we are going to talk"), ["So", "today", "we're", "going"]);
        assert_eq!(restarts("the um the answer"), ["the", "um"]);
        assert_eq!(restarts("it's ^ it's it's fine"), ["it's", "it's"], "a collapsed word is still a word");
    }

    #[test]
    fn revisions_marked_as_broken_off_go() {
        assert_eq!(restarts("we went— we drove home"), ["we", "went—"]);
        assert_eq!(restarts("on dea- on the death penalty"), ["on", "dea-"]);
        assert_eq!(restarts("The main reason um the key reason is cost"), ["The", "main", "reason", "um"]);
        assert_eq!(restarts("I think— I think— I think so"), ["I", "think—", "I", "think—"]);
    }

    #[test]
    fn interregna_go_with_their_reparandum() {
        assert_eq!(restarts("on Monday, I mean, on Tuesday"), ["on", "Monday,", "I", "mean,"]);
        assert_eq!(restarts("the red- sorry the blue one"), ["the", "red-", "sorry"]);
        assert_eq!(restarts("and then th- the results"), ["th-"]);
        assert_eq!(restarts("By Apr April we had saved"), ["Apr"], "cut off, no hyphen");
        assert_eq!(restarts("the ba band played"), ["ba"]);
        assert_eq!(restarts("it did al... all of the work"), ["al..."]);
        assert!(restarts("he helped me in into the car").is_empty(), "short words that start longer ones");
    }

    #[test]
    fn recognition_errors_do_not_hide_a_restart() {
        assert_eq!(restarts("Audio analysis even | Asdio analysis even works offline."), ["Audio", "analysis", "even"]);
    }

    #[test]
    fn legitimate_repetition_is_kept() {
        assert!(restarts("We need to test. | We need to ship. | Done").is_empty());
        assert!(restarts("one two three four five six").is_empty());
        assert!(restarts("yeah yeah that's right").is_empty());
        assert!(restarts("it was very very good").is_empty());
        assert!(restarts("no no no").is_empty());
        assert!(restarts("Hello? Hello? Oh, hello.").is_empty(), "a greeting said again");
        assert!(restarts("uh-huh | uh-huh | uh-huh").is_empty(), "a back-channel said again after a pause");
        assert!(restarts("other than | that we agree").is_empty(), "'than' and 'that' are two words");
        assert!(restarts("do it that way rather than this way").is_empty());
        assert!(restarts("watch C N N a lot").is_empty());
        assert_eq!(restarts("a a lot"), ["a"]);
        assert!(restarts("I think I know").is_empty(), "a repair that only starts like the take needs a mark");
        assert!(restarts("good for you you know and then").is_empty(), "'you know' is no repair of 'you'");
        assert_eq!(restarts("you- you know that"), ["you-"], "a fragment goes wherever it is");
        assert!(restarts("I don't know | I don't know what to do").is_empty(), "a phrase said twice on purpose");
        assert!(restarts("that's right that's right").is_empty());
        let restated = "I need to lose fifty pounds | I need to lose fifty pounds";
        assert!(restarts(restated).is_empty(), "a sentence said again word for word is a restatement");
        let emphatic = "and yes, we're angry. | We are angry. Rallying";
        assert!(restarts(emphatic).is_empty(), "a finished sentence said again is emphasis");
        assert!(restarts("We're not red enough. We're not conservative enough.").is_empty());
        assert_eq!(restarts("we're angry. um we're angry."), ["we're", "angry.", "um"], "unless the speaker stumbled");
        assert_eq!(restarts("I went. I went to the store."), ["I", "went."], "a hesitation written as a stop");
        let stumbled = "So today we're going to- um so today we're going to talk";
        assert_eq!(restarts(stumbled), ["So", "today", "we're", "going", "to-", "um"], "broken off, then said again");
        let later = "the answer is yes | | | the answer is yes";
        assert_eq!(restarts(later), ["the", "answer", "is", "yes"], "1.25 s apart is still a restart");
        let much_later = format!("the answer{} the answer", " |".repeat(5));
        assert!(restarts(&much_later).is_empty(), "2 s apart is a new sentence");
    }

    #[test]
    fn words_that_grammar_doubles_stay() {
        assert!(restarts("we had had enough of it").is_empty());
        assert!(restarts("I think that that's true").is_empty());
        assert!(restarts("plug it in in the back").is_empty());
        assert!(restarts("what it is is just habit").is_empty());
        assert!(restarts("what the problem is is the cost").is_empty());
        // the same words where grammar does not double them
        assert_eq!(restarts("yeah that that was good"), ["that"]);
        assert_eq!(restarts("I think that that you know"), ["that"]);
        assert_eq!(restarts("the problem here is is that"), ["is"]);
        assert_eq!(restarts("it was in in the middle"), ["in"]);
        assert_eq!(restarts("anything that had had more"), ["had"]);
        assert_eq!(restarts("It depends on what you need. Is, is renting a waste?"), ["Is,"], "another sentence");
        assert_eq!(restarts("I think that um that's true"), ["that", "um"], "a stumble makes it a restart");
        assert!(restarts("appeal after appeal after appeal").is_empty());
        assert!(restarts("we did it step by step by step").is_empty());
        assert_eq!(restarts("and after and after that we left"), ["and", "after"]);
        assert_eq!(restarts("I had- had enough"), ["had-"]);
        assert_eq!(restarts("I had | had enough"), ["had"], "a pause between");
        assert_eq!(restarts("I think that, that's true"), ["that,"], "a comma between");
        assert_eq!(restarts("I had — had enough"), ["had", "—"], "a dash between");
        assert_eq!(restarts("it was in- in the middle"), ["in-"]);
        assert_eq!(restarts("what is is the plan"), ["is"], "no subject: a stutter");
        assert!(restarts("what it is, | is just habit").is_empty(), "a pseudo-cleft may pause");
        assert!(restarts("good for you good for you").is_empty());
    }

    #[test]
    fn two_words_broken_off_on_a_word_that_needs_more_go() {
        assert_eq!(restarts("because of the of their company"), ["of", "the"]);
        assert_eq!(restarts("I just I know it"), ["I", "just"]);
        assert_eq!(restarts("it's really it's fine"), ["it's", "really"], "a contraction is one word");
        assert!(restarts("and this and that").is_empty(), "'this' can end a phrase");
        assert!(restarts("the end of the day and the end of the week").is_empty(), "longer takes are speech");
    }

    #[test]
    fn a_take_never_reaches_back_across_an_earlier_sentence() {
        // the pause breaks "Presets" off "now remember": no take may join the two
        assert!(restarts("We start. | now remember | Presets um now remember the rest.").is_empty());
    }
}
