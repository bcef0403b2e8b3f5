//! Tests of the mapping: headers resolved or refused, rows of each kind mapped, validated and
//! reported by line and column as the file spells them.

use std::sync::Arc;

use quanzi_domain::event::BatchContext;
use quanzi_domain::member::{CustomFieldDef, CustomFieldKind};

use super::{EventColumns, GroupColumns, MemberColumns, derived_key};
use crate::import::{Row, RowError};

fn headers(h: &[&str]) -> Arc<[String]> {
    h.iter().map(|s| s.to_string()).collect::<Vec<_>>().into()
}

fn row(line: usize, h: &Arc<[String]>, v: &[&str]) -> Row {
    Row::new(line, h.clone(), v.iter().map(|s| s.to_string()).collect())
}

fn fields(errs: &[RowError]) -> Vec<(usize, &str)> {
    errs.iter().map(|e| (e.line, e.field.as_str())).collect()
}

const CTX: BatchContext<'static> = BatchContext {
    custom_kinds: &[],
    now_ms: 1_800_000_000_000,
};

fn birthday() -> Vec<CustomFieldDef> {
    vec![
        CustomFieldDef {
            key: "birthday".into(),
            label: "生日".into(),
            kind: CustomFieldKind::Date,
        },
        CustomFieldDef {
            key: "kids".into(),
            label: "孩子数".into(),
            kind: CustomFieldKind::Number,
        },
    ]
}

#[test]
fn a_member_row_maps_every_column() -> Result<(), Vec<RowError>> {
    let h = headers(&[
        "name",
        "gender",
        "district",
        "interests",
        "spending_tier",
        "lifecycle_stage",
        "source_channel",
        "external_userid",
        "unionid",
        "phone",
        "custom.birthday",
        "custom.kids",
        "error",
    ]);
    let cols = MemberColumns::new(&h, 1, &birthday())?;
    let m = cols.parse(&row(
        2,
        &h,
        &[
            "王芳",
            "女",
            "南山区",
            "宝妈|养生、健身,宝妈",
            "VIP",
            "active",
            "poster",
            "wm1",
            "u1",
            "+86 138-0013-8000",
            "1990/05/20",
            "2",
            "old reason",
        ],
    ))?;
    assert_eq!(m.name, "王芳");
    assert_eq!(m.gender.as_str(), "female");
    assert_eq!(m.interests, vec!["宝妈", "养生", "健身"]);
    assert_eq!(m.spending_tier.as_str(), "vip");
    assert_eq!(m.external.phone.as_deref(), Some("13800138000"));
    assert_eq!(
        m.custom.get("birthday"),
        Some(&serde_json::json!("1990-05-20"))
    );
    assert_eq!(m.custom.get("kids"), Some(&serde_json::json!(2)));
    Ok(())
}

#[test]
fn bad_member_cells_are_reported_by_line_and_column() -> Result<(), Vec<RowError>> {
    let h = headers(&["姓名", "gender", "phone", "custom.kids"]);
    let cols = MemberColumns::new(&h, 1, &birthday())?;
    let errs = cols
        .parse(&row(7, &h, &["", "robot", "12345", "many"]))
        .err()
        .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(7, "custom.kids")],
        "type errors come first, then the domain's"
    );
    let errs = cols
        .parse(&row(8, &h, &["", "robot", "12345", "3"]))
        .err()
        .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(8, "姓名"), (8, "gender"), (8, "phone")]
    );
    assert!(errs[0].reason.contains("required"));
    Ok(())
}

#[test]
fn too_long_interests_name_the_item() -> Result<(), Vec<RowError>> {
    let h = headers(&["name", "interests"]);
    let cols = MemberColumns::new(&h, 1, &[])?;
    let long = "长".repeat(40);
    let errs = cols
        .parse(&row(3, &h, &["a", &format!("x|{long}")]))
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(3, "interests")]);
    assert!(errs[0].reason.starts_with("item 2:"), "{}", errs[0].reason);
    Ok(())
}

#[test]
fn member_headers_unknown_repeated_or_missing_are_line_one_errors() {
    let errs = MemberColumns::new(
        &headers(&["name", "nickname", "phone", "phone", "custom.shoe"]),
        1,
        &birthday(),
    )
    .err()
    .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(1, "nickname"), (1, "phone"), (1, "custom.shoe")]
    );
    assert!(errs[0].reason.contains("unknown column"));
    assert!(errs[1].reason.contains("twice"));
    let errs = MemberColumns::new(&headers(&["phone"]), 1, &[])
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(1, "name")]);
}

#[test]
fn values_under_a_nameless_column_are_refused() -> Result<(), Vec<RowError>> {
    let h = headers(&["name", ""]);
    let cols = MemberColumns::new(&h, 1, &[])?;
    assert!(cols.parse(&row(2, &h, &["a", ""])).is_ok());
    let errs = cols
        .parse(&row(3, &h, &["a", "x"]))
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(3, "column 2")]);
    Ok(())
}

#[test]
fn a_group_row_maps_and_validates() -> Result<(), Vec<RowError>> {
    let h = headers(&[
        "name",
        "dimension",
        "theme",
        "rules",
        "capacity_hard",
        "capacity_advised",
        "external_chat_id",
    ]);
    let cols = GroupColumns::new(&h, 1)?;
    let g = cols.parse(&row(
        2,
        &h,
        &[
            "南山宝妈1群",
            "Interest",
            "育儿",
            "不发广告",
            "500",
            "200.0",
            "wr1",
        ],
    ))?;
    assert_eq!(g.name, "南山宝妈1群");
    assert_eq!(g.dimension.as_str(), "interest");
    assert_eq!((g.capacity_hard, g.capacity_advised), (500, 200));
    let errs = cols
        .parse(&row(3, &h, &["x", "space", "", "", "600", "big", ""]))
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(3, "capacity_advised")]);
    let errs = cols
        .parse(&row(4, &h, &["x", "space", "", "", "600", "", ""]))
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(4, "dimension"), (4, "capacity_hard")]);
    Ok(())
}

#[test]
fn an_event_row_maps_dates_money_and_properties() -> Result<(), Vec<RowError>> {
    let h = headers(&[
        "kind",
        "member_id",
        "group_id",
        "occurred_at",
        "amount_yuan",
        "product",
        "reference",
        "properties.join_scene",
        "properties.inviter_member_id",
    ]);
    let cols = EventColumns::new(&h, 1)?;
    assert!(!cols.has_keys());
    let r = row(
        2,
        &h,
        &[
            "order",
            "12",
            "3",
            "2025-01-01 08:00:00",
            "19.99",
            "sku-1",
            "camp",
            "poster",
            "7",
        ],
    );
    let p = cols.parse(&r, &CTX)?;
    let e = &p.event;
    assert_eq!(e.occurred_at_ms, 1_735_689_600_000);
    assert_eq!(e.amount_fen, Some(1999));
    assert_eq!(e.member_id.0, 12);
    assert_eq!(e.group_id.map(|g| g.0), Some(3));
    assert_eq!(e.inviter().map(|m| m.0), Some(7));
    assert_eq!(e.join_scene().as_deref(), Some("poster"));
    assert!(!p.explicit_key());
    assert!(e.idempotency_key.starts_with("import-2-"));
    assert_eq!(
        e.idempotency_key,
        derived_key(&r),
        "derived keys are deterministic"
    );
    let moved = row(
        3,
        &h,
        &r.values.iter().map(String::as_str).collect::<Vec<_>>(),
    );
    assert_ne!(
        derived_key(&moved),
        e.idempotency_key,
        "the line is part of the key"
    );
    Ok(())
}

#[test]
fn bad_event_rows_name_the_files_columns() -> Result<(), Vec<RowError>> {
    let h = headers(&[
        "idempotency_key",
        "kind",
        "member_id",
        "occurred_at",
        "amount_fen",
    ]);
    let cols = EventColumns::new(&h, 1)?;
    assert!(cols.has_keys());
    let errs = cols
        .parse(&row(5, &h, &["k1", "order", "x", "soon", "1.5"]), &CTX)
        .err()
        .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(5, "member_id"), (5, "occurred_at"), (5, "amount_fen")]
    );
    let errs = cols
        .parse(&row(6, &h, &["k 2", "dance", "1", "1700000000", ""]), &CTX)
        .err()
        .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(6, "idempotency_key"), (6, "kind"), (6, "occurred_at")]
    );
    let errs = cols
        .parse(&row(7, &h, &["k3", "", "", "", ""]), &CTX)
        .err()
        .unwrap_or_default();
    assert_eq!(
        fields(&errs),
        vec![(7, "kind"), (7, "member_id"), (7, "occurred_at")]
    );
    Ok(())
}

#[test]
fn the_benchmark_format_is_understood() -> Result<(), Vec<RowError>> {
    let h = headers(&[
        "tenant_id",
        "member_id",
        "group_id",
        "kind",
        "ts",
        "amount",
        "product_id",
    ]);
    let cols = EventColumns::new(&h, 1)?;
    let order = cols.parse(
        &row(
            2,
            &h,
            &["3", "17", "5", "order", "1735689600", "30.5", "42"],
        ),
        &CTX,
    )?;
    assert_eq!(order.tenant_id, Some(3));
    assert_eq!(order.event.occurred_at_ms, 1_735_689_600_000);
    assert_eq!(order.event.amount_fen, Some(3050));
    assert_eq!(order.event.product.as_deref(), Some("42"));
    let msg = cols.parse(
        &row(3, &h, &["3", "17", "5", "message", "1735689601", "0", "0"]),
        &CTX,
    )?;
    assert_eq!((msg.event.amount_fen, msg.event.product), (None, None));
    let errs = cols
        .parse(
            &row(4, &h, &["3", "17", "5", "order", "1735689601", "0", "0"]),
            &CTX,
        )
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(4, "amount")]);
    Ok(())
}

#[test]
fn event_headers_refuse_unknown_missing_and_conflicting_columns() {
    let errs = EventColumns::new(&headers(&["kind", "member", "when"]), 1)
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(1, "member"), (1, "when")]);
    let errs = EventColumns::new(&headers(&["kind", "member_id"]), 1)
        .err()
        .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(1, "occurred_at")]);
    let errs = EventColumns::new(
        &headers(&[
            "kind",
            "member_id",
            "ts",
            "occurred_at",
            "amount",
            "amount_fen",
        ]),
        1,
    )
    .err()
    .unwrap_or_default();
    assert_eq!(fields(&errs), vec![(1, "occurred_at"), (1, "amount_fen")]);
}

#[test]
fn a_row_defect_is_the_only_error_reported() -> Result<(), Vec<RowError>> {
    let h = headers(&["name"]);
    let cols = MemberColumns::new(&h, 1, &[])?;
    let mut r = row(9, &h, &["a"]);
    r.defect = Some(RowError::new(9, "", "has 3 cells"));
    assert_eq!(cols.parse(&r).err().map(|e| e.len()), Some(1));
    Ok(())
}
