//! Tests of the typed WeCom events: each documented event, unknown ones, duplicates' keys.

use proptest::prelude::*;

use super::*;

fn event(body: &str) -> String {
    format!(
        "<xml><ToUserName><![CDATA[ww_corp]]></ToUserName><FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime><MsgType><![CDATA[event]]></MsgType>{body}</xml>"
    )
}

fn parse(body: &str) -> WecomEvent {
    WecomEvent::parse(&event(body)).unwrap()
}

#[test]
fn adding_a_customer_keeps_the_state_as_the_acquisition_channel() {
    let e = parse(
        "<Event><![CDATA[change_external_contact]]></Event><ChangeType><![CDATA[add_external_contact]]></ChangeType><UserID><![CDATA[zhangsan]]></UserID><ExternalUserID><![CDATA[woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA]]></ExternalUserID><State><![CDATA[poster-district-3]]></State><WelcomeCode><![CDATA[WELCOMECODE]]></WelcomeCode>",
    );
    assert_eq!(e.to_user_name, "ww_corp");
    assert_eq!(e.from_user_name, "sys");
    assert_eq!(e.create_time, 1_403_610_513);
    assert_eq!(
        e.kind,
        EventKind::ExternalContact(ExternalContactEvent {
            change: ContactChange::AddExternalContact,
            user_id: "zhangsan".into(),
            external_user_id: "woAJ2GCAAAXtWyujaWJHDDGi0mACAAAA".into(),
            state: Some("poster-district-3".into()),
            welcome_code: Some("WELCOMECODE".into()),
            source: None,
            fail_reason: None,
        })
    );
}

#[test]
fn every_contact_change_type_is_typed() {
    for (ct, want) in [
        ("add_external_contact", ContactChange::AddExternalContact),
        (
            "add_half_external_contact",
            ContactChange::AddHalfExternalContact,
        ),
        ("edit_external_contact", ContactChange::EditExternalContact),
        ("del_external_contact", ContactChange::DelExternalContact),
        ("del_follow_user", ContactChange::DelFollowUser),
        ("transfer_fail", ContactChange::TransferFail),
    ] {
        let e = parse(&format!(
            "<Event>change_external_contact</Event><ChangeType>{ct}</ChangeType><UserID>u</UserID><ExternalUserID>x</ExternalUserID><Source>DELETE_BY_TRANSFER</Source><FailReason>customer_refused</FailReason>"
        ));
        let EventKind::ExternalContact(c) = e.kind else {
            panic!("{ct}: {:?}", e.kind)
        };
        assert_eq!(c.change, want);
        assert_eq!(c.source.as_deref(), Some("DELETE_BY_TRANSFER"));
        assert_eq!(c.fail_reason.as_deref(), Some("customer_refused"));
    }
}

#[test]
fn a_contact_event_without_the_customer_is_an_error() {
    let err = WecomEvent::parse(&event(
        "<Event>change_external_contact</Event><ChangeType>del_follow_user</ChangeType><UserID>u</UserID>",
    ))
    .unwrap_err();
    assert_eq!(err, EventError::Missing("ExternalUserID"));
}

#[test]
fn members_joining_a_group_by_qr_code_are_listed_with_the_versions() {
    let e = parse(
        "<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA]]></ChatId><ChangeType><![CDATA[update]]></ChangeType><UpdateDetail><![CDATA[add_member]]></UpdateDetail><JoinScene>3</JoinScene><MemChangeCnt>2</MemChangeCnt><MemChangeList><Item><![CDATA[wmAAA]]></Item><Item><![CDATA[zhangsan]]></Item></MemChangeList><LastMemVer><![CDATA[9c3f97c2ada667dfb5f6d03308d963e1]]></LastMemVer><CurMemVer><![CDATA[71217227bbd112ecfe3a49c482195cb4]]></CurMemVer>",
    );
    let EventKind::ExternalChat(chat) = e.kind else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(chat.chat_id, "wrOgQhDgAAMYQiS5ol9G7gK9JVAAAA");
    let ChatChange::Update(u) = chat.change else {
        panic!("{:?}", chat.change)
    };
    assert_eq!(u.detail, UpdateDetail::AddMember);
    assert_eq!(u.join_scene, Some(JoinScene::QrCode));
    assert_eq!(u.quit_scene, None);
    assert_eq!(u.mem_change_cnt, Some(2));
    assert_eq!(u.mem_change_list, ["wmAAA", "zhangsan"]);
    assert_eq!(
        u.last_mem_ver.as_deref(),
        Some("9c3f97c2ada667dfb5f6d03308d963e1")
    );
    assert_eq!(
        u.cur_mem_ver.as_deref(),
        Some("71217227bbd112ecfe3a49c482195cb4")
    );
    assert!(!u.needs_resync(Some("9c3f97c2ada667dfb5f6d03308d963e1")));
    assert!(u.needs_resync(Some("an-older-version")));
    assert!(u.needs_resync(None));
}

#[test]
fn a_member_list_shorter_than_its_count_asks_for_a_resync() {
    let e = parse(
        "<Event>change_external_chat</Event><ChatId>c</ChatId><ChangeType>update</ChangeType><UpdateDetail>del_member</UpdateDetail><QuitScene>1</QuitScene><JoinScene>0</JoinScene><MemChangeCnt>3</MemChangeCnt><MemChangeList><Item>a</Item></MemChangeList><LastMemVer>v1</LastMemVer><CurMemVer>v2</CurMemVer>",
    );
    let EventKind::ExternalChat(ExternalChatEvent {
        change: ChatChange::Update(u),
        ..
    }) = e.kind
    else {
        panic!("{:?}", e.kind)
    };
    assert_eq!(u.quit_scene, Some(QuitScene::Removed));
    assert_eq!(
        u.join_scene, None,
        "JoinScene only means something on a join"
    );
    assert!(u.needs_resync(Some("v1")));
}

#[test]
fn group_create_dismiss_and_other_details_are_typed() {
    for (body, want) in [
        ("<ChangeType>create</ChangeType>", ChatChange::Create),
        ("<ChangeType>dismiss</ChangeType>", ChatChange::Dismiss),
    ] {
        let e = parse(&format!(
            "<Event>change_external_chat</Event><ChatId>c1</ChatId>{body}"
        ));
        assert_eq!(
            e.kind,
            EventKind::ExternalChat(ExternalChatEvent {
                chat_id: "c1".into(),
                change: want
            })
        );
    }
    for (detail, want) in [
        ("change_owner", UpdateDetail::ChangeOwner),
        ("change_name", UpdateDetail::ChangeName),
        ("change_notice", UpdateDetail::ChangeNotice),
        ("something_new", UpdateDetail::Other("something_new".into())),
    ] {
        let e = parse(&format!(
            "<Event>change_external_chat</Event><ChatId>c1</ChatId><ChangeType>update</ChangeType><UpdateDetail>{detail}</UpdateDetail>"
        ));
        let EventKind::ExternalChat(ExternalChatEvent {
            change: ChatChange::Update(u),
            ..
        }) = e.kind
        else {
            panic!("{:?}", e.kind)
        };
        assert_eq!(u.detail, want);
        assert!(u.mem_change_list.is_empty());
    }
}

#[test]
fn tag_events_are_typed_and_a_shuffle_may_have_no_id() {
    let e = parse(
        "<Event><![CDATA[change_external_tag]]></Event><Id><![CDATA[etAAA]]></Id><TagType><![CDATA[tag]]></TagType><ChangeType><![CDATA[create]]></ChangeType><StrategyId>1</StrategyId>",
    );
    assert_eq!(
        e.kind,
        EventKind::ExternalTag(ExternalTagEvent {
            change: TagChange::Create,
            id: Some("etAAA".into()),
            tag_type: Some(TagType::Tag),
            strategy_id: Some(1),
        })
    );
    for (ct, want) in [("update", TagChange::Update), ("delete", TagChange::Delete)] {
        let e = parse(&format!(
            "<Event>change_external_tag</Event><Id>g1</Id><TagType>tag_group</TagType><ChangeType>{ct}</ChangeType>"
        ));
        let EventKind::ExternalTag(t) = e.kind else {
            panic!()
        };
        assert_eq!((t.change, t.tag_type), (want, Some(TagType::TagGroup)));
    }
    let e = parse("<Event>change_external_tag</Event><ChangeType>shuffle</ChangeType>");
    assert_eq!(
        e.kind,
        EventKind::ExternalTag(ExternalTagEvent {
            change: TagChange::Shuffle,
            id: None,
            tag_type: None,
            strategy_id: None,
        })
    );
    assert_eq!(
        WecomEvent::parse(&event(
            "<Event>change_external_tag</Event><ChangeType>delete</ChangeType>"
        )),
        Err(EventError::Missing("Id"))
    );
}

#[test]
fn unknown_events_and_change_types_are_other_not_errors() {
    let e = parse("<Event>enter_agent</Event><EventKey></EventKey>");
    assert_eq!(
        e.kind,
        EventKind::Other {
            event: "enter_agent".into(),
            change_type: None
        }
    );
    let e = parse("<Event>change_external_contact</Event><ChangeType>brand_new</ChangeType>");
    assert_eq!(
        e.kind,
        EventKind::Other {
            event: "change_external_contact".into(),
            change_type: Some("brand_new".into())
        }
    );
    // A plain message (the official vector's decrypted text) is `Other` with its MsgType.
    let e = WecomEvent::parse("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>\n<FromUserName><![CDATA[mycreate]]></FromUserName>\n<CreateTime>1409659813</CreateTime>\n<MsgType><![CDATA[text]]></MsgType>\n<Content><![CDATA[hello]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<AgentID>218</AgentID>\n</xml>").unwrap();
    assert_eq!(
        e.kind,
        EventKind::Other {
            event: "text".into(),
            change_type: None
        }
    );
}

#[test]
fn a_third_party_apps_field_names_are_read_too() {
    let e = WecomEvent::parse("<xml><SuiteId>s</SuiteId><AuthCorpId>wxf8</AuthCorpId><InfoType>change_external_contact</InfoType><TimeStamp>1403610513</TimeStamp><ChangeType>del_external_contact</ChangeType><UserID>u</UserID><ExternalUserID>x</ExternalUserID></xml>").unwrap();
    assert_eq!(e.to_user_name, "wxf8");
    assert_eq!(e.create_time, 1_403_610_513);
    assert!(matches!(e.kind, EventKind::ExternalContact(_)));
}

#[test]
fn bad_times_and_numbers_are_errors_not_zeroes() {
    let no_time = WecomEvent::parse("<xml><Event>x</Event></xml>");
    assert_eq!(no_time, Err(EventError::Missing("CreateTime")));
    let bad_time = WecomEvent::parse("<xml><CreateTime>soon</CreateTime><Event>x</Event></xml>");
    assert!(matches!(
        bad_time,
        Err(EventError::Invalid {
            field: "CreateTime",
            ..
        })
    ));
    let bad_cnt = WecomEvent::parse(&event(
        "<Event>change_external_chat</Event><ChatId>c</ChatId><ChangeType>update</ChangeType><UpdateDetail>add_member</UpdateDetail><MemChangeCnt>-1</MemChangeCnt>",
    ));
    assert!(matches!(
        bad_cnt,
        Err(EventError::Invalid {
            field: "MemChangeCnt",
            ..
        })
    ));
    let twice = WecomEvent::parse(&event(
        "<Event>change_external_tag</Event><Event>change_external_chat</Event>",
    ));
    assert_eq!(
        twice,
        Err(EventError::Xml(XmlError::Duplicate("Event".into())))
    );
}

#[test]
fn the_same_event_formatted_differently_has_the_same_key() {
    let a = parse(
        "<Event><![CDATA[change_external_chat]]></Event><ChatId><![CDATA[c1]]></ChatId><ChangeType><![CDATA[dismiss]]></ChangeType>",
    );
    let b = WecomEvent::parse("<?xml version=\"1.0\"?>\n<xml>\n  <ChangeType>dismiss</ChangeType>\n  <ChatId>c1</ChatId>\n  <Event>change_external_chat</Event>\n  <MsgType>event</MsgType>\n  <CreateTime>1403610513</CreateTime>\n  <FromUserName>sys</FromUserName>\n  <ToUserName>ww_corp</ToUserName>\n</xml>").unwrap();
    assert_eq!(a.dedupe_key, b.dedupe_key);
    assert_eq!(a.dedupe_key.len(), 64);
}

#[test]
fn different_events_have_different_keys() {
    let base = "<Event>change_external_chat</Event><ChatId>c1</ChatId><ChangeType>update</ChangeType><UpdateDetail>add_member</UpdateDetail>";
    let keys = [
        parse(base).dedupe_key,
        parse(&format!(
            "{base}<MemChangeList><Item>a</Item></MemChangeList>"
        ))
        .dedupe_key,
        parse(&format!(
            "{base}<MemChangeList><Item>b</Item></MemChangeList>"
        ))
        .dedupe_key,
        parse(&format!(
            "{base}<MemChangeList><Item>ab</Item></MemChangeList>"
        ))
        .dedupe_key,
        parse(&format!(
            "{base}<MemChangeList><Item>a</Item><Item>b</Item></MemChangeList>"
        ))
        .dedupe_key,
        WecomEvent::parse(&event(base).replace("1403610513", "1403610514"))
            .unwrap()
            .dedupe_key,
    ];
    let distinct: std::collections::BTreeSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), keys.len());
}

proptest! {
    #[test]
    fn parsing_an_event_never_panics(input in ".{0,300}") {
        let _ = WecomEvent::parse(&input);
        let _ = WecomEvent::parse(&event(&input));
    }
}

#[test]
fn an_event_serializes_to_readable_json() {
    let e = parse(
        "<Event>change_external_chat</Event><ChatId>c1</ChatId><ChangeType>update</ChangeType><UpdateDetail>add_member</UpdateDetail><JoinScene>1</JoinScene><MemChangeList><Item>a</Item></MemChangeList>",
    );
    let json = serde_json::to_value(&e.kind).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "kind": "external_chat",
            "chat_id": "c1",
            "change": {
                "change_type": "update",
                "detail": "add_member",
                "join_scene": "invite_link",
                "quit_scene": null,
                "mem_change_cnt": null,
                "mem_change_list": ["a"],
                "last_mem_ver": null,
                "cur_mem_ver": null
            }
        })
    );
}
