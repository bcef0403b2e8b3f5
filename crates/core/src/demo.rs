//! The demo community: a fresh-produce chain with stores, groups, members and 90 days of activity (being written).
