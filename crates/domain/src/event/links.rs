//! The members an event's properties name: who invited, whom a message replies to or
//! mentions, whose post was shared, who shared the link clicked, whom a referral brought. The
//! influence graph reads these links; an import under the file's own ids maps them with the
//! event's member.

use crate::MemberId;

/// The properties that hold one member id.
pub const MEMBER_LINKS: &[&str] = &[
    "inviter_member_id",
    "reply_to_member_id",
    "of_member_id",
    "sharer_member_id",
    "invitee_member_id",
];

/// The property that holds a list of member ids.
pub const MEMBER_LIST_LINK: &str = "mention_member_ids";

/// The member ids `properties` (a JSON object's text) names, in the order of the keys above.
pub fn linked_members(properties: &str) -> Vec<MemberId> {
    let Ok(serde_json::Value::Object(o)) = serde_json::from_str(properties) else {
        return Vec::new();
    };
    let mut out: Vec<MemberId> = MEMBER_LINKS
        .iter()
        .filter_map(|k| o.get(*k)?.as_i64())
        .map(MemberId)
        .collect();
    if let Some(list) = o.get(MEMBER_LIST_LINK).and_then(|v| v.as_array()) {
        out.extend(list.iter().filter_map(|v| v.as_i64()).map(MemberId));
    }
    out
}

/// `properties` with every member id it names replaced by `map(id)`; unchanged when it names
/// none. `map` answers an error for an id it cannot map.
pub fn map_linked_members<E>(
    properties: &str,
    mut map: impl FnMut(i64) -> Result<i64, E>,
) -> Result<String, E> {
    let Ok(serde_json::Value::Object(mut o)) = serde_json::from_str(properties) else {
        return Ok(properties.to_string());
    };
    let mut changed = false;
    for k in MEMBER_LINKS {
        if let Some(id) = o.get(*k).and_then(|v| v.as_i64()) {
            o.insert((*k).to_string(), map(id)?.into());
            changed = true;
        }
    }
    if let Some(list) = o.get_mut(MEMBER_LIST_LINK).and_then(|v| v.as_array_mut()) {
        for v in list.iter_mut() {
            if let Some(id) = v.as_i64() {
                *v = map(id)?.into();
                changed = true;
            }
        }
    }
    Ok(if changed {
        serde_json::Value::Object(o).to_string()
    } else {
        properties.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_link_is_found_and_mapped() {
        let p = r#"{"reply_to_member_id":7,"mention_member_ids":[8,9],"note":"x","inviter_member_id":3}"#;
        let ids: Vec<i64> = linked_members(p).into_iter().map(|m| m.0).collect();
        assert_eq!(ids, vec![3, 7, 8, 9]);
        let mapped = map_linked_members(p, |id| Ok::<i64, ()>(id + 100)).unwrap_or_default();
        let again: Vec<i64> = linked_members(&mapped).into_iter().map(|m| m.0).collect();
        assert_eq!(again, vec![103, 107, 108, 109]);
        assert!(mapped.contains(r#""note":"x""#));
        assert_eq!(map_linked_members("{}", Ok::<i64, ()>), Ok("{}".into()));
    }
}
