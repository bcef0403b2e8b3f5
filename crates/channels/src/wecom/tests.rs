//! A callback's whole way in: envelope, signature, decryption, event, and its refusals.

use super::*;

const TOKEN: &str = "QDG6eK";
const ENCODING_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP_ID: &str = "wx5823bf96d3bd56c7";

const EVENT: &str = "<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1700000000</CreateTime><MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[del_follow_user]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[wmCUSTOMER]]></ExternalUserID></xml>";

fn key() -> AesKey {
    AesKey::from_encoding_aes_key(ENCODING_AES_KEY).unwrap()
}

/// Builds a POST as WeCom sends it: (msg_signature, timestamp, nonce, body).
fn post(corp_id: &str, message: &str) -> (String, String, String, String) {
    let (timestamp, nonce) = ("1700000000".to_owned(), "4242".to_owned());
    let sealed =
        encrypt_message(TOKEN, &key(), corp_id, [5; 16], message, &timestamp, &nonce).unwrap();
    let body = CallbackEnvelope {
        to_user_name: Some(corp_id.into()),
        encrypt: sealed.encrypt,
        agent_id: None,
    }
    .to_xml();
    (sealed.msg_signature, timestamp, nonce, body)
}

#[test]
fn a_callback_built_like_wecoms_opens_to_its_typed_event() {
    let (sig, ts, nonce, body) = post(CORP_ID, EVENT);
    let xml = open_callback(TOKEN, &key(), CORP_ID, &sig, &ts, &nonce, &body).unwrap();
    assert_eq!(xml, EVENT);
    let event = WecomEvent::parse(&xml).unwrap();
    let EventKind::ExternalContact(c) = event.kind else {
        panic!("{:?}", event.kind)
    };
    assert_eq!(c.change, event::ContactChange::DelFollowUser);
    assert_eq!(c.external_user_id, "wmCUSTOMER");
}

#[test]
fn the_same_event_sealed_twice_has_one_dedupe_key() {
    let (sig, ts, nonce, body) = post(CORP_ID, EVENT);
    let first = open_callback(TOKEN, &key(), CORP_ID, &sig, &ts, &nonce, &body).unwrap();
    let sealed =
        encrypt_message(TOKEN, &key(), CORP_ID, [6; 16], EVENT, "1700000001", "9").unwrap();
    let again = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        &sealed.msg_signature,
        "1700000001",
        "9",
        &sealed.encrypt,
    )
    .unwrap();
    assert_eq!(
        WecomEvent::parse(&first).unwrap().dedupe_key,
        WecomEvent::parse(&again).unwrap().dedupe_key
    );
}

#[test]
fn refused_callbacks_say_why_with_a_stable_code() {
    let (sig, ts, nonce, body) = post(CORP_ID, EVENT);
    let wrong_token = open_callback("other", &key(), CORP_ID, &sig, &ts, &nonce, &body);
    assert_eq!(wrong_token.unwrap_err().code(), "wecom_bad_signature");
    let (sig, ts, nonce, body) = post("ww_someone_else", EVENT);
    let foreign = open_callback(TOKEN, &key(), CORP_ID, &sig, &ts, &nonce, &body);
    assert_eq!(foreign.unwrap_err().code(), "wecom_wrong_receive_id");
    let not_xml = open_callback(TOKEN, &key(), CORP_ID, &sig, &ts, &nonce, "{\"json\":1}");
    assert_eq!(not_xml.unwrap_err().code(), "wecom_bad_xml");
}
