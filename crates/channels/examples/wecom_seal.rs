//! Seals a WeCom event as WeCom would send it, to try a callback URL by hand:
//!
//! ```sh
//! cargo run -p quanzi-channels --example wecom_seal -- TOKEN ENCODING_AES_KEY CORP_ID event.xml
//! ```
//!
//! prints the query string (`msg_signature=…&timestamp=…&nonce=…`) on the first line and the
//! envelope XML to POST on the second.

use quanzi_channels::wecom::{AesKey, encrypt_message};

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [token, key, corp, file] = args.as_slice() else {
        eprintln!("usage: wecom_seal TOKEN ENCODING_AES_KEY CORP_ID EVENT.xml");
        return std::process::ExitCode::FAILURE;
    };
    let run = || -> Result<(String, String), String> {
        let xml = std::fs::read_to_string(file).map_err(|e| format!("{file}: {e}"))?;
        let key = AesKey::from_encoding_aes_key(key).map_err(|e| e.to_string())?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or(0);
        let (ts, nonce) = (now.to_string(), format!("n{}", now % 1_000_000));
        let mut random = [0u8; 16];
        random[..8].copy_from_slice(&now.to_be_bytes());
        let m = encrypt_message(token, &key, corp, random, &xml, &ts, &nonce)
            .map_err(|e| e.to_string())?;
        Ok((
            format!(
                "msg_signature={}&timestamp={ts}&nonce={nonce}",
                m.msg_signature
            ),
            format!(
                "<xml><ToUserName><![CDATA[{corp}]]></ToUserName><Encrypt><![CDATA[{}]]></Encrypt><AgentID><![CDATA[]]></AgentID></xml>",
                m.encrypt
            ),
        ))
    };
    match run() {
        Ok((query, body)) => {
            println!("{query}");
            println!("{body}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}
