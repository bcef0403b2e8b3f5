//! Tests of the WeCom XML reader: what WeCom sends parses, everything malformed is refused.

use proptest::prelude::*;

use super::*;

const OFFICIAL_ENVELOPE: &str = "<xml>\n<ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName><Encrypt><![CDATA[RypEvHKD8QQ==]]></Encrypt>\n<AgentID><![CDATA[218]]></AgentID>\n</xml>";

const CHAT_UPDATE: &str = "<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName>
<CreateTime>1403610513</CreateTime>
<MsgType><![CDATA[event]]></MsgType>
<Event><![CDATA[change_external_chat]]></Event>
<ChatId><![CDATA[CHAT_ID]]></ChatId>
<ChangeType><![CDATA[update]]></ChangeType>
<UpdateDetail><![CDATA[add_member]]></UpdateDetail>
<JoinScene>1</JoinScene>
<MemChangeCnt>2</MemChangeCnt>
<MemChangeList><Item><![CDATA[Jack]]></Item><Item>Rose</Item></MemChangeList>
<LastMemVer><![CDATA[9c3f97c2ada667dfb5f6d03308d963e1]]></LastMemVer>
<CurMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></CurMemVer>
</xml>";

#[test]
fn the_official_envelope_parses() {
    let env = CallbackEnvelope::parse(OFFICIAL_ENVELOPE).unwrap();
    assert_eq!(env.to_user_name.as_deref(), Some("wx5823bf96d3bd56c7"));
    assert_eq!(env.encrypt, "RypEvHKD8QQ==");
    assert_eq!(env.agent_id.as_deref(), Some("218"));
}

#[test]
fn an_envelope_round_trips_through_its_writer() {
    let env = CallbackEnvelope {
        to_user_name: Some("ww1".into()),
        encrypt: "abc+/=".into(),
        agent_id: None,
    };
    assert_eq!(CallbackEnvelope::parse(&env.to_xml()), Ok(env));
}

#[test]
fn an_envelope_without_encrypt_or_with_two_is_refused() {
    assert_eq!(
        CallbackEnvelope::parse("<xml><ToUserName>a</ToUserName></xml>"),
        Err(XmlError::Missing("Encrypt"))
    );
    assert_eq!(
        CallbackEnvelope::parse("<xml><Encrypt>  </Encrypt></xml>"),
        Err(XmlError::Missing("Encrypt"))
    );
    assert_eq!(
        CallbackEnvelope::parse("<xml><Encrypt>a</Encrypt><Encrypt>b</Encrypt></xml>"),
        Err(XmlError::Duplicate("Encrypt".into()))
    );
    assert_eq!(
        CallbackEnvelope::parse("<root><Encrypt>a</Encrypt></root>"),
        Err(XmlError::UnexpectedRoot("root".into()))
    );
}

#[test]
fn an_event_with_a_member_list_parses_flat_fields_and_items() {
    let root = parse_wecom(CHAT_UPDATE).unwrap();
    assert_eq!(root.child_text("CreateTime").unwrap(), Some("1403610513"));
    assert_eq!(root.child_text("UpdateDetail").unwrap(), Some("add_member"));
    let list = root.child("MemChangeList").unwrap().unwrap();
    assert_eq!(list.texts_of("Item").collect::<Vec<_>>(), ["Jack", "Rose"]);
    assert_eq!(list.text, "");
    // Plain fields borrow from the input: no allocation per field.
    assert!(matches!(
        root.child("ChatId").unwrap().unwrap().text,
        Cow::Borrowed("CHAT_ID")
    ));
}

#[test]
fn entities_and_character_references_are_unescaped() {
    let root =
        parse("<xml><A>&lt;b&gt; &amp; &quot;q&quot; &apos;s&apos; &#20013;&#x6587;</A></xml>")
            .unwrap();
    assert_eq!(root.child_text("A").unwrap(), Some("<b> & \"q\" 's' 中文"));
}

#[test]
fn cdata_keeps_markup_and_joins_with_text() {
    let root = parse("<xml><A><![CDATA[<b>&amp;]]>x<![CDATA[y]]></A><B> <![CDATA[z]]>\n</B></xml>")
        .unwrap();
    assert_eq!(root.child_text("A").unwrap(), Some("<b>&amp;xy"));
    assert_eq!(root.child_text("B").unwrap(), Some("z"));
}

#[test]
fn cdata_writer_splits_the_terminator() {
    let mut out = String::new();
    push_cdata_element(&mut out, "A", "a]]>b");
    let doc = format!("<xml>{out}</xml>");
    let root = parse(&doc).unwrap();
    assert_eq!(root.child_text("A").unwrap(), Some("a]]>b"));
}

#[test]
fn declaration_bom_comments_attributes_and_empty_elements_are_accepted() {
    let doc = "\u{feff}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- hi -->\n<xml a=\"1\" b='2'><A/><B x=\"&amp;\" >t<!-- c --></B></xml>\n<!-- bye -->\n";
    let root = parse_wecom(doc).unwrap();
    assert_eq!(root.child_text("A").unwrap(), Some(""));
    assert_eq!(root.child_text("B").unwrap(), Some("t"));
}

#[test]
fn whitespace_inside_a_plain_text_field_is_kept() {
    let root = parse("<xml><State> a b </State></xml>").unwrap();
    assert_eq!(root.child_text("State").unwrap(), Some(" a b "));
}

#[test]
fn malformed_documents_are_refused() {
    for doc in [
        "",
        "   ",
        "text",
        "<xml>",
        "<xml></xmL>",
        "<xml><a></xml></a>",
        "<xml><a></a>",
        "<xml></xml><xml></xml>",
        "<xml></xml>trailing",
        "<xml>&unknown;</xml>",
        "<xml>&#0;</xml>",
        "<xml>&#x110000;</xml>",
        "<xml>&#xD800;</xml>",
        "<xml>& amp;</xml>",
        "<xml>&amp</xml>",
        "<xml><![CDATA[open</xml>",
        "<xml><!-- open</xml>",
        "<!DOCTYPE xml [<!ENTITY a \"b\">]><xml>&a;</xml>",
        "<xml><!DOCTYPE x></xml>",
        "<xml><?pi x?></xml>",
        "<xml a></xml>",
        "<xml a=1></xml>",
        "<xml a=\"<\"></xml>",
        "<xml a=\"1\"b=\"2\"></xml>",
        "<1a></1a>",
        "< xml></xml>",
        "<xml></ >",
        "</xml>",
    ] {
        assert!(parse(doc).is_err(), "accepted {doc:?}");
    }
}

#[test]
fn limits_on_size_depth_and_count_hold() {
    let deep = format!(
        "{}{}",
        "<a>".repeat(MAX_DEPTH + 1),
        "</a>".repeat(MAX_DEPTH + 1)
    );
    assert_eq!(parse(&deep), Err(XmlError::TooDeep));
    let ok = format!("{}{}", "<a>".repeat(MAX_DEPTH), "</a>".repeat(MAX_DEPTH));
    assert!(parse(&ok).is_ok());
    let many = format!("<xml>{}</xml>", "<a/>".repeat(MAX_ELEMENTS));
    assert_eq!(parse(&many), Err(XmlError::TooManyElements));
    let big = format!("<xml>{}</xml>", "x".repeat(MAX_INPUT_BYTES));
    assert_eq!(parse(&big), Err(XmlError::TooLarge));
}

#[test]
fn a_reply_is_an_xml_the_reader_reads() {
    let sealed = EncryptedMessage {
        encrypt: "ENC".into(),
        msg_signature: "SIG".into(),
    };
    let doc = reply_xml(&sealed, "1", "2");
    let root = parse_wecom(&doc).unwrap();
    assert_eq!(root.child_text("Encrypt").unwrap(), Some("ENC"));
    assert_eq!(root.child_text("MsgSignature").unwrap(), Some("SIG"));
    assert_eq!(root.child_text("TimeStamp").unwrap(), Some("1"));
    assert_eq!(root.child_text("Nonce").unwrap(), Some("2"));
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

proptest! {
    #[test]
    fn parsing_never_panics(input in ".{0,400}") {
        let _ = parse(&input);
        let _ = CallbackEnvelope::parse(&input);
    }

    #[test]
    fn parsing_xml_like_noise_never_panics(input in "[<>/!?\\[\\]a-zCDAT&#x;0-9 =\"']{0,200}") {
        let _ = parse(&input);
        let _ = parse(&format!("<xml>{input}</xml>"));
    }

    #[test]
    fn escaped_text_reads_back_exactly(text in "[^\u{0}-\u{8}\u{b}\u{c}\u{e}-\u{1f}\u{fffe}\u{ffff}]{1,80}") {
        prop_assume!(!text.trim().is_empty());
        let doc = format!("<xml><A>{}</A><B><![CDATA[{}]]></B></xml>", escape(&text), text.replace("]]>", "]]]]><![CDATA[>"));
        let root = parse(&doc).unwrap();
        prop_assert_eq!(root.child_text("A").unwrap(), Some(text.as_str()));
        prop_assert_eq!(root.child_text("B").unwrap(), Some(text.as_str()));
    }
}
