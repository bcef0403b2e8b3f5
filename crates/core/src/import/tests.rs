//! Tests of members, groups and events imports: all or nothing, reject files, re-imports.

use std::sync::atomic::{AtomicUsize, Ordering};

use quanzi_domain::group::GroupInput;
use quanzi_domain::member::{MemberInput, NewMember};
use quanzi_domain::{GroupId, MemberId};
use quanzi_store::event as event_repo;
use quanzi_store::{group, member, now_ms};

use super::*;

type TestResult = std::result::Result<(), Box<dyn std::error::Error>>;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> std::io::Result<Self> {
        static N: AtomicUsize = AtomicUsize::new(0);
        let p = std::env::temp_dir().join(format!(
            "quanzi-import-{}-{}-{}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed),
            now_ms()
        ));
        std::fs::create_dir_all(&p)?;
        Ok(Self(p))
    }

    fn file(&self, name: &str, text: &str) -> std::io::Result<PathBuf> {
        let p = self.0.join(name);
        std::fs::write(&p, text)?;
        Ok(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

struct Fixture {
    dir: TempDir,
    db: Db,
    t: TenantId,
    members: Vec<MemberId>,
    groups: Vec<GroupId>,
}

/// A fresh SQLite store with one tenant, two members and one group.
async fn fixture() -> std::result::Result<Fixture, Box<dyn std::error::Error>> {
    let dir = TempDir::new()?;
    let db = Db::connect(&dir.0.join("q.db").to_string_lossy()).await?;
    db.migrate().await?;
    let mut tx = db.begin().await?;
    let t = TenantId(tenant::create(&mut tx, "shop", "Shop").await?.tenant_id);
    let mut members = Vec::new();
    for (name, phone) in [("王芳", "13800138000"), ("李雷", "13900139000")] {
        let m = MemberInput {
            name: Some(name.into()),
            phone: Some(phone.into()),
            ..Default::default()
        }
        .into_new(&[])?;
        members.push(MemberId(member::create(&mut tx, t, &m).await?.member_id));
    }
    let g = GroupInput {
        name: Some("南山1群".into()),
        external_chat_id: Some("wr-1".into()),
        ..Default::default()
    }
    .into_new()?;
    let groups = vec![GroupId(
        group::create(&mut tx, t, &g, now_ms()).await?.group_id,
    )];
    tx.commit().await?;
    Ok(Fixture {
        dir,
        db,
        t,
        members,
        groups,
    })
}

fn quiet(_: u64, _: Option<u64>) {}

async fn import(
    f: &Fixture,
    kind: ImportKind,
    path: &Path,
    opts: &ImportOptions,
) -> Result<ImportReport> {
    import_file(&f.db, f.t, kind, path, opts, &quiet).await
}

fn lines_and_fields(r: &ImportReport) -> Vec<(usize, &str)> {
    r.errors
        .iter()
        .map(|e| (e.line, e.field.as_str()))
        .collect()
}

#[tokio::test]
async fn one_bad_member_row_writes_nothing_and_names_its_line() -> TestResult {
    let f = fixture().await?;
    let path = f.dir.file(
        "members.csv",
        "name,phone,gender\n张三,13700137000,male\n李四,12345,female\n王五,,robot\n",
    )?;
    let r = import(&f, ImportKind::Members, &path, &ImportOptions::default()).await?;
    assert!(!r.committed && !r.is_success());
    assert_eq!((r.rows, r.imported, r.rejected), (3, 0, 2));
    assert_eq!(lines_and_fields(&r), vec![(3, "phone"), (4, "gender")]);
    assert_eq!(member::count(&f.db, f.t).await?, 2, "nothing was written");
    assert_eq!(r.reject_file, None);
    Ok(())
}

#[tokio::test]
async fn skip_bad_writes_the_good_rows_and_a_reject_file() -> TestResult {
    let f = fixture().await?;
    let path = f.dir.file(
        "members.csv",
        "name,phone,interests\n张三,13700137000,宝妈|养生\n李四,12345,\n王芳,13800138000,\n赵六,13700137000,\n",
    )?;
    let opts = ImportOptions {
        skip_bad: true,
        ..Default::default()
    };
    let r = import(&f, ImportKind::Members, &path, &opts).await?;
    assert!(r.committed);
    assert_eq!((r.rows, r.imported, r.duplicates, r.rejected), (4, 1, 1, 2));
    assert_eq!(lines_and_fields(&r), vec![(3, "phone"), (5, "phone")]);
    assert!(
        r.errors[1].reason.contains("line 2"),
        "{}",
        r.errors[1].reason
    );
    assert_eq!(member::count(&f.db, f.t).await?, 3);
    let reject = r.reject_file.clone().ok_or("no reject file")?;
    assert_eq!(reject, f.dir.0.join("members.rejects.csv"));
    let text = std::fs::read_to_string(&reject)?;
    let lines: Vec<&str> = text.trim_start_matches('\u{feff}').lines().collect();
    assert_eq!(lines[0], "name,phone,interests,error");
    assert!(
        lines[1].starts_with("李四,12345,,line 3: phone: "),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].starts_with("赵六,13700137000,,line 5: phone: repeats"),
        "{}",
        lines[2]
    );
    assert_eq!(lines.len(), 3);
    Ok(())
}

#[tokio::test]
async fn re_importing_an_events_file_stores_nothing_new() -> TestResult {
    let f = fixture().await?;
    let (m1, m2, g) = (f.members[0].0, f.members[1].0, f.groups[0].0);
    let text = format!(
        "kind,member_id,group_id,occurred_at,amount_yuan,properties.join_scene\n\
         join,{m1},{g},2025-01-01 08:00:00,,poster\n\
         message,{m1},{g},1735689700000,,\n\
         order,{m2},,2025-01-02T10:00:00+08:00,19.99,\n\
         message,{m1},{g},1735689700000,,\n"
    );
    let path = f.dir.file("events.csv", &text)?;
    let seen = std::sync::Mutex::new(Vec::new());
    let progress = |done: u64, total: Option<u64>| {
        if let Ok(mut s) = seen.lock() {
            s.push((done, total));
        }
    };
    let opts = ImportOptions::default();
    let r = import_file(&f.db, f.t, ImportKind::Events, &path, &opts, &progress).await?;
    assert!(r.is_success(), "{:?}", r.errors);
    assert_eq!((r.rows, r.imported, r.duplicates), (4, 4, 0));
    assert_eq!(
        seen.lock().map(|s| s.first().copied()).ok().flatten(),
        Some((0, Some(4)))
    );
    assert_eq!(
        seen.lock().map(|s| s.last().copied()).ok().flatten(),
        Some((4, Some(4)))
    );
    let again = import(&f, ImportKind::Events, &path, &opts).await?;
    assert!(again.is_success());
    assert_eq!((again.rows, again.imported, again.duplicates), (4, 0, 4));
    assert_eq!(event_repo::count(&f.db, f.t).await?, 4);
    // The join made the member part of the group; the order kept its fen exactly.
    assert_eq!(
        group::get(&f.db, f.t, f.groups[0]).await?.map(|g| g.size),
        Some(1)
    );
    let orders = event_repo::list(
        &f.db,
        f.t,
        &event_repo::EventFilter {
            kind: Some("order".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await?;
    assert_eq!(
        orders.iter().map(|e| e.amount_fen).collect::<Vec<_>>(),
        vec![Some(1999)]
    );
    Ok(())
}

#[tokio::test]
async fn events_naming_unknown_members_or_groups_fail_all_or_nothing() -> TestResult {
    let f = fixture().await?;
    let (m1, g) = (f.members[0].0, f.groups[0].0);
    let text = format!(
        "idempotency_key,kind,member_id,group_id,occurred_at\n\
         a,message,{m1},{g},1735689700000\n\
         b,message,999999,{g},1735689700000\n\
         c,message,{m1},888888,1735689700000\n\
         a,message,{m1},{g},1735689700000\n"
    );
    let path = f.dir.file("events.csv", &text)?;
    let r = import(&f, ImportKind::Events, &path, &ImportOptions::default()).await?;
    assert!(!r.committed);
    assert_eq!(
        lines_and_fields(&r),
        vec![(3, "member_id"), (4, "group_id"), (5, "idempotency_key")]
    );
    assert_eq!(event_repo::count(&f.db, f.t).await?, 0);
    Ok(())
}

#[tokio::test]
async fn the_benchmark_csv_imports_with_other_tenants_left_out() -> TestResult {
    let f = fixture().await?;
    let (t, m1, m2, g) = (f.t.0, f.members[0].0, f.members[1].0, f.groups[0].0);
    let other = t + 1;
    let text = format!(
        "tenant_id,member_id,group_id,kind,ts,amount,product_id\n\
         {t},{m1},{g},join,1735689600,0.0,0\n\
         {other},{m1},{g},message,1735689601,0.0,0\n\
         {t},{m2},{g},order,1735689602,30.5,42\n"
    );
    let path = f.dir.file("bench.csv", &text)?;
    let strict = import(&f, ImportKind::Events, &path, &ImportOptions::default()).await?;
    assert_eq!(lines_and_fields(&strict), vec![(3, "tenant_id")]);
    assert_eq!(event_repo::count(&f.db, f.t).await?, 0);
    let opts = ImportOptions {
        skip_other_tenants: true,
        ..Default::default()
    };
    let r = import(&f, ImportKind::Events, &path, &opts).await?;
    assert!(r.is_success(), "{:?}", r.errors);
    assert_eq!((r.rows, r.imported, r.other_tenant), (3, 2, 1));
    let order = event_repo::list(
        &f.db,
        f.t,
        &event_repo::EventFilter {
            kind: Some("order".into()),
            limit: 10,
            ..Default::default()
        },
    )
    .await?;
    let o = order.first().ok_or("no order")?;
    assert_eq!(
        (o.amount_fen, o.product.as_deref()),
        (Some(3050), Some("42"))
    );
    assert_eq!(o.occurred_at_ms, 1_735_689_602_000);
    Ok(())
}

#[tokio::test]
async fn groups_import_and_skip_known_chat_ids() -> TestResult {
    let f = fixture().await?;
    let path = f.dir.file(
        "groups.csv",
        "群名,dimension,capacity_hard,external_chat_id\n宝妈群,interest,300,wr-2\n南山1群,district,,wr-1\n",
    )?;
    let r = import(&f, ImportKind::Groups, &path, &ImportOptions::default()).await?;
    assert!(r.is_success(), "{:?}", r.errors);
    assert_eq!((r.imported, r.duplicates), (1, 1));
    let all = group::list(&f.db, f.t, None, None, 10).await?;
    assert_eq!(all.len(), 2);
    assert_eq!(all[1].capacity_hard, 300);
    Ok(())
}

#[tokio::test]
async fn header_errors_and_unreadable_files_write_nothing() -> TestResult {
    let f = fixture().await?;
    let path = f.dir.file("m.csv", "name,nickname\n张三,小张\n")?;
    let r = import(&f, ImportKind::Members, &path, &ImportOptions::default()).await?;
    assert!(!r.committed);
    assert_eq!(lines_and_fields(&r), vec![(1, "nickname")]);
    let missing = f.dir.0.join("nope.csv");
    let err = import(&f, ImportKind::Members, &missing, &ImportOptions::default()).await;
    assert!(matches!(err, Err(CoreError::Invalid(_))));
    let same = ImportOptions {
        skip_bad: true,
        reject_path: Some(path.clone()),
        ..Default::default()
    };
    assert!(import(&f, ImportKind::Members, &path, &same).await.is_err());
    Ok(())
}

/// `QUANZI_IMPORT_ROWS=1000000 cargo test -p quanzi-core --release bulk -- --ignored --nocapture`
#[tokio::test]
#[ignore = "a timing run, not a check"]
async fn bulk_benchmark_format_events() -> TestResult {
    let n: u64 = std::env::var("QUANZI_IMPORT_ROWS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200_000);
    let f = fixture().await?;
    let mut tx = f.db.begin().await?;
    let people: Vec<(NewMember, i64)> = (0..2000)
        .map(|i| {
            MemberInput {
                name: Some(format!("m{i}")),
                ..Default::default()
            }
            .into_new(&[])
            .map(|m| (m, 0))
        })
        .collect::<std::result::Result<_, _>>()?;
    let ids = member::create_many(&mut tx, f.t, &people).await?;
    tx.commit().await?;
    let (t, g) = (f.t.0, f.groups[0].0);
    let mut text = String::from("tenant_id,member_id,group_id,kind,ts,amount,product_id\n");
    for i in 0..n {
        let m = ids[(i as usize * 7919) % ids.len()].0;
        let (kind, amount, product) = match i % 20 {
            0 => ("order", "30.5", "42"),
            1 => ("click", "0.0", "0"),
            _ => ("message", "0.0", "0"),
        };
        text.push_str(&format!(
            "{t},{m},{g},{kind},{},{amount},{product}\n",
            1_735_689_600 + i
        ));
    }
    let path = f.dir.file("bench.csv", &text)?;
    let start = std::time::Instant::now();
    let r = import(&f, ImportKind::Events, &path, &ImportOptions::default()).await?;
    let secs = start.elapsed().as_secs_f64();
    eprintln!(
        "{n} rows in {secs:.2}s ({:.0} rows/s): {:?}",
        n as f64 / secs,
        (r.imported, r.duplicates, r.rejected)
    );
    assert_eq!(r.imported, n);
    Ok(())
}

#[test]
fn the_import_future_is_send() {
    fn is_send<T: Send>(_: &T) {}
    let fut = async {
        let db = Db::connect("/nonexistent/never-opened.db").await;
        if let Ok(db) = db {
            let _ = import_file(
                &db,
                TenantId(1),
                ImportKind::Events,
                Path::new("x.csv"),
                &ImportOptions::default(),
                &quiet,
            )
            .await;
        }
    };
    is_send(&fut);
}
