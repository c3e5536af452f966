//! DHIS2 periods: the relative period keywords (dhis2-analytics.md §3.1, the same 45 on
//! 2.40–2.44) and a check of ISO period ids (§3.2).

/// Every relative period keyword DHIS2 accepts, with its English name (the metaData name).
pub const RELATIVE_PERIODS: [(&str, &str); 45] = [
    ("TODAY", "Today"),
    ("YESTERDAY", "Yesterday"),
    ("LAST_3_DAYS", "Last 3 days"),
    ("LAST_7_DAYS", "Last 7 days"),
    ("LAST_14_DAYS", "Last 14 days"),
    ("LAST_30_DAYS", "Last 30 days"),
    ("LAST_60_DAYS", "Last 60 days"),
    ("LAST_90_DAYS", "Last 90 days"),
    ("LAST_180_DAYS", "Last 180 days"),
    ("THIS_WEEK", "This week"),
    ("LAST_WEEK", "Last week"),
    ("THIS_BIWEEK", "This bi-week"),
    ("LAST_BIWEEK", "Last bi-week"),
    ("LAST_4_WEEKS", "Last 4 weeks"),
    ("LAST_4_BIWEEKS", "Last 4 bi-weeks"),
    ("LAST_12_WEEKS", "Last 12 weeks"),
    ("LAST_52_WEEKS", "Last 52 weeks"),
    ("WEEKS_THIS_YEAR", "Weeks this year"),
    ("THIS_MONTH", "This month"),
    ("LAST_MONTH", "Last month"),
    ("LAST_3_MONTHS", "Last 3 months"),
    ("LAST_6_MONTHS", "Last 6 months"),
    ("LAST_12_MONTHS", "Last 12 months"),
    ("MONTHS_THIS_YEAR", "Months this year"),
    ("MONTHS_LAST_YEAR", "Months last year"),
    ("THIS_BIMONTH", "This bi-month"),
    ("LAST_BIMONTH", "Last bi-month"),
    ("LAST_6_BIMONTHS", "Last 6 bi-months"),
    ("BIMONTHS_THIS_YEAR", "Bi-months this year"),
    ("THIS_QUARTER", "This quarter"),
    ("LAST_QUARTER", "Last quarter"),
    ("LAST_4_QUARTERS", "Last 4 quarters"),
    ("QUARTERS_THIS_YEAR", "Quarters this year"),
    ("QUARTERS_LAST_YEAR", "Quarters last year"),
    ("THIS_SIX_MONTH", "This six-month"),
    ("LAST_SIX_MONTH", "Last six-month"),
    ("LAST_2_SIXMONTHS", "Last 2 six-months"),
    ("THIS_YEAR", "This year"),
    ("LAST_YEAR", "Last year"),
    ("LAST_5_YEARS", "Last 5 years"),
    ("LAST_10_YEARS", "Last 10 years"),
    ("THIS_FINANCIAL_YEAR", "This financial year"),
    ("LAST_FINANCIAL_YEAR", "Last financial year"),
    ("LAST_5_FINANCIAL_YEARS", "Last 5 financial years"),
    ("LAST_10_FINANCIAL_YEARS", "Last 10 financial years"),
];

/// True for a relative period keyword.
pub fn is_relative(id: &str) -> bool {
    RELATIVE_PERIODS.iter().any(|(k, _)| *k == id)
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

fn in_range(s: &str, lo: u32, hi: u32) -> bool {
    digits(s) && s.parse::<u32>().is_ok_and(|n| (lo..=hi).contains(&n))
}

/// True for an ISO period id DHIS2 accepts (§3.2): daily `20240101`, weekly `2024W1`
/// (and `Wed`/`Thu`/`Sat`/`Sun`/`Fri` weeks, `BiW`), monthly `202401`, bi-monthly `202401B`,
/// quarterly `2024Q1` (and `NovQ`), six-monthly `2024S1` (`AprilS`, `NovS`), yearly `2024`,
/// financial years `2024April|July|Oct|Nov|Sep|Feb|Aug`, and a range `20240101_20240131`.
pub fn is_iso_period(id: &str) -> bool {
    if let Some((a, b)) = id.split_once('_') {
        return a.len() == 8 && b.len() == 8 && digits(a) && digits(b);
    }
    if id.len() < 4 || !digits(&id[..4]) {
        return false;
    }
    let rest = &id[4..];
    if rest.is_empty() {
        return true;
    }
    if digits(rest) {
        return match rest.len() {
            2 => in_range(rest, 1, 12),
            4 => in_range(&rest[..2], 1, 12) && in_range(&rest[2..], 1, 31),
            _ => false,
        };
    }
    if matches!(
        rest,
        "April" | "July" | "Oct" | "Nov" | "Sep" | "Feb" | "Aug"
    ) {
        return true;
    }
    if let Some(b) = rest.strip_suffix('B') {
        return b.len() == 2 && in_range(b, 1, 6);
    }
    for (prefix, max) in [
        ("BiW", 27),
        ("WedW", 53),
        ("ThuW", 53),
        ("SatW", 53),
        ("SunW", 53),
        ("FriW", 53),
        ("W", 53),
        ("NovQ", 4),
        ("Q", 4),
        ("AprilS", 2),
        ("NovS", 2),
        ("S", 2),
    ] {
        if let Some(n) = rest.strip_prefix(prefix) {
            return n.len() <= 2 && in_range(n, 1, max);
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_periods_are_the_full_list() {
        assert_eq!(RELATIVE_PERIODS.len(), 45);
        assert!(is_relative("LAST_12_MONTHS") && is_relative("LAST_MONTH"));
        assert!(!is_relative("LAST_13_MONTHS"));
    }

    #[test]
    fn iso_periods() {
        for ok in [
            "2024",
            "202401",
            "20240131",
            "2024W1",
            "2024W53",
            "2024BiW3",
            "2024WedW2",
            "202406B",
            "2024Q4",
            "2024NovQ1",
            "2024S2",
            "2024AprilS1",
            "2024April",
            "2024Oct",
            "2024Sep",
            "20240101_20240131",
        ] {
            assert!(is_iso_period(ok), "{ok}");
        }
        for bad in [
            "2024M13", "202413", "2024Q5", "2024W0", "202407B", "24", "abcd", "2024Mar", "2024S3",
            "20240132", "",
        ] {
            assert!(!is_iso_period(bad), "{bad}");
        }
    }
}
