//! Tests of the WeCom callback crypto: the official vectors and every way a callback is refused.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use proptest::prelude::*;

use super::*;

const TOKEN: &str = "QDG6eK";
const ENCODING_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP_ID: &str = "wx5823bf96d3bd56c7";

const URL_SIGNATURE: &str = "5c45ff5e21c57e6ad56bac8758b79b1d9ac89fd3";
const URL_TIMESTAMP: &str = "1409659589";
const URL_NONCE: &str = "263014780";
const URL_ECHOSTR: &str =
    "P9nAzCzyDtyTWESHep1vC5X9xho/qYX3Zpb4yKa9SKld1DsH3Iyt3tP3zNdtp+4RPcs8TgAE7OaBO+FZXvnaqQ==";

const MSG_SIGNATURE: &str = "477715d11cdb4164915debcba66cb864d751f3e6";
const MSG_TIMESTAMP: &str = "1409659813";
const MSG_NONCE: &str = "1372623149";
const MSG_ENCRYPT: &str = "RypEvHKD8QQKFhvQ6QleEB4J58tiPdvo+rtK1I9qca6aM/wvqnLSV5zEPeusUiX5L5X/0lWfrf0QADHHhGd3QczcdCUpj911L3vg3W/sYYvuJTs3TUUkSUXxaccAS0qhxchrRYt66wiSpGLYL42aM6A8dTT+6k4aSknmPj48kzJs8qLjvd4Xgpue06DOdnLxAUHzM6+kDZ+HMZfJYuR+LtwGc2hgf5gsijff0ekUNXZiqATP7PF5mZxZ3Izoun1s4zG4LUMnvw2r+KqCKIw+3IQH03v+BCA9nMELNqbSf6tiWSrXJB3LAVGUcallcrw8V2t9EL4EhzJWrQUax5wLVMNS0+rUPA3k22Ncx4XXZS9o0MBH27Bo6BpNelZpS+/uh9KsNlY6bHCmJU9p8g7m3fVKn28H3KDYA5Pl/T8Z1ptDAVe0lXdQ2YoyyH2uyPIGHBZZIs2pDBS8R07+qN+E7Q==";

fn key() -> AesKey {
    AesKey::from_encoding_aes_key(ENCODING_AES_KEY).unwrap()
}

/// Encrypts raw plaintext bytes (already padded by the caller) the way WeCom does.
fn encrypt_raw(key: &AesKey, plain: &[u8]) -> String {
    let mut buf = plain.to_vec();
    let len = buf.len();
    let enc = cbc::Encryptor::<Aes256>::new_from_slices(&key.0, key.iv()).unwrap();
    let out = enc.encrypt_padded_mut::<NoPadding>(&mut buf, len).unwrap();
    STANDARD.encode(out)
}

#[test]
fn the_official_url_verification_vector_answers_the_echo_plaintext() {
    let answer = verify_url(
        TOKEN,
        &key(),
        CORP_ID,
        URL_SIGNATURE,
        URL_TIMESTAMP,
        URL_NONCE,
        URL_ECHOSTR,
    );
    assert_eq!(answer.as_deref(), Ok("1616140317555161061"));
}

#[test]
fn the_official_message_vector_decrypts_to_the_event_xml() {
    let xml = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        MSG_SIGNATURE,
        MSG_TIMESTAMP,
        MSG_NONCE,
        MSG_ENCRYPT,
    )
    .unwrap();
    assert!(xml.starts_with("<xml><ToUserName><![CDATA[wx5823bf96d3bd56c7]]></ToUserName>"));
    assert!(xml.contains("<Content><![CDATA[hello]]></Content>"));
    assert!(xml.contains("<MsgId>4561255354251345929</MsgId>"));
}

#[test]
fn an_upper_case_signature_is_accepted() {
    let upper = URL_SIGNATURE.to_ascii_uppercase();
    let answer = verify_url(
        TOKEN,
        &key(),
        CORP_ID,
        &upper,
        URL_TIMESTAMP,
        URL_NONCE,
        URL_ECHOSTR,
    );
    assert_eq!(answer.as_deref(), Ok("1616140317555161061"));
}

#[test]
fn a_wrong_token_is_a_bad_signature() {
    let answer = verify_url(
        "not-the-token",
        &key(),
        CORP_ID,
        URL_SIGNATURE,
        URL_TIMESTAMP,
        URL_NONCE,
        URL_ECHOSTR,
    );
    assert_eq!(answer, Err(CryptoError::BadSignature));
}

#[test]
fn a_replayed_signature_with_another_timestamp_is_refused() {
    let answer = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        MSG_SIGNATURE,
        "1409659814",
        MSG_NONCE,
        MSG_ENCRYPT,
    );
    assert_eq!(answer, Err(CryptoError::BadSignature));
}

#[test]
fn a_wrong_key_is_a_bad_padding_or_length_never_a_message() {
    let other =
        AesKey::from_encoding_aes_key("abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG").unwrap();
    let answer = decrypt_message(
        TOKEN,
        &other,
        CORP_ID,
        MSG_SIGNATURE,
        MSG_TIMESTAMP,
        MSG_NONCE,
        MSG_ENCRYPT,
    );
    assert!(
        matches!(
            answer,
            Err(CryptoError::BadPadding | CryptoError::BadLength(_))
        ),
        "{answer:?}"
    );
}

#[test]
fn a_tampered_ciphertext_with_a_matching_signature_is_refused() {
    // Flip one bit of the last block: the padding no longer decodes. The attacker signs with
    // the right token here, so only the decryption itself can catch it.
    let mut bytes = STANDARD.decode(MSG_ENCRYPT).unwrap();
    let at = bytes.len() - 17;
    bytes[at] ^= 0x01;
    let tampered = STANDARD.encode(&bytes);
    let sig = signature(TOKEN, MSG_TIMESTAMP, MSG_NONCE, &tampered);
    let answer = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        &sig,
        MSG_TIMESTAMP,
        MSG_NONCE,
        &tampered,
    );
    assert!(answer.is_err(), "{answer:?}");
    // Without re-signing, the signature catches it first.
    let unsigned = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        MSG_SIGNATURE,
        MSG_TIMESTAMP,
        MSG_NONCE,
        &tampered,
    );
    assert_eq!(unsigned, Err(CryptoError::BadSignature));
}

#[test]
fn bad_padding_values_are_refused() {
    let key = key();
    let mut content = vec![7u8; 16];
    content.extend_from_slice(&3u32.to_be_bytes());
    content.extend_from_slice(b"abc");
    content.extend_from_slice(CORP_ID.as_bytes());
    let body_len = content.len(); // 41
    for (pad_value, fill) in [(0u8, 0u8), (33, 33), (23, 22), (64, 64)] {
        let mut plain = content.clone();
        plain.resize(64, fill);
        plain[63] = pad_value;
        assert_eq!(plain.len() - body_len, 23);
        let answer = decrypt(&key, CORP_ID, &encrypt_raw(&key, &plain));
        assert_eq!(answer, Err(CryptoError::BadPadding), "pad {pad_value}");
    }
    // The correct padding of the same content decrypts.
    let mut plain = content.clone();
    plain.resize(64, 23);
    assert_eq!(
        decrypt(&key, CORP_ID, &encrypt_raw(&key, &plain)).as_deref(),
        Ok("abc")
    );
}

#[test]
fn another_corps_receive_id_is_refused() {
    let sealed =
        encrypt_message(TOKEN, &key(), "ww_other_corp", [1; 16], "<xml/>", "1", "2").unwrap();
    let answer = decrypt_message(
        TOKEN,
        &key(),
        CORP_ID,
        &sealed.msg_signature,
        "1",
        "2",
        &sealed.encrypt,
    );
    assert_eq!(
        answer,
        Err(CryptoError::WrongReceiveId {
            found: "ww_other_corp".into()
        })
    );
    // An empty ReceiveId is no wildcard either.
    let empty = encrypt_message(TOKEN, &key(), "", [1; 16], "<xml/>", "1", "2").unwrap();
    assert!(matches!(
        decrypt(&key(), CORP_ID, &empty.encrypt),
        Err(CryptoError::WrongReceiveId { .. })
    ));
}

#[test]
fn a_message_length_beyond_the_plaintext_is_a_bad_length() {
    let key = key();
    let mut plain = vec![0u8; 16];
    plain.extend_from_slice(&1000u32.to_be_bytes());
    plain.extend_from_slice(b"short");
    let pad = 32 - plain.len() % 32;
    plain.resize(plain.len() + pad, pad as u8);
    assert!(matches!(
        decrypt(&key, CORP_ID, &encrypt_raw(&key, &plain)),
        Err(CryptoError::BadLength(_))
    ));
}

#[test]
fn a_non_utf8_message_is_refused() {
    let key = key();
    let mut plain = vec![0u8; 16];
    plain.extend_from_slice(&2u32.to_be_bytes());
    plain.extend_from_slice(&[0xff, 0xfe]);
    plain.extend_from_slice(CORP_ID.as_bytes());
    let pad = 32 - plain.len() % 32;
    plain.resize(plain.len() + pad, pad as u8);
    assert_eq!(
        decrypt(&key, CORP_ID, &encrypt_raw(&key, &plain)),
        Err(CryptoError::NotUtf8)
    );
}

#[test]
fn ciphertexts_that_are_not_base64_or_whole_blocks_are_refused() {
    assert_eq!(
        decrypt(&key(), CORP_ID, "not base64!"),
        Err(CryptoError::BadBase64)
    );
    assert!(matches!(
        decrypt(&key(), CORP_ID, &STANDARD.encode([0u8; 15])),
        Err(CryptoError::BadLength(_))
    ));
    assert!(matches!(
        decrypt(&key(), CORP_ID, ""),
        Err(CryptoError::BadLength(_))
    ));
}

#[test]
fn encoding_aes_keys_are_validated_with_an_error_naming_the_field() {
    for bad in [
        "",
        "short",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C0",
        "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2!",
    ] {
        let err = AesKey::from_encoding_aes_key(bad).unwrap_err();
        assert!(matches!(err, CryptoError::BadKey(_)), "{bad}: {err:?}");
        assert!(err.to_string().starts_with("EncodingAESKey "), "{err}");
    }
    assert_eq!(format!("{:?}", key()), "AesKey(<redacted>)");
}

#[test]
fn encrypting_pads_to_32_bytes_and_round_trips() {
    for len in [0usize, 1, 11, 12, 13, 44, 45, 1000] {
        let message: String = "x".repeat(len);
        let sealed = encrypt_message(TOKEN, &key(), CORP_ID, [9; 16], &message, "t", "n").unwrap();
        let raw = STANDARD.decode(&sealed.encrypt).unwrap();
        assert_eq!(raw.len() % 32, 0, "len {len}");
        let opened = decrypt_message(
            TOKEN,
            &key(),
            CORP_ID,
            &sealed.msg_signature,
            "t",
            "n",
            &sealed.encrypt,
        );
        assert_eq!(opened.as_deref(), Ok(message.as_str()));
    }
}

#[test]
fn every_error_has_a_distinct_code() {
    let all = [
        CryptoError::BadSignature,
        CryptoError::BadKey("x"),
        CryptoError::BadBase64,
        CryptoError::BadPadding,
        CryptoError::BadLength("x"),
        CryptoError::WrongReceiveId { found: "x".into() },
        CryptoError::NotUtf8,
    ];
    let codes: std::collections::BTreeSet<_> = all.iter().map(CryptoError::code).collect();
    assert_eq!(codes.len(), all.len());
}

proptest! {
    #[test]
    fn decrypt_never_panics_on_arbitrary_input(input in ".{0,300}") {
        let _ = decrypt(&key(), CORP_ID, &input);
        let _ = verify_url(TOKEN, &key(), CORP_ID, &input, "1", "2", &input);
    }

    #[test]
    fn decrypt_never_panics_on_arbitrary_ciphertext(bytes in proptest::collection::vec(any::<u8>(), 0..300)) {
        let _ = decrypt(&key(), CORP_ID, &STANDARD.encode(&bytes));
    }

    #[test]
    fn encrypt_then_decrypt_gives_the_message_back(
        message in "\\PC{0,200}",
        random in any::<[u8; 16]>(),
        timestamp in "[0-9]{1,10}",
        nonce in "[0-9a-z]{1,16}",
    ) {
        let sealed = encrypt_message(TOKEN, &key(), CORP_ID, random, &message, &timestamp, &nonce).unwrap();
        let opened = decrypt_message(TOKEN, &key(), CORP_ID, &sealed.msg_signature, &timestamp, &nonce, &sealed.encrypt).unwrap();
        prop_assert_eq!(opened, message);
    }
}
