//! Tests of the activity kernels against brute-force answers.

use super::*;
use crate::index::IndexRow;

/// A small community: 60 members over 5 groups and 70 days, kinds spread by a fixed LCG.
fn community() -> EventIndex {
    let mut ix = EventIndex::new(8 * 3600);
    let mut x: u64 = 42;
    let kinds = [
        "join", "message", "reaction", "click", "leave", "message", "order", "join",
    ];
    for id in 0..6000i64 {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let r = x >> 33;
        let day = 20_000 + (r % 70) as i64;
        ix.push(&IndexRow {
            event_id: id + 1,
            member_id: (r / 70 % 60) as i64,
            group_id: Some((r / 4200 % 5) as i64),
            kind: kinds[(r / 21_000 % 8) as usize],
            occurred_at_ms: (day * 86_400 + (r % 86_400) as i64) * 1000,
            amount_fen: 100,
            product: None,
        });
    }
    ix.compact();
    ix
}

#[test]
fn one_pass_with_the_previous_period_equals_two_passes() {
    let ix = community();
    let scope = Scope::days(20_040..20_060);
    let plain = range_activity(&ix, &scope, 2);
    let [old, cur] = series_with_previous(&ix, &scope, 1);
    assert_eq!(
        (&plain.dau, &plain.group_dau_sum),
        (&cur.dau, &cur.group_dau_sum)
    );
    assert_eq!(
        (plain.active_members, &plain.group_active),
        (cur.active_members, &cur.group_active)
    );
    assert_eq!(cur, series(&ix, &scope, 2));
    let prev = series(&ix, &scope.previous(), 1);
    assert_eq!((old.dau, old.wau, old.mau), (prev.dau, prev.wau, prev.mau));
    assert_eq!(
        (old.active_members, old.seen_members),
        (prev.active_members, prev.seen_members)
    );
    assert_eq!((old.joins, old.leaves), (prev.joins, prev.leaves));
    assert!(cur.active_members > 0 && cur.dau.iter().any(|&d| d > 1));
    // The groups' DAU sums equal the group-day matrix.
    let gd = dau_by_group_day(&ix, &scope, 1);
    for g in 0..gd.n_groups {
        let sum: u64 = scope.days.clone().map(|d| u64::from(gd.get(g, d))).sum();
        assert_eq!(cur.group_dau_sum[g], sum, "group {g}");
    }
}

#[test]
fn silence_at_several_ends_equals_one_end_at_a_time() {
    let ix = community();
    let ends = [20_030, 20_050, 20_071];
    // Each end counts the active members of the scope's length before it (10 days).
    let all = silence_at(&ix, &Scope::days(0..10), 7, &ends, 2);
    for (s, &end) in all.iter().zip(&ends) {
        let one = silence(&ix, &Scope::days(end - 10..end), 7, 1);
        assert_eq!(s, &one, "end {end}");
    }
    assert!(all[2].members > 0 && all[2].lurkers > 0 && all[2].lurkers < all[2].members);
    assert!(all[0].is_dead(0, 20_030, 100) == all[0].group_last_message[0].is_none());
}

proptest::proptest! {
    /// Whatever the community, the active rate's numerator is among its denominator: active
    /// members are counted among the members at the end of the range, overall and per group.
    #[test]
    fn the_active_members_are_never_more_than_the_members_at_the_end(
        events in proptest::collection::vec((0i64..40, 0i64..4, 0usize..6, 0i64..60), 1..400),
        start in 0i32..50,
        len in 1i32..30,
        grouped in proptest::bool::ANY,
    ) {
        let kinds = ["join", "message", "leave", "click", "order", "reaction"];
        let mut ix = EventIndex::new(0);
        for (i, (m, g, k, day)) in events.iter().enumerate() {
            ix.push(&IndexRow {
                event_id: i as i64 + 1,
                member_id: *m,
                group_id: (*g < 3).then_some(*g),
                kind: kinds[*k],
                occurred_at_ms: (20_000 + day) * 86_400_000 + i as i64,
                amount_fen: 100,
                product: None,
            });
        }
        ix.compact();
        let days = 20_000 + start..20_000 + start + len;
        let scope = if grouped {
            Scope::days(days).with_groups(&ix, &[0, 2])
        } else {
            Scope::days(days)
        };
        let end = scope.days.end;
        for q in silence_at(&ix, &scope, 14, &[scope.previous().days.end, end], 2) {
            proptest::prop_assert!(q.active_members <= q.members, "{} > {}", q.active_members, q.members);
            for g in 0..q.group_members.len() {
                proptest::prop_assert!(q.group_active[g] <= q.group_members[g]);
            }
        }
    }
}

#[test]
fn a_member_who_left_or_never_joined_is_not_counted_active() {
    // Member 1 joins and writes; member 2 writes without joining; member 3 writes then leaves.
    let mut ix = EventIndex::new(0);
    let day = |d: i64| (20_000 + d) * 86_400_000;
    let rows = [
        (1, "join", 0),
        (1, "message", 1),
        (2, "message", 1),
        (3, "join", 0),
        (3, "message", 1),
        (3, "leave", 2),
    ];
    for (i, (m, kind, d)) in rows.iter().enumerate() {
        ix.push(&IndexRow {
            event_id: i as i64 + 1,
            member_id: *m,
            group_id: Some(7),
            kind,
            occurred_at_ms: day(*d) + i as i64,
            amount_fen: 0,
            product: None,
        });
    }
    ix.compact();
    let q = silence(&ix, &Scope::days(20_000..20_005), 14, 1);
    assert_eq!((q.members, q.active_members), (1, 1));
    assert_eq!((q.group_members[0], q.group_active[0]), (1, 1));
}
