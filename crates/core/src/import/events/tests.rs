//! Tests of events imports: ids created once, every row kept, membership as the API path.

use std::collections::BTreeMap;

use std::sync::atomic::{AtomicU64, Ordering};

use quanzi_domain::event::{BatchContext, EventInput, NewEvent};
use quanzi_domain::{GroupId, MemberId};
use quanzi_store::bulk::external_id;
use quanzi_store::{event, group, member};
use quanzi_testkit::TestDb;

use super::*;
use crate::import::{ImportKind, import_file};

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

const HEADER: &str = "tenant_id,member_id,group_id,kind,ts,amount,product_id\n";

/// A file in the temporary directory, removed when dropped.
struct TempFile(PathBuf);

impl TempFile {
    fn new(text: &str) -> std::io::Result<Self> {
        static N: AtomicU64 = AtomicU64::new(0);
        let p = std::env::temp_dir().join(format!(
            "quanzi-bulk-{}-{}-{}.csv",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            now_ms()
        ));
        std::fs::write(&p, text)?;
        Ok(TempFile(p))
    }
}

impl Drop for TempFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

async fn new_tenant(db: &Db, slug: &str) -> Result<TenantId> {
    let mut tx = db.begin().await?;
    let t = tenant::create(&mut tx, slug, slug).await?;
    tx.commit().await?;
    Ok(TenantId(t.tenant_id))
}

fn mapped() -> ImportOptions {
    ImportOptions {
        create_missing: true,
        ignore_tenant_column: true,
        ..Default::default()
    }
}

fn quiet(_: u64, _: Option<u64>) {}

async fn import(db: &Db, t: TenantId, file: &TempFile) -> Result<ImportReport> {
    import_file(db, t, ImportKind::Events, &file.0, &mapped(), &quiet).await
}

/// `n` benchmark rows over 500 members and 7 groups, every 20th an order, the first
/// of each member a join.
fn bench_file(n: u64) -> String {
    let mut text = String::from(HEADER);
    let mut seen = std::collections::HashSet::new();
    for i in 0..n {
        let m = (i * 7919) % 500 + 1;
        let g = m % 7 + 1;
        let (kind, amount, product) = if seen.insert(m) {
            ("join", "0", "0")
        } else if i % 20 == 0 {
            ("order", "30.5", "42")
        } else {
            ("message", "0", "0")
        };
        text.push_str(&format!(
            "{},{m},{g},{kind},{},{amount},{product}\n",
            i % 3 + 1,
            1_735_689_600 + i
        ));
    }
    text
}

#[tokio::test]
async fn a_benchmark_file_creates_members_and_groups_once_and_imports_every_row() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "bulk").await?;
        // More rows than one batch, so the members of a later batch are found, not made.
        let n = EVENT_CHUNK as u64 + 4_464;
        let file = TempFile::new(&bench_file(n))?;
        let r = import(db, t, &file).await?;
        assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
        assert_eq!((r.rows, r.imported, r.duplicates), (n, n, 0));
        assert_eq!((r.members_created, r.groups_created), (500, 7));
        assert_eq!(event::count(db, t).await?, n as i64);
        assert_eq!(member::count(db, t).await?, 500);
        let again = import(db, t, &file).await?;
        assert!(again.is_success());
        assert_eq!(
            (again.imported, again.duplicates),
            (0, n),
            "{}",
            db.backend()
        );
        assert_eq!((again.members_created, again.groups_created), (0, 0));
        assert_eq!(event::count(db, t).await?, n as i64);
        assert_eq!(member::count(db, t).await?, 500);
        let groups = group::list(db, t, None, None, 100).await?;
        assert_eq!(groups.len(), 7);
        // Every member joined their group once: the groups hold all 500.
        assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), 500);
        let order = event::list(
            db,
            t,
            &event::EventFilter {
                kind: Some("order".into()),
                limit: 1,
                ..Default::default()
            },
        )
        .await?;
        let o = order.first().ok_or("no order")?;
        assert_eq!(
            (o.amount_fen, o.product.as_deref()),
            (Some(3050), Some("42"))
        );
    }
    Ok(())
}

#[tokio::test]
async fn a_load_of_many_joins_keeps_every_membership_and_every_key() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "joins").await?;
        let n = 20_000u64;
        let mut text = String::from(HEADER);
        for m in 1..=n {
            let ts = 1_735_689_600 + m;
            text.push_str(&format!("1,{m},{},join,{ts},0,0\n", m % 7 + 1));
        }
        let r = import(db, t, &TempFile::new(&text)?).await?;
        assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
        assert_eq!((r.imported, r.members_created), (n, n), "{}", db.backend());
        let groups = group::list(db, t, None, None, 100).await?;
        assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), n as i64);
        let history = group::history_of_member(db, t, MemberId(1), 10).await?;
        assert!(history.len() <= 1);
    }
    Ok(())
}

#[tokio::test]
async fn a_grown_file_stores_only_its_new_lines() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "grown").await?;
        let n = EVENT_CHUNK as u64 + 4_464;
        let first = bench_file(n);
        let r = import(db, t, &TempFile::new(&first)?).await?;
        assert_eq!(r.imported, n, "{}", db.backend());
        // The same file with four more lines: two new members, one joining and leaving.
        let ts = 1_735_689_600 + 100_000;
        let grown = format!(
            "{first}1,501,1,join,{ts},0,0\n1,502,2,join,{},0,0\n1,501,1,leave,{},0,0\n1,3,4,order,{},12.5,7\n",
            ts + 1,
            ts + 2,
            ts + 3
        );
        let r = import(db, t, &TempFile::new(&grown)?).await?;
        assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
        assert_eq!(
            (r.imported, r.duplicates, r.members_created),
            (4, n, 2),
            "{}",
            db.backend()
        );
        assert_eq!(event::count(db, t).await?, n as i64 + 4);
        assert_eq!(member::count(db, t).await?, 502);
        // 502 joined; 501 joined and left.
        let groups = group::list(db, t, None, None, 100).await?;
        assert_eq!(groups.iter().map(|g| g.size).sum::<i64>(), 501);
    }
    Ok(())
}

#[tokio::test]
async fn a_bad_row_in_the_middle_writes_nothing() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "bulk").await?;
        let mut text = bench_file(EVENT_CHUNK as u64 + 10);
        // Line BATCH + 5 (well after the first batch went to the store) is bad.
        let bad_line = EVENT_CHUNK + 5;
        let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
        lines[bad_line - 1] = "1,3,1,wave,1735689600,0,0".into();
        lines.push("1,3,1,order,1735689600,-1,0".into());
        text = lines.join("\n");
        let file = TempFile::new(&text)?;
        let r = import(db, t, &file).await?;
        assert!(!r.committed, "{}", db.backend());
        assert_eq!(r.rejected, 2);
        let at: Vec<(usize, &str)> = r
            .errors
            .iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect();
        assert_eq!(at, vec![(bad_line, "kind"), (lines.len(), "amount")]);
        assert_eq!(r.imported, 0);
        assert_eq!(event::count(db, t).await?, 0, "{}", db.backend());
        assert_eq!(member::count(db, t).await?, 0);
        assert!(group::list(db, t, None, None, 10).await?.is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn another_tenants_member_with_the_same_external_id_is_not_reused() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (a, b) = (new_tenant(db, "a").await?, new_tenant(db, "b").await?);
        let theirs = MemberInput {
            name: Some("别家".into()),
            external_userid: Some(external_id(7)),
            ..Default::default()
        }
        .into_new(&[])?;
        let mut tx = db.begin().await?;
        let theirs = member::create(&mut tx, b, &theirs).await?;
        tx.commit().await?;
        let file = TempFile::new(&format!("{HEADER}2,7,1,join,1735689600,0,0\n"))?;
        let r = import(db, a, &file).await?;
        assert_eq!((r.imported, r.members_created), (1, 1), "{:?}", r.errors);
        let filter = quanzi_store::member::MemberFilter {
            limit: 10,
            ..Default::default()
        };
        let ours = member::list(db, a, &filter).await?;
        assert_eq!(ours.len(), 1);
        assert_ne!(ours[0].member_id, theirs.member_id);
        assert_eq!(ours[0].external_userid.as_deref(), Some("import:7"));
        assert_eq!(event::count(db, b).await?, 0);
        let events = event::list(
            db,
            a,
            &event::EventFilter {
                limit: 5,
                ..Default::default()
            },
        )
        .await?;
        assert_eq!(
            events.iter().map(|e| e.member_id).collect::<Vec<_>>(),
            vec![ours[0].member_id]
        );
    }
    Ok(())
}

/// The tenant's groups and members by external id: current members with role, joined,
/// scene and inviter; and the whole history.
async fn membership(db: &Db, t: TenantId) -> Result<BTreeMap<String, (Vec<String>, Vec<String>)>> {
    let names: BTreeMap<i64, String> = member::list(
        db,
        t,
        &quanzi_store::member::MemberFilter {
            limit: 1000,
            ..Default::default()
        },
    )
    .await?
    .into_iter()
    .map(|m| (m.member_id, m.external_userid.unwrap_or_default()))
    .collect();
    let mut out = BTreeMap::new();
    for g in group::list(db, t, None, None, 100).await? {
        let who = |id: i64| names.get(&id).cloned().unwrap_or_default();
        let mut now: Vec<String> = group::members(db, t, GroupId(g.group_id), None, 1000)
            .await?
            .into_iter()
            .map(|m| {
                format!(
                    "{} {} {} {:?} {:?}",
                    who(m.member_id),
                    m.role,
                    m.joined_at_ms,
                    m.join_scene,
                    m.inviter_member_id
                )
            })
            .collect();
        now.sort();
        let mut history: Vec<String> = group::history_of_group(db, t, GroupId(g.group_id), 1000)
            .await?
            .into_iter()
            .map(|h| format!("{} {} {:?} {}", who(h.member_id), h.change, h.role, h.at_ms))
            .collect();
        history.reverse();
        out.insert(g.external_chat_id.unwrap_or_default(), (now, history));
    }
    Ok(out)
}

#[tokio::test]
async fn joins_and_leaves_change_membership_exactly_as_the_api_path() -> TestResult {
    // Rejoin of a closed membership, a leave without one, a leave and a join at the same
    // second, a join of a member already in, and a line earlier in time than the others.
    let rows = [
        (1, 1, "join", 1_735_689_700),
        (2, 1, "join", 1_735_689_700),
        (2, 1, "message", 1_735_689_701),
        (3, 2, "leave", 1_735_689_702),
        (2, 1, "leave", 1_735_689_703),
        (2, 1, "join", 1_735_689_703),
        (4, 2, "join", 1_735_689_704),
        (1, 1, "join", 1_735_689_706),
        (5, 1, "join", 1_735_689_650),
        (5, 1, "leave", 1_735_689_800),
    ];
    let mut text = String::from(HEADER);
    for (m, g, kind, ts) in rows {
        text.push_str(&format!("1,{m},{g},{kind},{ts},0,0\n"));
    }
    let file = TempFile::new(&text)?;
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (bulk_t, api_t) = (new_tenant(db, "bulk").await?, new_tenant(db, "api").await?);
        let mut ids = Vec::new();
        for t in [bulk_t, api_t] {
            // Both start with member 1 having joined and left group 1 through the API.
            // Members 2..5 exist only in the API tenant; the bulk load creates them.
            let last = if t == api_t { 5 } else { 1 };
            let (members, groups) = people(db, t, 1..=last).await?;
            let before = vec![
                api_event("pre-1", "join", members[&1], groups[&1], 1_735_689_000_000),
                api_event("pre-2", "leave", members[&1], groups[&1], 1_735_689_100_000),
            ];
            event::append(db, t, before, Vec::new()).await?;
            ids.push((members, groups));
        }
        let r = import(db, bulk_t, &file).await?;
        assert!(r.is_success(), "{:?}", r.errors);
        assert_eq!(r.members_created, 4);
        let (members, groups) = &ids[1];
        let through_api: Vec<NewEvent> = rows
            .iter()
            .enumerate()
            .map(|(i, (m, g, kind, ts))| {
                api_event(&format!("k{i}"), kind, members[m], groups[g], ts * 1000)
            })
            .collect();
        event::append(db, api_t, through_api, Vec::new()).await?;
        assert_eq!(
            membership(db, bulk_t).await?,
            membership(db, api_t).await?,
            "{}",
            db.backend()
        );
    }
    Ok(())
}

/// Members `ms` (named `m1`…) and groups 1..=2 (`g1`, `g2`) of `t` under their file ids'
/// external ids: (members, groups) as file id → id.
async fn people(
    db: &Db,
    t: TenantId,
    ms: std::ops::RangeInclusive<i64>,
) -> Result<(BTreeMap<i64, i64>, BTreeMap<i64, i64>)> {
    let mut tx = db.begin().await?;
    let (mut members, mut groups) = (BTreeMap::new(), BTreeMap::new());
    for m in ms {
        let new = MemberInput {
            name: Some(format!("m{m}")),
            external_userid: Some(external_id(m)),
            ..Default::default()
        }
        .into_new(&[])?;
        members.insert(m, member::create(&mut tx, t, &new).await?.member_id);
    }
    for g in 1..=2 {
        let new = GroupInput {
            name: Some(format!("g{g}")),
            external_chat_id: Some(external_id(g)),
            ..Default::default()
        }
        .into_new()?;
        groups.insert(g, group::create(&mut tx, t, &new, 0).await?.group_id);
    }
    tx.commit().await?;
    Ok((members, groups))
}

/// When `member` joined `group` of `t`, while a member of it.
async fn joined(db: &Db, t: TenantId, group: i64, member: i64) -> Result<Option<i64>> {
    let now = group::members(db, t, GroupId(group), None, 100).await?;
    Ok(now
        .iter()
        .find(|x| x.member_id == member)
        .map(|x| x.joined_at_ms))
}

/// (member name, change, role, at_ms) of each history entry.
fn told(h: &[group::MembershipChange]) -> Vec<(String, String, Option<String>, i64)> {
    h.iter()
        .map(|c| {
            (
                c.member_name.clone(),
                c.change.clone(),
                c.role.clone(),
                c.at_ms,
            )
        })
        .collect()
}

#[tokio::test]
async fn an_imports_joins_and_leaves_are_history_rows_beside_the_apis() -> TestResult {
    let s = 1_735_689_600;
    let first = format!(
        "{HEADER}1,1,1,join,{},0,0\n1,2,1,join,{},0,0\n1,1,1,leave,{},0,0\n1,1,1,message,{},0,0\n1,3,2,join,{},0,0\n",
        s + 100,
        s + 101,
        s + 102,
        s + 103,
        s + 104
    );
    let second = format!("{HEADER}1,1,1,join,{},0,0\n", s + 200);
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, other) = (
            new_tenant(db, "hist").await?,
            new_tenant(db, "other").await?,
        );
        let (m, g) = people(db, t, 1..=3).await?;
        let (om, og) = people(db, other, 1..=3).await?;
        for (tenant, text) in [(t, &first), (t, &second), (other, &first)] {
            let r = import(db, tenant, &TempFile::new(text)?).await?;
            assert!(r.is_success(), "{:?}", r.errors);
        }
        // Two loads, two records; then a leave through the API, out of order: older than
        // the second load's join.
        assert_eq!(event::loads::loads(db, t, 10).await?.len(), 2);
        let late = api_event("api-leave", "leave", m[&1], g[&1], (s + 150) * 1000);
        event::append(db, t, vec![late], Vec::new()).await?;
        let join = |n: &str, at: i64| {
            (
                n.to_owned(),
                "join".to_owned(),
                Some("member".to_owned()),
                at * 1000,
            )
        };
        let leave = |n: &str, at: i64| (n.to_owned(), "leave".to_owned(), None, at * 1000);
        let whole = vec![
            join("m1", s + 200),
            leave("m1", s + 150),
            leave("m1", s + 102),
            join("m2", s + 101),
            join("m1", s + 100),
        ];
        let of_group = group::history_of_group(db, t, GroupId(g[&1]), 10).await?;
        assert_eq!(told(&of_group), whole, "{}", db.backend());
        assert!(
            of_group
                .iter()
                .all(|c| c.group_name == "g1" && c.join_scene.is_none())
        );
        let newest = group::history_of_group(db, t, GroupId(g[&1]), 2).await?;
        assert_eq!(told(&newest), whole[..2].to_vec());
        let of_member = group::history_of_member(db, t, MemberId(m[&1]), 10).await?;
        let mine: Vec<_> = whole.iter().filter(|c| c.0 == "m1").cloned().collect();
        assert_eq!(told(&of_member), mine, "{}", db.backend());
        // Member 3's join of the other group.
        let third = group::history_of_member(db, t, MemberId(m[&3]), 10).await?;
        assert_eq!(told(&third), vec![join("m3", s + 104)]);
        // The other tenant's history is its own load's alone; neither reads the other's.
        let theirs = group::history_of_group(db, other, GroupId(og[&1]), 10).await?;
        assert_eq!(told(&theirs), whole[2..].to_vec(), "{}", db.backend());
        assert!(
            group::history_of_group(db, other, GroupId(g[&1]), 10)
                .await?
                .is_empty()
        );
        assert!(
            group::history_of_member(db, t, MemberId(om[&1]), 10)
                .await?
                .is_empty()
        );
        // The late leave closed member 1's membership; settling it against the history
        // finds the later join of the second load and opens it again from then.
        assert_eq!(joined(db, t, g[&1], m[&1]).await?, None, "{}", db.backend());
        let mut tx = db.begin().await?;
        quanzi_store::wecom::settle_membership(&mut tx, t, g[&1], m[&1]).await?;
        tx.commit().await?;
        assert_eq!(
            joined(db, t, g[&1], m[&1]).await?,
            Some((s + 200) * 1000),
            "{}",
            db.backend()
        );
    }
    Ok(())
}

/// The events of `t` as listed newest first, all of them.
async fn all_events(db: &Db, t: TenantId) -> Result<Vec<event::Event>> {
    let f = event::EventFilter {
        limit: 1_000_000,
        ..Default::default()
    };
    Ok(event::list(db, t, &f).await?)
}

#[tokio::test]
async fn imported_and_api_events_read_as_one_event_store() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (t, other) = (new_tenant(db, "one").await?, new_tenant(db, "other").await?);
        let n = EVENT_CHUNK as u64 + 100;
        let r = import(db, t, &TempFile::new(&bench_file(n))?).await?;
        assert_eq!(r.imported, n, "{}", db.backend());
        // Rows through the API after the import: they get the higher ids.
        let listed = all_events(db, t).await?;
        let some = &listed[0];
        let g = some.group_id.ok_or("no group")?;
        let at = 1_735_689_600_000 + 100_000_000;
        let api = vec![
            api_event("api-1", "message", some.member_id, g, at),
            api_event("api-2", "message", some.member_id, g, at + 1),
        ];
        assert_eq!(event::append(db, t, api, Vec::new()).await?, vec![0, 1]);
        assert_eq!(event::count(db, t).await?, n as i64 + 2);
        let all = all_events(db, t).await?;
        assert_eq!(all.len() as u64, n + 2, "{}", db.backend());
        let ids: Vec<i64> = all.iter().map(|e| e.event_id).collect();
        assert!(ids.windows(2).all(|w| w[0] > w[1]), "{}", db.backend());
        assert_eq!(
            (
                all[0].idempotency_key.as_str(),
                all[1].idempotency_key.as_str()
            ),
            ("api-2", "api-1")
        );
        // An imported row as served: its key derived from the file line, no properties.
        let b = &all[2];
        assert!(b.idempotency_key.starts_with("import"), "{b:?}");
        assert_eq!(
            (b.properties.as_str(), b.reference.as_deref()),
            ("{}", None)
        );
        // Paging by cursor goes through every event once.
        let mut paged = Vec::new();
        let mut before = None;
        loop {
            let f = event::EventFilter {
                before,
                limit: 9_000,
                ..Default::default()
            };
            let page = event::list(db, t, &f).await?;
            let Some(last) = page.last() else { break };
            before = Some(last.event_id);
            paged.extend(page.into_iter().map(|e| e.event_id));
        }
        assert_eq!(paged, ids, "{}", db.backend());
        // A member's events, newest first by time.
        let f = event::EventFilter {
            member_id: Some(MemberId(some.member_id)),
            limit: 1_000,
            ..Default::default()
        };
        let mine = event::list(db, t, &f).await?;
        let expected = all.iter().filter(|e| e.member_id == some.member_id).count();
        assert_eq!(mine.len(), expected, "{}", db.backend());
        assert_eq!(mine[0].idempotency_key, "api-2");
        assert!(
            mine.windows(2)
                .all(|w| w[0].occurred_at_ms >= w[1].occurred_at_ms)
        );
        // Daily counts and totals, equal to counting the listed events.
        let days = event::daily(db, t, None, 0, 8 * 3600).await?;
        assert_eq!(days.iter().map(|d| d.events).sum::<i64>(), n as i64 + 2);
        let totals = event::totals_since(db, t, 0).await?;
        let interactions: Vec<&event::Event> = all
            .iter()
            .filter(|e| e.kind != "join" && e.kind != "leave")
            .collect();
        let orders = all.iter().filter(|e| e.kind == "order").count() as i64;
        let active: std::collections::HashSet<i64> =
            interactions.iter().map(|e| e.member_id).collect();
        assert_eq!(
            (
                totals.events,
                totals.orders,
                totals.gmv_fen,
                totals.active_members
            ),
            (
                interactions.len() as i64,
                orders,
                orders * 3050,
                active.len() as i64
            ),
            "{}",
            db.backend()
        );
        // The analytics scan: every event once, in id order, from any watermark.
        let scanned =
            quanzi_store::analytics::scan_events(db, t, 0, Vec::new(), |v, r| v.push(r.event_id))
                .await?;
        let mut ascending = ids.clone();
        ascending.reverse();
        assert_eq!(scanned, ascending, "{}", db.backend());
        let mid = ascending[ascending.len() / 2];
        let after =
            quanzi_store::analytics::scan_events(db, t, mid, Vec::new(), |v, r| v.push(r.event_id))
                .await?;
        let tail: Vec<i64> = ascending.iter().copied().filter(|id| *id > mid).collect();
        assert_eq!(after, tail, "{}", db.backend());
        assert!(quanzi_store::analytics::max_event_id(db).await? >= ids[0]);
        // Nothing of it shows in another tenant.
        assert_eq!(event::count(db, other).await?, 0);
        assert!(all_events(db, other).await?.is_empty());
        assert!(event::daily(db, other, None, 0, 8 * 3600).await?.is_empty());
    }
    Ok(())
}

#[tokio::test]
async fn an_imported_key_is_not_stored_again_by_the_api_nor_the_other_way() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let (a, b) = (
            new_tenant(db, "bulk-a").await?,
            new_tenant(db, "bulk-b").await?,
        );
        let n = 3_000;
        let file = TempFile::new(&bench_file(n))?;
        assert_eq!(import(db, a, &file).await?.imported, n);
        let listed = all_events(db, a).await?;
        let messages: Vec<&event::Event> = listed
            .iter()
            .filter(|e| e.kind == "message")
            .take(3)
            .collect();
        let again: Vec<NewEvent> = messages
            .iter()
            .map(|e| {
                let g = e.group_id.unwrap_or(1);
                api_event(
                    &e.idempotency_key,
                    "message",
                    e.member_id,
                    g,
                    e.occurred_at_ms,
                )
            })
            .collect();
        // The API finds the keys tenant a's import stored.
        assert_eq!(
            event::append(db, a, again.clone(), Vec::new()).await?,
            Vec::<usize>::new()
        );
        assert_eq!(event::count(db, a).await?, n as i64, "{}", db.backend());
        // In tenant b, keys in the form imports stored up to schema v25 (the reader's,
        // `import-{line}-{hash}`) are new rows; an import of the file then skips their rows.
        let legacy: Vec<NewEvent> = again
            .into_iter()
            .map(|mut e| {
                let parts: Vec<&str> = e.idempotency_key.split('.').collect();
                if let [_, _, _, line, hash] = parts[..] {
                    e.idempotency_key = format!("import-{line}-{hash}");
                }
                e
            })
            .collect();
        assert_eq!(
            event::append(db, b, legacy, Vec::new()).await?,
            vec![0, 1, 2]
        );
        let r = import(db, b, &file).await?;
        assert_eq!((r.imported, r.duplicates), (n - 3, 3), "{}", db.backend());
        assert_eq!(event::count(db, b).await?, n as i64);
        let keys: std::collections::HashSet<String> = all_events(db, b)
            .await?
            .into_iter()
            .map(|e| e.idempotency_key)
            .collect();
        assert_eq!(keys.len() as u64, n, "{}", db.backend());
    }
    Ok(())
}

#[tokio::test]
async fn merging_a_member_moves_their_imported_events() -> TestResult {
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "merge").await?;
        let n = 2_000;
        import(db, t, &TempFile::new(&bench_file(n))?).await?;
        let listed = all_events(db, t).await?;
        let source = listed[0].member_id;
        let target = listed
            .iter()
            .map(|e| e.member_id)
            .find(|m| *m != source)
            .ok_or("one member")?;
        let theirs = |m: i64| listed.iter().filter(|e| e.member_id == m).count();
        let (from_source, from_target) = (theirs(source), theirs(target));
        let mut tx = db.begin().await?;
        member::merge(&mut tx, t, MemberId(target), MemberId(source)).await?;
        tx.commit().await?;
        let of = |m: i64| event::EventFilter {
            member_id: Some(MemberId(m)),
            limit: 10_000,
            ..Default::default()
        };
        assert!(
            event::list(db, t, &of(source)).await?.is_empty(),
            "{}",
            db.backend()
        );
        assert_eq!(
            event::list(db, t, &of(target)).await?.len(),
            from_source + from_target,
            "{}",
            db.backend()
        );
        assert_eq!(event::count(db, t).await?, n as i64);
    }
    Ok(())
}

fn api_event(key: &str, kind: &str, m: i64, g: i64, at_ms: i64) -> NewEvent {
    let ctx = BatchContext {
        custom_kinds: &[],
        now_ms: now_ms(),
    };
    let input = EventInput {
        idempotency_key: key.into(),
        kind: kind.into(),
        member_id: MemberId(m).0,
        group_id: Some(g),
        occurred_at_ms: at_ms,
        amount_fen: None,
        product: None,
        reference: None,
        properties: None,
    };
    match input.parse(0, &ctx) {
        Ok(e) => e,
        Err(e) => panic!("{e:?}"),
    }
}

/// The tenant's member id filed under the file's id `f`.
async fn by_file_id(db: &Db, t: TenantId, f: i64) -> Result<i64> {
    let filter = quanzi_store::member::MemberFilter {
        limit: 1000,
        ..Default::default()
    };
    let all = member::list(db, t, &filter).await?;
    let ext = external_id(f);
    all.iter()
        .find(|m| m.external_userid.as_deref() == Some(ext.as_str()))
        .map(|m| m.member_id)
        .ok_or_else(|| crate::CoreError::Invalid(quanzi_domain::Invalid::one("member", ext)))
}

#[tokio::test]
async fn every_column_is_kept_and_the_members_the_properties_link_are_the_tenants() -> TestResult {
    let text = "member_id,group_id,kind,occurred_at_ms,idempotency_key,reference,properties.join_scene,properties.inviter_member_id,properties.reply_to_member_id,properties.of_member_id,properties.note\n\
        1,1,join,1735689600000,k-join,poster-7,qr,2,,,\n\
        3,1,message,1735689601000,k-reply,,,,1,,好的\n\
        4,1,share,1735689602000,k-share,,,,,3,\n";
    let file = TempFile::new(text)?;
    for tdb in TestDb::all().await {
        let db = &tdb.db;
        let t = new_tenant(db, "links").await?;
        // A member of another tenant must not be linked.
        let other = new_tenant(db, "other").await?;
        people(db, other, 1..=4).await?;
        let r = import(db, t, &file).await?;
        assert!(r.is_success(), "{} {:?}", db.backend(), r.errors);
        // Members 1, 3, 4 by the rows, 2 only as an inviter.
        assert_eq!((r.imported, r.members_created), (3, 4), "{}", db.backend());
        let m = |f| by_file_id(db, t, f);
        let (m1, m2, m3) = (m(1).await?, m(2).await?, m(3).await?);
        let all = all_events(db, t).await?;
        let key = |k: &str| all.iter().find(|e| e.idempotency_key == k).cloned();
        let join = key("k-join").ok_or("join")?;
        assert_eq!(join.reference.as_deref(), Some("poster-7"));
        let props: serde_json::Value = serde_json::from_str(&join.properties)?;
        assert_eq!(props["inviter_member_id"], m2, "{}", db.backend());
        assert_eq!(props["join_scene"], "qr");
        let reply: serde_json::Value =
            serde_json::from_str(&key("k-reply").ok_or("reply")?.properties)?;
        assert_eq!(reply["reply_to_member_id"], m1);
        assert_eq!(reply["note"], "好的");
        let share: serde_json::Value =
            serde_json::from_str(&key("k-share").ok_or("share")?.properties)?;
        assert_eq!(share["of_member_id"], m3);
        // The join's scene and inviter are the membership's and the history's.
        let now = group::members(db, t, GroupId(join.group_id.ok_or("group")?), None, 10).await?;
        let joined = now.iter().find(|x| x.member_id == m1).ok_or("member 1")?;
        assert_eq!(
            (joined.join_scene.as_deref(), joined.inviter_member_id),
            (Some("qr"), Some(m2))
        );
    }
    Ok(())
}
