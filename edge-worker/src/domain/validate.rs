//! Small parsers for user-given values ("parse, don't validate"): each returns the clean value or
//! a field error naming where it came from.

use super::DomainError;

/// A required display name: trimmed, 1..=`max_chars` characters, no control characters.
pub fn name(field: &str, raw: &str, max_chars: usize) -> Result<String, DomainError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(DomainError::invalid(field, "must not be empty"));
    }
    if trimmed.chars().count() > max_chars {
        return Err(DomainError::invalid(field, format!("must be at most {max_chars} characters")));
    }
    if trimmed.chars().any(char::is_control) {
        return Err(DomainError::invalid(field, "must not contain control characters"));
    }
    Ok(trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("body.name", "  Launch  ", 10), Ok("Launch".to_owned()));
        assert!(name("body.name", "   ", 10).is_err());
        assert!(name("body.name", "abcdefghijk", 10).is_err());
        assert_eq!(name("body.name", "é".repeat(10).as_str(), 10), Ok("é".repeat(10)));
        assert!(name("body.name", "a\u{7}b", 10).is_err());
    }
}
