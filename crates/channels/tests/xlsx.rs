//! Reading an XLSX import: a tiny workbook is written here with the zip crate (the five XML
//! parts Excel needs, inline strings, one date-formatted cell), then read back and mapped.

use std::io::Write;
use std::path::Path;

use quanzi_channels::import::{FileFormat, RowReader};
use quanzi_channels::mapping::{EventColumns, MemberColumns};
use quanzi_domain::event::BatchContext;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
</Types>"#;

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"#;

const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="导入" sheetId="1" r:id="rId1"/></sheets>
</workbook>"#;

const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
</Relationships>"#;

/// Style 1 is the built-in date-time format 22 (`m/d/yy h:mm`).
const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"#;

/// A cell: text as an inline string, `#n` as a number, `@n` as a date-styled number.
fn cell(r: &str, v: &str) -> String {
    if let Some(n) = v.strip_prefix('#') {
        format!(r#"<c r="{r}"><v>{n}</v></c>"#)
    } else if let Some(n) = v.strip_prefix('@') {
        format!(r#"<c r="{r}" s="1"><v>{n}</v></c>"#)
    } else {
        format!(r#"<c r="{r}" t="inlineStr"><is><t>{v}</t></is></c>"#)
    }
}

/// Writes a one-sheet workbook; `rows[i]` goes to sheet row `first_row + i` (1-based),
/// starting at column A. Empty strings leave the cell out.
fn write_xlsx(path: &Path, first_row: usize, rows: &[&[&str]]) -> TestResult {
    let mut sheet = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#,
    );
    for (i, row) in rows.iter().enumerate() {
        let n = first_row + i;
        sheet.push_str(&format!(r#"<row r="{n}">"#));
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                let col = char::from(b'A' + c as u8);
                sheet.push_str(&cell(&format!("{col}{n}"), v));
            }
        }
        sheet.push_str("</row>");
    }
    sheet.push_str("</sheetData></worksheet>");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(path)?);
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    for (name, body) in [
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", &sheet),
    ] {
        zip.start_file(name, opts)?;
        zip.write_all(body.as_bytes())?;
    }
    zip.finish()?;
    Ok(())
}

#[test]
fn members_are_read_from_the_first_sheet_with_sheet_row_numbers() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("members.xlsx");
    write_xlsx(
        &path,
        2, // a blank first row: the header is on row 2
        &[
            &["name", "phone", "interests", "gender"],
            &["王芳", "#13800138000", "宝妈、养生", "女"],
            &["", "", "", ""],
            &["李雷", "#12", "", "male"],
        ],
    )?;
    let mut r = RowReader::open(&path)?;
    assert_eq!(r.format(), FileFormat::Spreadsheet);
    assert_eq!(r.headers(), ["name", "phone", "interests", "gender"]);
    assert_eq!(r.header_line(), 2);
    assert_eq!(r.total_rows(), Some(2), "the blank row is not counted");
    let cols =
        MemberColumns::new(r.headers(), r.header_line(), &[]).map_err(|e| format!("{e:?}"))?;
    let rows = r.read_chunk(100)?;
    assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), vec![3, 5]);
    let first = cols.parse(&rows[0]).map_err(|e| format!("{e:?}"))?;
    assert_eq!(first.external.phone.as_deref(), Some("13800138000"));
    assert_eq!(first.interests, vec!["宝妈", "养生"]);
    let errs = cols.parse(&rows[1]).err().unwrap_or_default();
    assert_eq!(
        errs.iter()
            .map(|e| (e.line, e.field.as_str()))
            .collect::<Vec<_>>(),
        vec![(5, "phone")]
    );
    assert!(r.read_chunk(100)?.is_empty());
    Ok(())
}

#[test]
fn event_dates_typed_as_excel_dates_are_shanghai_wall_clock() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("events.xlsx");
    // 45658.5 is 2025-01-01 12:00 as Excel shows it.
    write_xlsx(
        &path,
        1,
        &[
            &["kind", "member_id", "occurred_at", "amount_yuan"],
            &["order", "#7", "@45658.5", "#19.99"],
            &["message", "#7", "2025-01-01 12:00:00", ""],
        ],
    )?;
    let mut r = RowReader::open(&path)?;
    let cols = EventColumns::new(r.headers(), r.header_line()).map_err(|e| format!("{e:?}"))?;
    let ctx = BatchContext {
        custom_kinds: &[],
        now_ms: 1_800_000_000_000,
    };
    let rows = r.read_chunk(10)?;
    let a = cols.parse(&rows[0], &ctx).map_err(|e| format!("{e:?}"))?;
    let b = cols.parse(&rows[1], &ctx).map_err(|e| format!("{e:?}"))?;
    // 2025-01-01 12:00 in Shanghai is 04:00 UTC.
    assert_eq!(a.event.occurred_at_ms, 1_735_689_600_000 + 4 * 3_600_000);
    assert_eq!(a.event.occurred_at_ms, b.event.occurred_at_ms);
    assert_eq!(a.event.amount_fen, Some(1999));
    assert_eq!(a.event.idempotency_key.split('-').nth(1), Some("2"));
    Ok(())
}

#[test]
fn a_file_that_is_not_a_workbook_is_a_clear_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("broken.xlsx");
    std::fs::write(&path, b"PK\x03\x04 not really")?;
    let err = RowReader::open(&path)
        .err()
        .map(|e| e.to_string())
        .unwrap_or_default();
    assert!(err.contains("not a readable spreadsheet"), "{err}");
    Ok(())
}
