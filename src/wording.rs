//! Wording shared by every printed line, report and page: counts with their noun in the right
//! number ("1 sheet", "3 sheets", never "sheet(s)").

/// "1 record", "3 records".
pub fn count(count: usize, one: &str, many: &str) -> String {
    format!("{count} {}", if count == 1 { one } else { many })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_is_singular_and_every_other_count_plural() {
        assert_eq!(count(1, "sheet", "sheets"), "1 sheet");
        assert_eq!(count(0, "sheet", "sheets"), "0 sheets");
        assert_eq!(count(3, "ceremony", "ceremonies"), "3 ceremonies");
    }
}
