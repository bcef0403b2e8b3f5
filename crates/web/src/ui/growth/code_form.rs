//! Creating and editing a live code (`/ui/growth/codes/new`, `/ui/growth/codes/{id}/edit`):
//! name, slug, kind, store, its groups, template group, gift, the two-question form, routing
//! rules, staff, welcome and tags; a valid form opens the code's page, an invalid one comes
//! back with each error beside its field or row.

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::views::LiveCode;
use quanzi_core::{CoreError, gifts, live_codes};
use quanzi_domain::GroupId;
use quanzi_domain::live_code::{LiveCodeInput, LiveCodeKind};
use quanzi_domain::member::SpendingTier;

use super::super::form::{FormErrors, label, refusal, refused, see_other, unprocessable};
use super::super::{Layout, UiUser, render, server_error};
use super::code_rows::{RuleRow, RuleView, StaffRow, form_field, rule_views, staff_views};
use super::{Pairs, not_found};
use crate::AppState;
use crate::api::IdPath;

/// The label prefix of the form's fields in the locale files.
const PREFIX: &str = "code_form";

/// The fields the form shows beside their inputs (rows are shown beside theirs too).
const FIELDS: [&str; 12] = [
    "name",
    "slug",
    "kind",
    "store",
    "group_ids",
    "template_group_id",
    "gift_id",
    "rules",
    "staff",
    "backup_staff",
    "welcome",
    "auto_tags",
];

/// The form as sent and shown again: every value as typed.
#[derive(Debug, Default)]
pub struct CodeForm {
    name: String,
    slug: String,
    kind: String,
    store: String,
    groups: Vec<i64>,
    template_group_id: String,
    gift_id: String,
    ask: bool,
    rules: Vec<RuleRow>,
    staff: Vec<StaffRow>,
    backup_staff: String,
    welcome: String,
    auto_tags: String,
}

impl CodeForm {
    fn read(p: &Pairs) -> CodeForm {
        CodeForm {
            name: p.get("name").to_string(),
            slug: p.get("slug").to_string(),
            kind: p.get("kind").to_string(),
            store: p.get("store").to_string(),
            groups: p.ids("group_ids"),
            template_group_id: p.get("template_group_id").to_string(),
            gift_id: p.get("gift_id").to_string(),
            ask: !p.get("ask").is_empty(),
            rules: RuleRow::read(p),
            staff: StaffRow::read(p),
            backup_staff: p.get("backup_staff").to_string(),
            welcome: p.raw("welcome"),
            auto_tags: p.get("auto_tags").to_string(),
        }
    }

    fn of(c: &LiveCode) -> CodeForm {
        CodeForm {
            name: c.name.clone(),
            slug: c.slug.clone(),
            kind: c.kind.clone(),
            store: c.store.clone().unwrap_or_default(),
            groups: c.group_ids.iter().map(|g| g.0).collect(),
            template_group_id: c
                .template_group_id
                .map(|g| g.0.to_string())
                .unwrap_or_default(),
            gift_id: c.gift_id.map(|g| g.to_string()).unwrap_or_default(),
            ask: c.ask,
            rules: c.rules.iter().map(RuleRow::of).collect(),
            staff: c.staff.iter().map(StaffRow::of).collect(),
            backup_staff: c.backup_staff.clone().unwrap_or_default(),
            welcome: c.welcome.clone().unwrap_or_default(),
            auto_tags: c.auto_tags.join(", "),
        }
    }

    /// The use-case's input; a number that is not one is an error of its own.
    fn input(&self, l: &Layout, errs: &mut FormErrors) -> LiveCodeInput {
        let some = |v: &str| Some(v.trim().to_string()).filter(|v| !v.is_empty());
        let id = |v: &str| v.trim().parse::<i64>().ok();
        LiveCodeInput {
            name: Some(self.name.clone()),
            slug: Some(self.slug.clone()),
            kind: some(&self.kind),
            store: some(&self.store),
            group_ids: Some(self.groups.iter().copied().map(GroupId).collect()),
            rules: Some(self.rules.iter().map(RuleRow::input).collect()),
            template_group_id: id(&self.template_group_id).map(GroupId),
            gift_id: id(&self.gift_id),
            ask: Some(self.ask),
            staff: Some(
                self.staff
                    .iter()
                    .enumerate()
                    .map(|(i, s)| s.input(l, errs, i))
                    .collect(),
            ),
            backup_staff: some(&self.backup_staff),
            welcome: some(&self.welcome),
            auto_tags: Some(
                self.auto_tags
                    .split([',', '，', '、'])
                    .map(str::trim)
                    .filter(|t| !t.is_empty())
                    .map(str::to_string)
                    .collect(),
            ),
        }
    }
}

/// The label of a form field: a row's is numbered (`路由规则 2`).
fn field_label(l: &Layout, field: &str) -> String {
    for (prefix, key) in [("rule", "code_form.rule_n"), ("staff", "code_form.staff_n")] {
        if let Some(i) = field
            .strip_prefix(prefix)
            .and_then(|i| i.parse::<usize>().ok())
        {
            return l.t(key).replace("{n}", &(i + 1).to_string());
        }
    }
    label(l, PREFIX, field)
}

#[derive(Template)]
#[template(path = "growth_code_form.html")]
struct CodeFormPage {
    l: Layout,
    code_id: Option<i64>,
    title: String,
    f: CodeForm,
    errs: FormErrors,
    others: Vec<String>,
    kinds: Vec<(&'static str, String)>,
    tiers: Vec<(&'static str, String)>,
    /// Every group to tick: (id, name, ticked), the code's own first in its order.
    groups: Vec<(i64, String, bool)>,
    gifts: Vec<(i64, String)>,
    rules: Vec<RuleView>,
    staff: Vec<StaffRow>,
    /// The staff block is open: a staff code, staff typed, or an error in it.
    staff_open: bool,
}

async fn page(
    s: &AppState,
    u: &UiUser,
    code_id: Option<i64>,
    f: CodeForm,
    errs: FormErrors,
) -> Response {
    let t = u.tenant();
    let (all, gift_list) = match tokio::try_join!(
        async { Ok(quanzi_core::read::group::list(&s.db, t, None, None, 1000).await?) },
        gifts::list(&s.db, t),
    ) {
        Ok(v) => v,
        Err(e) => return server_error(e),
    };
    let l = u.layout("growth");
    let title = match code_id {
        None => l.t("growth.code.new").to_string(),
        Some(_) => format!("{} · {}", l.t("growth.edit"), f.name),
    };
    // The code's groups first, in its order; then the open groups and any other the form
    // names (an archived template or a rule's group stays as it was).
    let named_elsewhere = |id: i64| {
        f.template_group_id == id.to_string() || f.rules.iter().any(|r| r.groups.contains(&id))
    };
    let mut named: Vec<(i64, String)> = f
        .groups
        .iter()
        .filter_map(|id| all.iter().find(|g| g.group_id.0 == *id))
        .map(|g| (g.group_id.0, g.name.clone()))
        .collect();
    named.extend(
        all.iter()
            .filter(|g| !f.groups.contains(&g.group_id.0))
            .filter(|g| g.archived_at_ms.is_none() || named_elsewhere(g.group_id.0))
            .map(|g| (g.group_id.0, g.name.clone())),
    );
    let groups = named
        .iter()
        .map(|(id, name)| (*id, name.clone(), f.groups.contains(id)))
        .collect();
    let kinds = LiveCodeKind::ALL
        .iter()
        .map(|k| (k.as_str(), l.code("lc_kind", k.as_str())))
        .collect();
    let tiers = SpendingTier::ALL
        .iter()
        .map(|k| (k.as_str(), l.t(&format!("tier.{}", k.as_str())).to_string()))
        .collect();
    // Rows' errors are shown beside their rows; the rest above the form.
    let rows: Vec<String> = (0..f.rules.len().max(f.staff.len()))
        .flat_map(|i| [format!("rule{i}"), format!("staff{i}")])
        .collect();
    let shown: Vec<&str> = FIELDS
        .iter()
        .copied()
        .chain(rows.iter().map(String::as_str))
        .collect();
    let others = errs.others(&shown);
    let staff_open = f.kind == LiveCodeKind::Staff.as_str()
        || !f.staff.is_empty()
        || !f.backup_staff.is_empty()
        || !errs.get("staff").is_empty()
        || !errs.get("backup_staff").is_empty();
    render(CodeFormPage {
        code_id,
        title,
        others,
        kinds,
        tiers,
        groups,
        gifts: gift_list
            .iter()
            .filter(|g| g.archived_at_ms.is_none() || f.gift_id == g.gift_id.to_string())
            .map(|g| (g.gift_id, g.name.clone()))
            .collect(),
        rules: rule_views(&f.rules, &named),
        staff: staff_views(&f.staff),
        staff_open,
        f,
        errs,
        l,
    })
}

/// GET /ui/growth/codes/new: an empty form (a poster code).
pub async fn new_form(State(s): State<AppState>, u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let f = CodeForm {
        kind: LiveCodeKind::Poster.as_str().into(),
        ..CodeForm::default()
    };
    page(&s, &u, None, f, FormErrors::default()).await
}

/// GET /ui/growth/codes/{id}/edit: the code's form.
pub async fn edit_form(State(s): State<AppState>, u: UiUser, IdPath(id): IdPath) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    match live_codes::get(&s.db, u.tenant(), id).await {
        Ok(c) => page(&s, &u, Some(id), CodeForm::of(&c), FormErrors::default()).await,
        Err(CoreError::NotFound(_)) => not_found(),
        Err(e) => server_error(e),
    }
}

/// POST /ui/growth/codes/new: creates the code and opens its page.
pub async fn create(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, None, Pairs::from(p)).await
}

/// POST /ui/growth/codes/{id}/edit: saves the code and opens its page.
pub async fn update(
    State(s): State<AppState>,
    u: UiUser,
    IdPath(id): IdPath,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    save(&s, &u, Some(id), Pairs::from(p)).await
}

async fn save(s: &AppState, u: &UiUser, id: Option<i64>, p: Pairs) -> Response {
    if let Some(why) = refusal(u, p.get("_csrf"), u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let t = u.tenant();
    let l = u.layout("growth");
    let f = CodeForm::read(&p);
    let mut errs = FormErrors::default();
    let input = f.input(&l, &mut errs);
    let add = |errs: &mut FormErrors, inv: &quanzi_domain::Invalid| {
        for e in &inv.0 {
            let field = form_field(&e.field);
            let text = l
                .lang
                .labelled(&field_label(&l, &field), &l.lang.reason(&e.reason));
            errs.push(&field, text);
        }
    };
    if !errs.is_empty() {
        // A number that is not one: the other rules are shown with it, and nothing is stored.
        if let Err(inv) = input.into_new() {
            add(&mut errs, &inv);
        }
        return unprocessable(page(s, u, id, f, errs).await);
    }
    let done = match id {
        None => live_codes::create(&s.db, t, input).await,
        Some(id) => live_codes::update(&s.db, t, id, input).await,
    };
    match done {
        Ok(c) => {
            s.scanner.codes_changed(t);
            return see_other(&format!("/ui/growth/codes/{}", c.live_code_id));
        }
        Err(CoreError::Invalid(inv)) => add(&mut errs, &inv),
        Err(CoreError::Conflict(field)) => {
            let text = l
                .lang
                .labelled(&field_label(&l, &field), l.t("growth.taken_slug"));
            errs.push(&field, text);
        }
        Err(CoreError::NotFound(_)) => return not_found(),
        Err(e) => return server_error(e),
    }
    unprocessable(page(s, u, id, f, errs).await)
}
