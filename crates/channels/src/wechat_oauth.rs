//! WeChat official-account web authorization (网页授权), pure: the authorize, code-exchange
//! and profile URLs, and the reading of WeChat's answers. The HTTP calls are the caller's.
//!
//! The bases are the caller's settings (`https://open.weixin.qq.com` and
//! `https://api.weixin.qq.com` in production, a local stub in tests), given without a
//! trailing slash (one is tolerated).

use serde::Deserialize;

/// What the member is asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    /// `snsapi_base`: the openid only, without a consent page.
    Base,
    /// `snsapi_userinfo`: the profile too (nickname, avatar), after the member consents.
    UserInfo,
}

impl Scope {
    /// WeChat's name of the scope: `snsapi_base` or `snsapi_userinfo`.
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::Base => "snsapi_base",
            Scope::UserInfo => "snsapi_userinfo",
        }
    }

    /// The scope WeChat calls `s`, if it is one of the two.
    pub fn parse(s: &str) -> Option<Scope> {
        match s {
            "snsapi_base" => Some(Scope::Base),
            "snsapi_userinfo" => Some(Scope::UserInfo),
            _ => None,
        }
    }
}

/// `base` and `path` joined, and `pairs` as a query string (each value form-urlencoded).
fn url(base: &str, path: &str, pairs: &[(&str, &str)]) -> String {
    let query = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish();
    format!("{}{path}?{query}", base.trim_end_matches('/'))
}

/// `{open_base}/connect/oauth2/authorize?appid=…&redirect_uri=<encoded>&response_type=code&scope=…&state=<encoded>#wechat_redirect`:
/// where the member's browser goes to sign in. WeChat sends it back to `redirect_uri` with
/// `code` and `state`.
pub fn authorize_url(
    open_base: &str,
    appid: &str,
    redirect_uri: &str,
    scope: Scope,
    state: &str,
) -> String {
    let mut u = url(
        open_base,
        "/connect/oauth2/authorize",
        &[
            ("appid", appid),
            ("redirect_uri", redirect_uri),
            ("response_type", "code"),
            ("scope", scope.as_str()),
            ("state", state),
        ],
    );
    u.push_str("#wechat_redirect");
    u
}

/// `{api_base}/sns/oauth2/access_token?appid=…&secret=…&code=…&grant_type=authorization_code`:
/// the server-side exchange of a code. The URL holds the app secret: never log it.
pub fn token_url(api_base: &str, appid: &str, secret: &str, code: &str) -> String {
    url(
        api_base,
        "/sns/oauth2/access_token",
        &[
            ("appid", appid),
            ("secret", secret),
            ("code", code),
            ("grant_type", "authorization_code"),
        ],
    )
}

/// `{api_base}/sns/userinfo?access_token=…&openid=…&lang=zh_CN`: the member's profile, for a
/// token of scope `snsapi_userinfo`.
pub fn userinfo_url(api_base: &str, access_token: &str, openid: &str) -> String {
    url(
        api_base,
        "/sns/userinfo",
        &[
            ("access_token", access_token),
            ("openid", openid),
            ("lang", "zh_CN"),
        ],
    )
}

/// The code exchange's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    /// The web access token (for [`userinfo_url`]; not the official account's token).
    pub access_token: String,
    /// The member's openid in this official account.
    pub openid: String,
    /// The member's unionid, when the account is bound to an open-platform account.
    pub unionid: Option<String>,
    /// The scope granted, as WeChat names it.
    pub scope: String,
}

/// A member's profile (snsapi_userinfo).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The member's openid.
    pub openid: String,
    /// Their WeChat nickname.
    pub nickname: String,
    /// Their unionid, when the account is bound to an open-platform account.
    pub unionid: Option<String>,
    /// Their avatar's URL, when they have one.
    pub headimgurl: Option<String>,
}

/// Why an answer is not usable.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// WeChat answered an error (`errcode`, `errmsg`): e.g. 40029 invalid code, 40163 code
    /// already used, 48001 scope not granted.
    #[error("wechat refused: errcode {code}: {msg}")]
    Refused {
        /// errcode.
        code: i64,
        /// errmsg.
        msg: String,
    },
    /// Not JSON, or a field the answer must have is missing.
    #[error("unexpected wechat answer: {0}")]
    Malformed(String),
}

/// The fields of both answers; absent ones are empty.
#[derive(Deserialize)]
struct Answer {
    #[serde(default)]
    errcode: i64,
    #[serde(default)]
    errmsg: String,
    #[serde(default)]
    access_token: String,
    #[serde(default)]
    openid: String,
    #[serde(default)]
    unionid: Option<String>,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    nickname: String,
    #[serde(default)]
    headimgurl: Option<String>,
}

fn read(body: &[u8]) -> Result<Answer, OAuthError> {
    let a: Answer =
        serde_json::from_slice(body).map_err(|e| OAuthError::Malformed(e.to_string()))?;
    if a.errcode != 0 {
        return Err(OAuthError::Refused {
            code: a.errcode,
            msg: a.errmsg,
        });
    }
    if a.openid.is_empty() {
        return Err(OAuthError::Malformed("no openid".into()));
    }
    Ok(a)
}

fn non_empty(s: Option<String>) -> Option<String> {
    s.filter(|s| !s.is_empty())
}

/// Reads the code exchange's answer: `{"errcode":40029,"errmsg":"invalid code"}` is
/// [`OAuthError::Refused`]; an answer without `openid` or `access_token` is
/// [`OAuthError::Malformed`].
pub fn parse_token(body: &[u8]) -> Result<Token, OAuthError> {
    let a = read(body)?;
    if a.access_token.is_empty() {
        return Err(OAuthError::Malformed("no access_token".into()));
    }
    Ok(Token {
        access_token: a.access_token,
        openid: a.openid,
        unionid: non_empty(a.unionid),
        scope: a.scope,
    })
}

/// Reads the profile answer; errors as [`parse_token`]'s (a profile without `openid` is
/// malformed). An empty `unionid` or `headimgurl` is `None`.
pub fn parse_userinfo(body: &[u8]) -> Result<UserInfo, OAuthError> {
    let a = read(body)?;
    Ok(UserInfo {
        openid: a.openid,
        nickname: a.nickname,
        unionid: non_empty(a.unionid),
        headimgurl: non_empty(a.headimgurl),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn the_authorize_url_encodes_the_redirect_and_the_state_and_ends_with_the_fragment() {
        let u = authorize_url(
            "https://open.weixin.qq.com/",
            "wx123",
            "https://quanzi.example/h5/t/acme/oauth?next=/h5/t/acme&x=1",
            Scope::UserInfo,
            "eyJ0.a-b_c",
        );
        assert_eq!(
            u,
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wx123\
             &redirect_uri=https%3A%2F%2Fquanzi.example%2Fh5%2Ft%2Facme%2Foauth%3Fnext%3D%2Fh5%2Ft%2Facme%26x%3D1\
             &response_type=code&scope=snsapi_userinfo&state=eyJ0.a-b_c#wechat_redirect"
        );
        let state_with_specials = authorize_url("http://o", "a", "http://r", Scope::Base, "a&b=c");
        assert!(state_with_specials.contains("&state=a%26b%3Dc#wechat_redirect"));
        assert!(state_with_specials.contains("&scope=snsapi_base&"));
    }

    #[test]
    fn the_token_and_userinfo_urls_carry_their_parameters() {
        assert_eq!(
            token_url("https://api.weixin.qq.com", "wx1", "s&cret", "c0de"),
            "https://api.weixin.qq.com/sns/oauth2/access_token?appid=wx1&secret=s%26cret\
             &code=c0de&grant_type=authorization_code"
        );
        assert_eq!(
            userinfo_url("http://127.0.0.1:9", "tok", "o-1"),
            "http://127.0.0.1:9/sns/userinfo?access_token=tok&openid=o-1&lang=zh_CN"
        );
    }

    #[test]
    fn scopes_read_back_as_they_are_written() {
        for s in [Scope::Base, Scope::UserInfo] {
            assert_eq!(Scope::parse(s.as_str()), Some(s));
        }
        assert_eq!(Scope::parse("snsapi_login"), None);
    }

    #[test]
    fn a_successful_exchange_reads_its_token() {
        let body = br#"{"access_token":"AT","expires_in":7200,"refresh_token":"RT",
            "openid":"o-1","scope":"snsapi_userinfo","is_snapshotuser":0,"unionid":"u-1"}"#;
        assert_eq!(
            parse_token(body).unwrap(),
            Token {
                access_token: "AT".into(),
                openid: "o-1".into(),
                unionid: Some("u-1".into()),
                scope: "snsapi_userinfo".into(),
            }
        );
        let no_union = br#"{"access_token":"AT","openid":"o-1","scope":"snsapi_base"}"#;
        assert_eq!(parse_token(no_union).unwrap().unionid, None);
    }

    #[test]
    fn a_refusal_is_refused_with_its_code_and_message() {
        let e = parse_token(br#"{"errcode":40029,"errmsg":"invalid code"}"#).unwrap_err();
        assert_eq!(
            e,
            OAuthError::Refused {
                code: 40029,
                msg: "invalid code".into()
            }
        );
        assert!(e.to_string().contains("40029"), "{e}");
        let e = parse_userinfo(br#"{"errcode":48001,"errmsg":"api unauthorized"}"#);
        assert!(matches!(e, Err(OAuthError::Refused { code: 48001, .. })));
    }

    #[test]
    fn answers_without_openid_or_token_or_json_are_malformed() {
        for body in [
            &br#"{"access_token":"AT","scope":"snsapi_base"}"#[..],
            br#"{"openid":"o-1","scope":"snsapi_base"}"#,
            b"<html>502</html>",
            b"",
        ] {
            assert!(
                matches!(parse_token(body), Err(OAuthError::Malformed(_))),
                "{}",
                String::from_utf8_lossy(body)
            );
        }
        assert!(matches!(
            parse_userinfo(br#"{"nickname":"x"}"#),
            Err(OAuthError::Malformed(_))
        ));
    }

    #[test]
    fn a_profile_reads_with_empty_fields_as_none() {
        let body = r#"{"openid":"o-1","nickname":"小明","sex":0,"province":"","city":"",
            "country":"","headimgurl":"","privilege":[],"unionid":"u-1"}"#;
        assert_eq!(
            parse_userinfo(body.as_bytes()).unwrap(),
            UserInfo {
                openid: "o-1".into(),
                nickname: "小明".into(),
                unionid: Some("u-1".into()),
                headimgurl: None,
            }
        );
    }
}
