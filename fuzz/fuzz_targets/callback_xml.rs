//! Fuzzes the WeCom callback XML reader: the generic parser, the envelope and the typed
//! events must refuse bad input with an error, never a panic, and stay consistent.

#![no_main]

use libfuzzer_sys::fuzz_target;
use quanzi_channels::wecom::WecomEvent;
use quanzi_channels::wecom::xml::{self, CallbackEnvelope};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(root) = xml::parse(text) {
        // A document that parses has a name and bounded nesting.
        assert!(!root.name.is_empty());
    }
    if let Ok(envelope) = CallbackEnvelope::parse(text) {
        assert!(!envelope.encrypt.is_empty());
        // What the writer writes, the reader reads back the same.
        assert_eq!(
            CallbackEnvelope::parse(&envelope.to_xml()).as_ref(),
            Ok(&envelope)
        );
    }
    if let Ok(event) = WecomEvent::parse(text) {
        assert_eq!(event.dedupe_key.len(), 64);
    }
    // The same bytes inside a WeCom-looking wrapper reach the event mapping more often.
    let wrapped = format!("<xml><CreateTime>1</CreateTime>{text}</xml>");
    let _ = WecomEvent::parse(&wrapped);
});
