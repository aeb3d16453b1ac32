//! Pagination of lists: `limit` 1–100 (default 20), `offset` ≥ 0.

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
}

impl Page {
    /// Offsets beyond this are refused: D1 binds numbers as doubles, and no list is that long.
    pub const MAX_OFFSET: u64 = 1 << 40;

    /// The error is a message for a `bad_request`: a query string is not a form to correct field
    /// by field, so API.md answers its bad values with 400, not 422.
    pub fn parse(limit: Option<u32>, offset: Option<u64>) -> Result<Self, String> {
        let limit = limit.unwrap_or(DEFAULT_LIMIT);
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(format!("query parameter `limit` must be between 1 and {MAX_LIMIT}"));
        }
        let offset = offset.unwrap_or(0);
        if offset > Self::MAX_OFFSET {
            return Err(format!("query parameter `offset` must be at most {}", Self::MAX_OFFSET));
        }
        Ok(Self { limit, offset })
    }
}

/// One page of a list and the number of items across all pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
}

impl<T> Listed<T> {
    /// The same page with each item converted.
    pub fn map<U>(self, convert: impl FnMut(T) -> U) -> Listed<U> {
        Listed { items: self.items.into_iter().map(convert).collect(), total: self.total }
    }

    /// The same page with each item converted, or the first conversion's error.
    pub fn try_map<U, E>(self, convert: impl FnMut(T) -> Result<U, E>) -> Result<Listed<U>, E> {
        Ok(Listed { items: self.items.into_iter().map(convert).collect::<Result<_, _>>()?, total: self.total })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_bounded() {
        assert_eq!(Page::parse(None, None), Ok(Page { limit: 20, offset: 0 }));
        assert_eq!(Page::parse(Some(100), Some(7)), Ok(Page { limit: 100, offset: 7 }));
        assert!(Page::parse(Some(0), None).is_err());
        assert!(Page::parse(Some(101), None).is_err());
        assert!(Page::parse(None, Some(u64::MAX)).is_err());
    }
}
