//! Contact ways of the WeCom server API: 「联系我」 QR codes that add a customer to one of a
//! few staff members, and 「加入群聊」 QR codes that join a customer group (or a new one when
//! the groups are full). Each carries a `state` that WeCom hands back with the customer, so a
//! scan is traced to the live code that showed it.

use serde::Deserialize;
use serde::de::IgnoredAny;
use serde_json::{Value, json};

use super::{ApiError, Client};

/// A 「联系我」 way: a QR code that adds the scanner as a customer of one of `users`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactWay {
    /// Handed back with each customer who came through it (WeCom keeps 30 characters).
    pub state: String,
    /// The staff members' userids the customers are shared among.
    pub users: Vec<String>,
    /// The operator's note on the way.
    pub remark: String,
}

/// A 「联系我」 way WeCom made.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct AddedWay {
    /// WeCom's id of the way: keep it to update or delete the way.
    pub config_id: String,
    /// The URL of the way's QR code image.
    pub qr_code: String,
}

/// A 「加入群聊」 way: a QR code that joins the scanner to one of `chat_ids`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JoinWay {
    /// Handed back with each member who joined through it (WeCom keeps 30 characters).
    pub state: String,
    /// The customer groups, in order (WeCom takes at most 5).
    pub chat_ids: Vec<String>,
    /// Whether WeCom creates a new group when the last one is full.
    pub auto_create_room: bool,
    /// The name of created groups, numbered from `room_base_id` (at most 40 characters).
    pub room_base_name: String,
    /// The number of the first created group.
    pub room_base_id: i64,
    /// The operator's note on the way.
    pub remark: String,
}

/// The fields of a 「联系我」 way that both making and updating it send: customers are added
/// without the staff's confirmation.
fn contact_fields(way: &ContactWay) -> Value {
    json!({
        "style": 1,
        "remark": way.remark,
        "skip_verify": true,
        "state": way.state,
        "user": way.users,
    })
}

impl Client<'_> {
    /// `externalcontact/add_contact_way`: makes a 「联系我」 QR code for `way`.
    pub async fn add_contact_way(&self, way: &ContactWay) -> Result<AddedWay, ApiError> {
        // A QR code (`scene` 2) shared by several staff members (`type` 2).
        let mut body = contact_fields(way);
        body["type"] = json!(2);
        body["scene"] = json!(2);
        self.call("/cgi-bin/externalcontact/add_contact_way", &[], Some(body))
            .await
    }

    /// `externalcontact/update_contact_way`: gives the way `config_id` the staff, state and
    /// remark of `way` (its QR code stays the same).
    pub async fn update_contact_way(
        &self,
        config_id: &str,
        way: &ContactWay,
    ) -> Result<(), ApiError> {
        // `type` and `scene` are fixed when a way is made: updates do not send them.
        let mut body = contact_fields(way);
        body["config_id"] = json!(config_id);
        let _: IgnoredAny = self
            .call(
                "/cgi-bin/externalcontact/update_contact_way",
                &[],
                Some(body),
            )
            .await?;
        Ok(())
    }

    /// `externalcontact/groupchat/add_join_way`: makes a 「加入群聊」 QR code for `way`;
    /// answers its `config_id` (the code's URL comes from [`Client::get_join_way`]).
    pub async fn add_join_way(&self, way: &JoinWay) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct A {
            config_id: String,
        }
        let body = json!({
            "scene": 2,
            "remark": way.remark,
            "auto_create_room": i64::from(way.auto_create_room),
            "room_base_name": way.room_base_name,
            "room_base_id": way.room_base_id,
            "chat_id_list": way.chat_ids,
            "state": way.state,
        });
        let a: A = self
            .call(
                "/cgi-bin/externalcontact/groupchat/add_join_way",
                &[],
                Some(body),
            )
            .await?;
        Ok(a.config_id)
    }

    /// `externalcontact/groupchat/get_join_way`: the URL of the QR code of the way
    /// `config_id`.
    pub async fn get_join_way(&self, config_id: &str) -> Result<String, ApiError> {
        #[derive(Deserialize)]
        struct Way {
            qr_code: String,
        }
        #[derive(Deserialize)]
        struct A {
            join_way: Way,
        }
        let a: A = self
            .call(
                "/cgi-bin/externalcontact/groupchat/get_join_way",
                &[],
                Some(json!({ "config_id": config_id })),
            )
            .await?;
        Ok(a.join_way.qr_code)
    }

    /// `externalcontact/send_welcome_msg`: greets a customer who just added a staff member,
    /// with the `WelcomeCode` of their add event (valid 20 seconds).
    pub async fn send_welcome(&self, welcome_code: &str, text: &str) -> Result<(), ApiError> {
        let body = json!({ "welcome_code": welcome_code, "text": { "content": text } });
        let _: IgnoredAny = self
            .call("/cgi-bin/externalcontact/send_welcome_msg", &[], Some(body))
            .await?;
        Ok(())
    }
}
