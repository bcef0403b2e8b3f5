//! The placeholder page for a feature still to come (`/ui/campaigns`).

use askama::Template;
use axum::response::Response;

use super::super::{Layout, UiUser, render};

#[derive(Template)]
#[template(path = "coming.html")]
struct ComingPage {
    l: Layout,
    title_key: &'static str,
    body_key: &'static str,
}

/// GET /ui/campaigns.
pub async fn campaigns(u: UiUser) -> Response {
    render(ComingPage {
        l: u.layout("campaigns"),
        title_key: "nav.campaigns",
        body_key: "coming.campaigns",
    })
}
