//! What the group-buy, bargain and red-envelope forms share: each describes its fields once
//! ([`Spec`]) and one template shows them; the CSRF and role check before a write; the
//! domain's refusals filed beside their fields in the operator's language, amounts in yuan
//! (a form's own texts for the reasons that name fen or other fields); and the 303 to the
//! form's section of the campaigns overview once the use-case has created it.

use std::future::Future;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::response::Response;
use quanzi_core::CoreError;
use quanzi_core::views::Group;
use quanzi_domain::{Invalid, TenantId};

use super::super::form::{FormErrors, label, refusal, refused, see_other, unprocessable};
use super::super::format::{thousands, yuan};
use super::super::growth::Pairs;
use super::super::{Layout, UiUser, render, server_error};
use crate::AppState;

/// How a field is typed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    /// Text of at most so many characters.
    Text(usize),
    /// An amount in yuan (`12.5`, `¥12.50`).
    Yuan,
    /// A whole number.
    Whole,
    /// A box to tick; its text is `{prefix}.{name}_box`.
    Check,
    /// One of these values, each labelled `{prefix}.{name}_{value}`.
    Choice(&'static [&'static str]),
    /// The tenant's groups to tick, sent as ids.
    Groups,
    /// One `datetime-local` time in the tenant's zone.
    Time,
    /// Rows of `datetime-local` times named `{name}0`, `{name}1`…, at most so many.
    Times(usize),
}

/// A field of a form: its name (its label is `{prefix}.{name}` in the locale files, its
/// example `{prefix}.{name}_eg` and its hint `{prefix}.{name}_hint` where they exist), how it
/// is typed, and whether it must be filled.
pub(super) type Spec = (&'static str, Kind, bool);

/// A reason of the domain said better in a form's own words: the domain's field, how its
/// reason starts, and the locale key that says it (`{n}` is the last number in the reason,
/// `{yuan}` that number of fen in yuan).
pub(super) type Reason = (&'static str, &'static str, &'static str);

/// Time rows a form shows at least, and blank rows after the last filled one.
const ROWS: (usize, usize) = (3, 2);

/// One campaign form: its fields and texts, how its values become the use-case's input, and
/// the use-case that creates it.
pub(super) trait CampaignForm: Send + Sync + 'static {
    /// The use-case's input.
    type Input: Send;
    /// The prefix of the form's keys in the locale files.
    const PREFIX: &'static str;
    /// The locale key of the form's title (and of the overview's button to it).
    const TITLE: &'static str;
    /// The locale key of the paragraph that opens the form.
    const INTRO: &'static str;
    /// The `id` of the form, and of its overview section after `#` on the way back.
    const IDS: (&'static str, &'static str);
    /// The fields, in the order shown.
    const FIELDS: &'static [Spec];
    /// The domain's reasons said in the form's words.
    const REASONS: &'static [Reason];

    /// The values a new form starts with, as if typed.
    fn defaults(offset_secs: i64) -> Vec<(String, String)>;

    /// The input from what was typed; what is not a number or a time is an error beside
    /// its field.
    fn input(p: &Pairs, l: &Layout, errs: &mut FormErrors) -> Self::Input;

    /// The domain's own check of `input`, nothing stored: its errors join the typing ones.
    fn check(input: Self::Input) -> Result<(), Invalid>;

    /// Creates it through the use-case the API uses.
    fn create(
        s: &AppState,
        t: TenantId,
        input: Self::Input,
    ) -> impl Future<Output = quanzi_core::Result<()>> + Send;
}

/// A field as the template shows it.
struct FieldView {
    name: &'static str,
    label: String,
    /// `text`, `check`, `choice`, `groups` or `times`.
    control: &'static str,
    inputmode: &'static str,
    maxlength: usize,
    required: bool,
    value: String,
    example: String,
    hint: String,
    /// A box's text.
    text: String,
    /// A choice's or the groups' options: value, label, chosen.
    options: Vec<(String, String, bool)>,
    /// Time rows: name, value, error.
    rows: Vec<(String, String, String)>,
    error: String,
    /// `" invalid"` when it has an error.
    class: &'static str,
}

/// A campaign form's page.
#[derive(Template)]
#[template(path = "promo_campaign_form.html")]
struct FormPage {
    l: Layout,
    title: String,
    intro: String,
    ids: (&'static str, &'static str),
    fields: Vec<FieldView>,
    others: Vec<String>,
}

/// A text of the locale files, or "" when there is none under `key`.
fn optional_text(l: &Layout, key: &str) -> String {
    match l.t(key) {
        t if t == key => String::new(),
        t => t.to_string(),
    }
}

/// The rows a times field shows: the filled ones and a few blank, within its maximum.
fn time_rows(p: &Pairs, name: &str, max: usize) -> usize {
    let filled = (0..max)
        .rev()
        .find(|i| !p.get(&format!("{name}{i}")).is_empty())
        .map_or(0, |i| i + 1);
    (filled + ROWS.1).max(ROWS.0).min(max)
}

/// Field `spec` of form `F` as shown, with the values of `p` and its error from `errs`.
fn view<F: CampaignForm>(
    l: &Layout,
    p: &Pairs,
    errs: &FormErrors,
    groups: &[Group],
    spec: Spec,
) -> FieldView {
    let (name, kind, required) = spec;
    let text = |suffix: &str| optional_text(l, &format!("{}.{name}_{suffix}", F::PREFIX));
    let (control, inputmode, maxlength) = match kind {
        Kind::Text(n) => ("text", "", n),
        Kind::Yuan => ("text", "decimal", 0),
        Kind::Whole => ("text", "numeric", 0),
        Kind::Check => ("check", "", 0),
        Kind::Choice(_) => ("choice", "", 0),
        Kind::Groups => ("groups", "", 0),
        Kind::Times(_) => ("times", "", 0),
        Kind::Time => ("time", "", 0),
    };
    let value = p.get(name).to_string();
    let options = match kind {
        Kind::Choice(values) => values
            .iter()
            .map(|v| (v.to_string(), text(v), *v == value))
            .collect(),
        Kind::Groups => {
            let picked = p.ids(name);
            groups
                .iter()
                .map(|g| {
                    let id = g.group_id.0;
                    (id.to_string(), g.name.clone(), picked.contains(&id))
                })
                .collect()
        }
        _ => Vec::new(),
    };
    let rows = match kind {
        Kind::Times(max) => (0..time_rows(p, name, max))
            .map(|i| {
                let row = format!("{name}{i}");
                let (v, e) = (p.get(&row).to_string(), errs.get(&row).to_string());
                (row, v, e)
            })
            .collect(),
        _ => Vec::new(),
    };
    FieldView {
        name,
        label: label(l, F::PREFIX, name),
        control,
        inputmode,
        maxlength,
        required,
        value,
        example: text("eg"),
        hint: text("hint"),
        text: text("box"),
        options,
        rows,
        error: errs.get(name).to_string(),
        class: errs.class(name),
    }
}

/// The form with `p`'s values and `errs` beside their fields.
async fn page<F: CampaignForm>(s: &AppState, u: &UiUser, p: &Pairs, errs: FormErrors) -> Response {
    let l = u.layout("campaigns");
    let groups = if F::FIELDS.iter().any(|f| f.1 == Kind::Groups) {
        match quanzi_core::groups::all(&s.db, u.tenant()).await {
            Ok(g) => g,
            Err(e) => return server_error(e),
        }
    } else {
        Vec::new()
    };
    let fields: Vec<FieldView> = F::FIELDS
        .iter()
        .map(|spec| view::<F>(&l, p, &errs, &groups, *spec))
        .collect();
    let mut shown: Vec<&str> = fields.iter().map(|f| f.name).collect();
    shown.extend(
        fields
            .iter()
            .flat_map(|f| f.rows.iter().map(|r| r.0.as_str())),
    );
    render(FormPage {
        title: l.t(F::TITLE).to_string(),
        intro: l.t(F::INTRO).to_string(),
        ids: F::IDS,
        others: errs.others(&shown),
        fields,
        l,
    })
}

/// GET `/ui/campaigns/…/new`: the form `F` with its starting values.
pub(super) async fn new_form<F: CampaignForm>(State(s): State<AppState>, u: UiUser) -> Response {
    if !u.perms().write {
        return refused("correct.forbidden");
    }
    let p = Pairs::from(F::defaults(u.zone_offset_secs()));
    page::<F>(&s, &u, &p, FormErrors::default()).await
}

/// POST `/ui/campaigns/…/new`: creates what form `F` describes and opens the overview at its
/// section (303); a refused form comes back (422) as typed, each error beside its field,
/// nothing stored.
pub(super) async fn create<F: CampaignForm>(
    State(s): State<AppState>,
    u: UiUser,
    Form(p): Form<Vec<(String, String)>>,
) -> Response {
    let p = Pairs::from(p);
    if let Some(why) = refusal(&u, p.get("_csrf"), u.perms().write, "correct.forbidden") {
        return refused(why);
    }
    let l = u.layout("campaigns");
    let mut errs = FormErrors::default();
    let input = F::input(&p, &l, &mut errs);
    let refused_by = if errs.is_empty() {
        match F::create(&s, u.tenant(), input).await {
            Ok(()) => return see_other(&format!("/ui/campaigns#{}", F::IDS.1)),
            Err(CoreError::Invalid(inv)) => inv,
            Err(e) => return server_error(e),
        }
    } else {
        // A number or time that is not one: the domain's other errors are shown with it.
        F::check(input).err().unwrap_or_default()
    };
    file_errors::<F>(&l, &mut errs, &refused_by);
    unprocessable(page::<F>(&s, &u, &p, errs).await)
}

/// The time typed in field `name` (a form's `prefix`) in the tenant's zone, as unix ms; none
/// when blank (the domain says whether it is required), an error beside it when it is not a
/// time.
pub(super) fn time(
    p: &Pairs,
    l: &Layout,
    errs: &mut FormErrors,
    prefix: &str,
    name: &str,
) -> Option<i64> {
    match p.get(name).trim() {
        "" => None,
        v => super::parse_local(v, l.zone_offset_secs).or_else(|| {
            let reason = l.t("reason.local_time");
            errs.push(name, l.lang.labelled(&label(l, prefix, name), reason));
            None
        }),
    }
}

/// The form's field of a domain field: `price_fen` → `price`, `at_ms` → `at`,
/// `group_ids[2]` → `group_ids`.
fn form_field(field: &str) -> &str {
    let base = field.split('[').next().unwrap_or(field);
    base.strip_suffix("_fen")
        .or_else(|| base.strip_suffix("_ms"))
        .unwrap_or(base)
}

/// `text` with `{n}` and `{yuan}` standing for the last number in `reason`.
fn fill(text: &str, reason: &str) -> String {
    let last = reason
        .split(|c: char| !c.is_ascii_digit())
        .rfind(|s| !s.is_empty())
        .and_then(|s| s.parse::<i64>().ok())
        .unwrap_or_default();
    text.replace("{n}", &thousands(last))
        .replace("{yuan}", &yuan(last))
}

/// Files the domain's errors beside the form's fields, in the operator's language.
fn file_errors<F: CampaignForm>(l: &Layout, errs: &mut FormErrors, inv: &Invalid) {
    for e in &inv.0 {
        let domain = e.field.split('[').next().unwrap_or(&e.field);
        let reason = F::REASONS
            .iter()
            .find(|(f, starts, _)| *f == domain && e.reason.starts_with(starts))
            .map_or_else(|| l.lang.reason(&e.reason), |r| fill(l.t(r.2), &e.reason));
        let field = form_field(&e.field);
        errs.push(field, l.lang.labelled(&label(l, F::PREFIX, field), &reason));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_domain_field_is_filed_under_the_field_typed_in_yuan_or_local_time() {
        assert_eq!(form_field("team_price_fen"), "team_price");
        assert_eq!(form_field("at_ms"), "at");
        assert_eq!(form_field("group_ids[3]"), "group_ids");
        assert_eq!(form_field("team_size"), "team_size");
    }

    #[test]
    fn a_reasons_number_is_filled_in_as_a_count_or_in_yuan() {
        let r = "must cover total_fen × groups × times (123456 fen)";
        assert_eq!(fill("至少 {yuan}", r), "至少 ¥1,234.56");
        assert_eq!(
            fill("at most {n}", "makes 9 shares; at most 50000"),
            "at most 50,000"
        );
        assert_eq!(fill("plain", "no number"), "plain");
    }

    #[test]
    fn a_times_field_shows_its_filled_rows_and_two_blank_within_its_maximum() {
        let p = |v: &[(&str, &str)]| {
            Pairs::from(
                v.iter()
                    .map(|(a, b)| (a.to_string(), b.to_string()))
                    .collect::<Vec<_>>(),
            )
        };
        assert_eq!(time_rows(&p(&[]), "at", 100), 3);
        assert_eq!(time_rows(&p(&[("at4", "2026-01-01T10:00")]), "at", 100), 7);
        assert_eq!(time_rows(&p(&[("at9", "2026-01-01T10:00")]), "at", 10), 10);
    }

    /// Every label, box text and option of form `F` in both languages (they are looked up by
    /// names made at run time, which the locale files' own test cannot see).
    fn texts_of<F: CampaignForm>() -> Vec<String> {
        let mut keys = vec![F::TITLE.to_string(), F::INTRO.to_string()];
        for (name, kind, _) in F::FIELDS {
            keys.push(format!("{}.{name}", F::PREFIX));
            match kind {
                Kind::Check => keys.push(format!("{}.{name}_box", F::PREFIX)),
                Kind::Choice(values) => {
                    keys.extend(values.iter().map(|v| format!("{}.{name}_{v}", F::PREFIX)));
                }
                _ => {}
            }
        }
        keys.extend(F::REASONS.iter().map(|r| r.2.to_string()));
        keys
    }

    #[test]
    fn every_field_of_the_forms_is_labelled_in_both_languages() {
        use super::super::bargain_form::BargainForm;
        use super::super::group_buy_form::GroupBuyForm;
        use super::super::offer_form::OfferForm;
        use super::super::red_envelope_form::RedEnvelopeForm;
        use crate::ui::i18n::Lang;
        let keys = [
            texts_of::<GroupBuyForm>(),
            texts_of::<BargainForm>(),
            texts_of::<RedEnvelopeForm>(),
            texts_of::<OfferForm>(),
        ];
        for key in keys.iter().flatten() {
            for lang in [Lang::Zh, Lang::En] {
                assert_ne!(lang.t(key), key, "{key} has no {} text", lang.code());
            }
        }
    }
}
