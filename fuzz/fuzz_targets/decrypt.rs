//! Fuzzes the WeCom decryptor: arbitrary ciphertext strings, and ciphertexts of
//! fuzzer-chosen plaintext (so the padding, length and ReceiveId checks see every shape)
//! must give an error, never a panic; and what `encrypt_message` seals always opens.

#![no_main]

use aes::Aes256;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockEncryptMut, KeyIvInit};
use libfuzzer_sys::fuzz_target;
use quanzi_channels::wecom::crypto::{self, AesKey};

const TOKEN: &str = "QDG6eK";
const ENCODING_AES_KEY: &str = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C";
const CORP_ID: &str = "wx5823bf96d3bd56c7";

fn key_bytes() -> [u8; 32] {
    let bytes = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new().with_decode_allow_trailing_bits(true),
    )
    .decode(format!("{ENCODING_AES_KEY}="))
    .unwrap();
    bytes.try_into().unwrap()
}

fuzz_target!(|data: &[u8]| {
    let key = AesKey::from_encoding_aes_key(ENCODING_AES_KEY).unwrap();
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        // Arbitrary text as the ciphertext, and as every signed parameter.
        0 => {
            let text = String::from_utf8_lossy(rest);
            let _ = crypto::decrypt(&key, CORP_ID, &text);
            let _ = crypto::verify_url(TOKEN, &key, CORP_ID, &text, &text, &text, &text);
            let _ = AesKey::from_encoding_aes_key(&text);
        }
        // Arbitrary bytes as the raw ciphertext, correctly signed.
        1 => {
            let encrypt = STANDARD.encode(rest);
            let sig = crypto::signature(TOKEN, "1", "2", &encrypt);
            let _ = crypto::decrypt_message(TOKEN, &key, CORP_ID, &sig, "1", "2", &encrypt);
        }
        // Fuzzer-chosen plaintext blocks, encrypted with the right key.
        2 => {
            let whole = rest.len() / 16 * 16;
            let mut buf = rest[..whole].to_vec();
            let k = key_bytes();
            let cipher = cbc::Encryptor::<Aes256>::new_from_slices(&k, &k[..16])
                .unwrap()
                .encrypt_padded_mut::<NoPadding>(&mut buf, whole)
                .unwrap()
                .to_vec();
            let result = crypto::decrypt(&key, CORP_ID, &STANDARD.encode(&cipher));
            if let Ok(message) = result {
                // Only a plaintext that ends with our corp id and valid padding opens.
                assert!(message.len() + 20 + CORP_ID.len() <= whole);
            }
        }
        // Round trip: whatever is sealed opens to itself.
        _ => {
            let message = String::from_utf8_lossy(rest);
            let mut random = [0u8; 16];
            for (r, b) in random.iter_mut().zip(rest) {
                *r = *b;
            }
            let sealed =
                crypto::encrypt_message(TOKEN, &key, CORP_ID, random, &message, "1", "2").unwrap();
            let opened = crypto::decrypt_message(
                TOKEN,
                &key,
                CORP_ID,
                &sealed.msg_signature,
                "1",
                "2",
                &sealed.encrypt,
            )
            .unwrap();
            assert_eq!(opened, message);
        }
    }
});
