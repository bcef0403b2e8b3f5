#![allow(clippy::unwrap_used)]

use proptest::prelude::*;

use super::*;

fn room(g: i64, load: i64, advised: i64, hard: i64) -> Room {
    Room {
        group: GroupId(g),
        load,
        advised,
        hard,
    }
}

#[test]
fn the_first_group_below_its_advised_size_is_chosen() {
    let rooms = [room(1, 200, 200, 500), room(2, 10, 200, 500)];
    assert_eq!(route(&rooms), Route::Group(GroupId(2)));
}

#[test]
fn past_every_advised_size_the_least_loaded_group_below_its_cap_is_chosen() {
    let rooms = [
        room(1, 450, 200, 500),
        room(2, 300, 200, 500),
        room(3, 500, 200, 500),
    ];
    assert_eq!(route(&rooms), Route::Group(GroupId(2)));
    assert_eq!(route(&[room(1, 500, 200, 500)]), Route::Full);
    assert_eq!(route(&[]), Route::Full);
}

#[test]
fn the_first_matching_rule_picks_the_groups() {
    let rule = |d: Option<&str>, i: Option<&str>, g: i64| RouteRule {
        district: d.map(Into::into),
        interest: i.map(Into::into),
        tier: None,
        group_ids: vec![GroupId(g)],
    };
    let rules = [
        rule(Some("南山"), Some("宝妈"), 1),
        rule(Some("南山"), None, 2),
    ];
    let pool = [GroupId(9)];
    let t = |d: &str, i: &[&str]| Traits {
        district: Some(d.into()),
        interests: i.iter().map(|s| s.to_string()).collect(),
        tier: None,
    };
    assert_eq!(
        candidates(&rules, &pool, &t("南山", &["宝妈"])),
        &[GroupId(1)]
    );
    assert_eq!(
        candidates(&rules, &pool, &t("南山", &["健身"])),
        &[GroupId(2)]
    );
    assert_eq!(candidates(&rules, &pool, &t("福田", &[])), &[GroupId(9)]);
}

#[test]
fn an_opened_group_is_named_after_its_template() {
    assert_eq!(opened_name("南山店群 2", 3), "南山店群 3");
    assert_eq!(opened_name("VIP", 2), "VIP 2");
}

#[test]
fn bad_inputs_name_their_field() {
    let i = LiveCodeInput {
        slug: Some("Bad Slug".into()),
        kind: Some("tv".into()),
        ..Default::default()
    };
    let e = i.into_new().err().unwrap_or_default();
    let fields: Vec<_> = e.0.iter().map(|f| f.field.as_str()).collect();
    assert_eq!(fields, ["name", "slug", "kind"]);
}

proptest! {
    /// Scans routed one after another never put a group above its hard capacity, and routing
    /// says Full only when every group is at it.
    #[test]
    fn routing_never_passes_a_hard_capacity(
        groups in proptest::collection::vec((0i64..20, 1i64..20, 1i64..20), 1..6),
        scans in 0usize..200,
    ) {
        let mut rooms: Vec<Room> = groups.iter().enumerate().map(|(i, (load, a, h))| {
            let hard = (*h).max(*a);
            room(i as i64, (*load).min(hard), *a, hard)
        }).collect();
        for _ in 0..scans {
            match route(&rooms) {
                Route::Group(g) => {
                    let r = rooms.iter_mut().find(|r| r.group == g).unwrap();
                    prop_assert!(r.load < r.hard);
                    r.load += 1;
                }
                Route::Full => {
                    prop_assert!(rooms.iter().all(|r| r.load >= r.hard));
                }
            }
        }
    }
}
