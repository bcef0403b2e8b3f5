//! What the server's own configuration decides for the use-cases, and no tenant can change:
//! the key that seals stored secrets, where outbound requests may go, the WeCom API base and
//! the time window of WeCom callbacks.

use std::time::Duration;

pub use quanzi_channels::seal::{SealError, Sealer, ServerKey};

use crate::egress::Egress;

/// The default window of a WeCom callback's `timestamp` around the server's clock.
pub const DEFAULT_CALLBACK_WINDOW_SECS: i64 = 600;

/// The server's settings the use-cases need.
#[derive(Debug, Clone)]
pub struct ServerSettings {
    /// Seals and opens the stored secrets.
    pub sealer: Sealer,
    /// Where outbound requests may go.
    pub egress: Egress,
    /// Base URL of the WeCom server API, without a trailing slash.
    pub wecom_api_base: String,
    /// A WeCom callback whose `timestamp` is further than this from now is refused, seconds.
    pub wecom_callback_window_secs: i64,
    /// Base URL of WeChat's web authorization page (`open.weixin.qq.com`), no trailing slash.
    pub wechat_open_base: String,
    /// Base URL of WeChat's official-account API (`api.weixin.qq.com`), no trailing slash.
    pub wechat_api_base: String,
}

impl ServerSettings {
    /// Settings with `sealer`, strict egress, the public WeCom API and a ±10 minutes window.
    pub fn new(sealer: Sealer) -> Self {
        ServerSettings {
            sealer,
            egress: Egress::default(),
            wecom_api_base: crate::wecom_api::DEFAULT_BASE.to_string(),
            wecom_callback_window_secs: DEFAULT_CALLBACK_WINDOW_SECS,
            wechat_open_base: "https://open.weixin.qq.com".to_string(),
            wechat_api_base: "https://api.weixin.qq.com".to_string(),
        }
    }

    /// The HTTP client for webhooks and the WeCom API under this server's egress policy.
    pub fn http_client(&self) -> reqwest::Client {
        self.egress.client(Duration::from_secs(10))
    }
}
