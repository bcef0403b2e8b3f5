//! Tests of the webhook signatures: RFC 4231 vectors, rotation, replays, tampering.

use proptest::prelude::*;

use super::*;

const NOW: i64 = 1_700_000_000;
const BODY: &[u8] = br#"{"type":"member.joined","member_id":42}"#;

fn raw_hmac(key: &[u8], data: &[u8]) -> String {
    let mut m = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap();
    m.update(data);
    hex::encode(m.finalize().into_bytes())
}

fn keyed_hmac(key: &[u8], data: &[u8]) -> String {
    let mut m = keyed(key);
    m.update(data);
    hex::encode(m.finalize().into_bytes())
}

#[test]
fn the_hmac_matches_rfc_4231() {
    // Test case 1: a short key.
    assert_eq!(
        keyed_hmac(&[0x0b; 20], b"Hi There"),
        "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"
    );
    // Test case 6: a key longer than the block, hashed first.
    assert_eq!(
        keyed_hmac(
            &[0xaa; 131],
            b"Test Using Larger Than Block-Size Key - Hash Key First"
        ),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
}

#[test]
fn the_signed_payload_is_timestamp_dot_body() {
    assert_eq!(
        sign(b"whsec_test", NOW, BODY),
        raw_hmac(b"whsec_test", &[b"1700000000.".as_slice(), BODY].concat())
    );
}

#[test]
fn a_signed_delivery_verifies() {
    let header = signature_header(&[b"whsec_new"], NOW, BODY);
    assert!(header.starts_with("t=1700000000,v1="));
    assert_eq!(
        verify(&header, BODY, &[b"whsec_new"], NOW + 10, 300),
        Ok(NOW)
    );
}

#[test]
fn during_a_rotation_receivers_with_either_secret_accept() {
    let header = signature_header(&["whsec_new", "whsec_old"], NOW, BODY);
    assert_eq!(header.matches("v1=").count(), 2);
    assert_eq!(verify(&header, BODY, &["whsec_old"], NOW, 300), Ok(NOW));
    assert_eq!(verify(&header, BODY, &["whsec_new"], NOW, 300), Ok(NOW));
    // After the overlap, only the new secret signs: a receiver still on the old one refuses.
    let after = signature_header(&["whsec_new"], NOW, BODY);
    assert_eq!(
        verify(&after, BODY, &["whsec_old"], NOW, 300),
        Err(WebhookError::NoMatch)
    );
    // A receiver that already holds both accepts either way.
    assert_eq!(
        verify(&after, BODY, &["whsec_old", "whsec_new"], NOW, 300),
        Ok(NOW)
    );
}

#[test]
fn a_wrong_secret_or_an_altered_body_is_refused() {
    let header = signature_header(&["whsec_a"], NOW, BODY);
    assert_eq!(
        verify(&header, BODY, &["whsec_b"], NOW, 300),
        Err(WebhookError::NoMatch)
    );
    assert_eq!(
        verify(
            &header,
            b"{\"type\":\"member.left\"}",
            &["whsec_a"],
            NOW,
            300
        ),
        Err(WebhookError::NoMatch)
    );
    // Moving the timestamp breaks the signature too (it is signed).
    let moved = header.replace("t=1700000000", "t=1700000001");
    assert_eq!(
        verify(&moved, BODY, &["whsec_a"], NOW, 300),
        Err(WebhookError::NoMatch)
    );
}

#[test]
fn an_old_or_future_delivery_is_refused_as_a_replay() {
    let header = signature_header(&["s"], NOW, BODY);
    assert!(matches!(
        verify(&header, BODY, &["s"], NOW + 301, 300),
        Err(WebhookError::OutsideTolerance { .. })
    ));
    assert!(matches!(
        verify(&header, BODY, &["s"], NOW - 301, 300),
        Err(WebhookError::OutsideTolerance { .. })
    ));
    assert_eq!(verify(&header, BODY, &["s"], NOW + 300, 300), Ok(NOW));
}

#[test]
fn malformed_headers_are_refused_and_unknown_schemes_ignored() {
    let sig = sign(b"s", NOW, BODY);
    for bad in [
        String::new(),
        "t=".into(),
        format!("v1={sig}"),
        "t=1700000000".into(),
        format!("t=x,v1={sig}"),
        format!("t=1700000000,t=1700000000,v1={sig}"),
        "t=1700000000,v1=abc".into(),
        format!("t=1700000000,v1={}", "zz".repeat(32)),
        format!("t=1700000000,junk,v1={sig}"),
        format!("t=1700000000{}", format!(",v1={sig}").repeat(9)),
        format!("t=1700000000,v1={sig},x={}", "a".repeat(5000)),
    ] {
        assert!(
            matches!(
                verify(&bad, BODY, &["s"], NOW, 300),
                Err(WebhookError::MalformedHeader(_))
            ),
            "accepted {bad:?}"
        );
    }
    let with_v0 = format!("t=1700000000, v0=deadbeef, v1={sig}");
    assert_eq!(verify(&with_v0, BODY, &["s"], NOW, 300), Ok(NOW));
    let none: [&str; 0] = [];
    assert_eq!(
        verify(&with_v0, BODY, &none, NOW, 300),
        Err(WebhookError::NoSecrets)
    );
}

proptest! {
    #[test]
    fn keyed_equals_the_crates_own_key_handling(key in proptest::collection::vec(any::<u8>(), 0..200), data in proptest::collection::vec(any::<u8>(), 0..100)) {
        prop_assert_eq!(keyed_hmac(&key, &data), raw_hmac(&key, &data));
    }

    #[test]
    fn verify_never_panics(header in ".{0,200}", body in proptest::collection::vec(any::<u8>(), 0..64)) {
        let _ = verify(&header, &body, &["s"], NOW, 300);
    }

    #[test]
    fn what_is_signed_verifies(secret in "[a-z0-9_]{1,40}", t in 0i64..4_000_000_000, body in proptest::collection::vec(any::<u8>(), 0..256)) {
        let header = signature_header(&[&secret], t, &body);
        prop_assert_eq!(verify(&header, &body, &[&secret], t, 0), Ok(t));
    }
}
