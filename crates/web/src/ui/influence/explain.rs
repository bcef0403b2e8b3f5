//! Why a member holds a role, in the UI language: sentences built from the stored figures
//! (the core keeps one English line per role; the pages build their own in either language).

use crate::ui::format::yuan;
use quanzi_core::influence::MemberInfluence;

use super::fill;
use crate::ui::i18n::Lang;

/// Influence as a multiple of the community average (`n` members; 0 when unknown).
fn times_average(influence: f64, n: u64) -> String {
    if n == 0 {
        format!("{influence:.4}")
    } else {
        format!("{:.1}", influence * n as f64)
    }
}

fn pct(part: i64, whole: i64) -> String {
    format!("{:.0}", 100.0 * part as f64 / whole.max(1) as f64)
}

/// The sentence saying why `m` ranks as `role`, in `lang`; `n` is the graph's member count.
pub fn why(lang: Lang, role: &str, m: &MemberInfluence, n: u64) -> String {
    let t = |k: &'static str| lang.t(k);
    match role {
        "influencer" if m.influence_rank > 0 => fill(
            t("inf.why.influencer"),
            &[
                ("x", times_average(m.influence, n)),
                ("rank", m.influence_rank.to_string()),
                ("n", n.to_string()),
            ],
        ),
        "influencer" => t("inf.why.influencer0").to_string(),
        "engaged" if m.engagement_level > 0 => fill(
            t("inf.why.engaged"),
            &[
                ("level", m.engagement_level.to_string()),
                ("x", format!("{:.1}", m.engagement)),
            ],
        ),
        "engaged" => t("inf.why.engaged0").to_string(),
        "connector" => fill(
            t("inf.why.connector"),
            &[
                ("groups", m.connector_groups.to_string()),
                ("pct", format!("{:.1}", 100.0 * m.betweenness)),
                ("k", m.k_shell.to_string()),
            ],
        ),
        "maven" if m.messages > 0 => fill(
            t("inf.why.maven"),
            &[
                ("responded", m.messages_responded.to_string()),
                ("messages", m.messages.to_string()),
                ("pct", pct(m.messages_responded, m.messages)),
                ("responses", m.responses.to_string()),
            ],
        ),
        "maven" => fill(
            t("inf.why.maven0"),
            &[("responses", m.responses.to_string())],
        ),
        "salesman" => fill(t("inf.why.salesman"), &brought(m)),
        _ if m.inner_core => fill(t("inf.why.core_inner"), &[("k", m.k_shell.to_string())]),
        _ => fill(t("inf.why.core"), &[("k", m.k_shell.to_string())]),
    }
}

/// The figures of the people a member brought, for the salesman sentences.
pub fn brought(m: &MemberInfluence) -> [(&'static str, String); 4] {
    [
        ("brought", m.brought.to_string()),
        ("joined", m.brought_joined.to_string()),
        ("ordered", m.brought_ordered.to_string()),
        ("gmv", yuan(m.brought_gmv_fen)),
    ]
}

/// The role's score as a reader takes it: influence as a multiple of the average, the
/// maven's share as a percentage, the salesman's in yuan.
pub fn score_text(role: &str, m: &MemberInfluence, n: u64) -> String {
    let score = m.role_scores.get(role).copied().unwrap_or(0.0);
    match role {
        "influencer" if n > 0 => format!("{}×", times_average(score, n)),
        "influencer" => format!("{score:.4}"),
        "maven" => format!("{:.1}%", 100.0 * score),
        "salesman" | "engaged" => format!("{score:.1}"),
        "connector" => format!("{score:.2}"),
        _ => m.k_shell.to_string(),
    }
}

/// Role badges: (role name, label in `lang`).
pub fn badges(lang: Lang, roles: &[String]) -> Vec<(String, String)> {
    roles
        .iter()
        .map(|r| (r.clone(), lang.t(&format!("inf.role.{r}")).to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member() -> MemberInfluence {
        MemberInfluence {
            member_id: 7,
            run_id: 1,
            influence: 0.0133,
            influence_rank: 1,
            engagement: 3092.8,
            engagement_level: 10,
            connector_groups: 21,
            betweenness: 0.007,
            k_shell: 106,
            inner_core: true,
            messages: 961,
            messages_responded: 5,
            responses: 135,
            brought: 55,
            brought_joined: 21,
            brought_ordered: 41,
            brought_gmv_fen: 1_128_790,
            role_scores: [("influencer".to_string(), 0.0133), ("maven".into(), 0.0022)]
                .into_iter()
                .collect(),
            roles: vec!["influencer".into()],
            explanations: Default::default(),
            ties: Vec::new(),
        }
    }

    #[test]
    fn explanations_are_built_from_the_figures_in_either_language() {
        let m = member();
        assert_eq!(
            why(Lang::En, "influencer", &m, 2000),
            "Influence 26.6× the community average (rank 1 of 2000) from who replies to, \
             re-shares and follows up on this member."
        );
        let zh = why(Lang::Zh, "salesman", &m, 2000);
        assert!(
            zh.contains("带来 55 人") && zh.contains("¥11,287.90"),
            "{zh}"
        );
        assert!(why(Lang::Zh, "core", &m, 2000).contains("最内核"));
        assert!(why(Lang::En, "maven", &m, 2000).starts_with("5 of 961 messages (1%)"));
        for role in [
            "influencer",
            "connector",
            "maven",
            "salesman",
            "engaged",
            "core",
        ] {
            assert!(!why(Lang::Zh, role, &m, 2000).contains('{'), "{role}");
            assert!(!why(Lang::En, role, &m, 0).contains('{'), "{role}");
        }
        assert_eq!(score_text("influencer", &m, 2000), "26.6×");
        assert_eq!(score_text("maven", &m, 2000), "0.2%");
        assert_eq!(score_text("core", &m, 2000), "106");
    }
}
