//! Which failed D1 calls are tried again. D1 answers some failures that say nothing about the
//! statements: the database was busy (local D1 is one SQLite file that the queue consumer and the
//! API write at once, and answers `SQLITE_BUSY`), overloaded, or its object was reset or lost
//! its connection (Cloudflare's list of retryable D1 errors). A batch that only reads is tried
//! again on any of them; one that writes only when the failure says nothing ran (busy, locked,
//! overloaded), for a lost connection may have lost the answer of a write that landed.

use std::time::Duration;

use super::sql::Statement;

/// The waits before the second and third tries: a busy SQLite file is free again within tens of
/// milliseconds, and a reset object within a few hundred.
pub const BACKOFF: [Duration; 2] = [Duration::from_millis(25), Duration::from_millis(250)];

/// Failures that mean the statements did not run.
const NOT_RUN: &[&str] = &["SQLITE_BUSY", "database is locked", "D1 DB is overloaded"];
/// Failures that may come after a write ran; reads are safe to try again.
const MAYBE_RUN: &[&str] = &[
    "Network connection lost",
    "storage caused object to be reset",
    "reset because its code was updated",
    // local D1 under a write lock answers this, not the busy error it logs
    "Failed to parse body as JSON",
];

/// Whether a batch of `statements` that failed with `error` is tried again.
pub fn worth_retrying(error: &str, statements: &[Statement]) -> bool {
    let said = |markers: &[&str]| markers.iter().any(|marker| error.contains(marker));
    said(NOT_RUN) || (said(MAYBE_RUN) && statements.iter().all(reads_only))
}

/// Whether `statement` only reads: D1's own test for its automatic retries, a statement of
/// `SELECT` (our SQL writes with `INSERT`, `UPDATE` and `DELETE`, never `WITH … INSERT`).
fn reads_only(statement: &Statement) -> bool {
    let sql = statement.sql.trim_start();
    sql.get(..6).is_some_and(|keyword| keyword.eq_ignore_ascii_case("select"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn statement(sql: &str) -> Statement {
        Statement::new(sql, &[])
    }

    #[test]
    fn a_busy_database_is_tried_again_for_reads_and_writes() {
        let busy = "D1: D1_ERROR: database is locked: SQLITE_BUSY";
        assert!(worth_retrying(busy, &[statement("SELECT 1")]));
        assert!(worth_retrying(busy, &[statement("UPDATE assets SET state = 'ready'")]));
    }

    #[test]
    fn a_lost_answer_is_tried_again_only_for_reads() {
        let lost = "D1: D1_ERROR: Network connection lost.";
        assert!(worth_retrying(lost, &[statement("  select id FROM assets"), statement("SELECT 2")]));
        assert!(!worth_retrying(lost, &[statement("SELECT 1"), statement("INSERT INTO ledger VALUES (1)")]));
        let local = "D1: D1_ERROR: Failed to parse body as JSON, got: Error: SQLITE_BUSY";
        assert!(worth_retrying(local, &[statement("SELECT 1")]), "it names the busy database");
        let unparsed = "D1: D1_ERROR: Failed to parse body as JSON";
        assert!(!worth_retrying(unparsed, &[statement("DELETE FROM cuts")]));
    }

    #[test]
    fn errors_of_the_statements_are_not_tried_again() {
        for error in ["D1: D1_ERROR: UNIQUE constraint failed: cuts.id", "D1: D1_ERROR: no such table: secrets"] {
            assert!(!worth_retrying(error, &[statement("SELECT 1")]), "{error}");
        }
    }
}
