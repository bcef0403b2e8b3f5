//! Tests of reading import files and writing reject files: line numbers, blank lines, defects,
//! encodings, chunks and the reject file's columns.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::error::io_err;
use super::*;

fn read_all(bytes: &[u8]) -> (Vec<String>, Vec<Row>) {
    let r = RowReader::from_csv(std::io::Cursor::new(bytes.to_vec()));
    let mut r = match r {
        Ok(r) => r,
        Err(e) => panic!("{e}"),
    };
    let headers = r.headers().to_vec();
    let rows = r.by_ref().collect::<Result<Vec<_>, _>>();
    (headers, rows.unwrap_or_default())
}

#[test]
fn csv_rows_carry_their_line_and_skip_blank_lines() {
    let (h, rows) = read_all(b"\xEF\xBB\xBFname , phone\n\nA,1\n\"B\nB\",2\n,\nC,3\n");
    assert_eq!(h, vec!["name", "phone"]);
    let got: Vec<(usize, &str)> = rows
        .iter()
        .map(|r| (r.line, r.values[0].as_str()))
        .collect();
    assert_eq!(got, vec![(3, "A"), (4, "B\nB"), (7, "C")]);
    assert_eq!(rows[0].get("phone"), Some("1"));
    assert_eq!(
        rows[2].clone().into_pairs(),
        vec![("name".into(), "C".into()), ("phone".into(), "3".into())]
    );
}

#[test]
fn crlf_files_and_a_missing_final_newline_keep_line_numbers() {
    let (h, rows) = read_all(b"name,phone\r\n\r\nA,1\r\n\"B\r\nB\",2\r\nC,3");
    assert_eq!(h, vec!["name", "phone"]);
    let got: Vec<(usize, &str, &str)> = rows
        .iter()
        .map(|r| (r.line, r.values[0].as_str(), r.values[1].as_str()))
        .collect();
    assert_eq!(got, vec![(3, "A", "1"), (4, "B\r\nB", "2"), (6, "C", "3")]);
}

#[test]
fn short_rows_and_non_utf8_cells_are_defects_of_their_line() {
    let (_, rows) = read_all(b"name,phone\nA\nB,2,\n\xC4\xE3\xBA\xC3,3\n");
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[0].defect.as_ref().map(|d| d.line), Some(2));
    assert!(rows[1].defect.is_none(), "an empty trailing cell is fine");
    assert_eq!(rows[1].values.len(), 2);
    let d = rows[2].defect.clone();
    assert_eq!(
        d.as_ref().map(|d| (d.line, d.field.as_str())),
        Some((4, "name"))
    );
    assert!(d.map(|d| d.reason).unwrap_or_default().contains("UTF-8"));
}

#[test]
fn a_gbk_header_or_utf16_file_is_refused_clearly() {
    let gbk = RowReader::from_csv(std::io::Cursor::new(b"\xD0\xD5\xC3\xFB,phone\n".to_vec()));
    assert!(matches!(gbk, Err(ImportError::Format(m)) if m.contains("CSV UTF-8")));
    let utf16 = RowReader::from_csv(std::io::Cursor::new(b"\xFF\xFEn\0".to_vec()));
    assert!(matches!(utf16, Err(ImportError::Format(m)) if m.contains("UTF-16")));
    let empty = RowReader::from_csv(std::io::Cursor::new(b"\n\n".to_vec()));
    assert!(matches!(empty, Err(ImportError::Format(_))));
}

#[test]
fn chunks_and_counts_agree() -> Result<(), ImportError> {
    let dir = tempfile::tempdir().map_err(|e| ImportError::Format(e.to_string()))?;
    let path = dir.path().join("e.csv");
    let mut text = String::from("kind,member_id\n");
    for i in 0..2500 {
        text.push_str(&format!("message,{i}\n"));
    }
    std::fs::write(&path, text).map_err(io_err(&path))?;
    assert_eq!(count_csv_rows(&path)?, 2500);
    let mut r = RowReader::open(&path)?;
    assert_eq!(r.format(), FileFormat::Csv);
    let sizes: Vec<usize> = std::iter::from_fn(|| {
        let c = r.read_chunk(1000).ok()?;
        (!c.is_empty()).then_some(c.len())
    })
    .collect();
    assert_eq!(sizes, vec![1000, 1000, 500]);
    Ok(())
}

#[test]
fn reject_file_keeps_the_columns_and_replaces_an_old_error_column() -> Result<(), ImportError> {
    let dir = tempfile::tempdir().map_err(|e| ImportError::Format(e.to_string()))?;
    let path = dir.path().join("m.rejects.csv");
    let headers: Arc<[String]> = vec!["name".into(), "error".into(), "phone".into()].into();
    let mut w = RejectWriter::create(&path, &headers)?;
    let row = Row::new(
        3,
        headers.clone(),
        vec!["王芳".into(), "old".into(), "12".into()],
    );
    w.write(&row, &[RowError::new(3, "phone", "must be 11 digits")])?;
    assert_eq!(w.rows(), 1);
    let p = w.finish()?;
    let text = std::fs::read_to_string(&p).map_err(io_err(&p))?;
    assert_eq!(
        text,
        "\u{feff}name,phone,error\n王芳,12,line 3: phone: must be 11 digits\n"
    );
    assert_eq!(
        default_reject_path(Path::new("/x/events.csv")),
        PathBuf::from("/x/events.rejects.csv")
    );
    Ok(())
}
