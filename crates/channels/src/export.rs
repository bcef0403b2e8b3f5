//! Table exports: CSV (UTF-8 with a BOM so Excel reads Chinese) and XLSX (one sheet, inline
//! strings), written without IO so the web layer can stream the bytes.

use std::io::{Cursor, Write};

/// One cell of an exported table.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// A number.
    Num(f64),
    /// A fraction shown as a percentage (0.25 is 25.00%): a percent-formatted number in
    /// XLSX, `25.00%` in CSV.
    Percent(f64),
}

/// A table to export: a sheet name, column headers and rows.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Table {
    /// Sheet (and file) name.
    pub name: String,
    /// Column headers.
    pub headers: Vec<String>,
    /// Rows; each as long as `headers`.
    pub rows: Vec<Vec<Cell>>,
}

/// Why an export could not be written.
#[derive(Debug, thiserror::Error)]
#[error("the export could not be written: {0}")]
pub struct ExportError(String);

/// Text that a spreadsheet would run as a formula is made inert with a leading `'`.
fn inert(s: &str) -> std::borrow::Cow<'_, str> {
    if s.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

fn csv_field(out: &mut String, s: &str) {
    if s.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(s);
    }
}

fn num_text(v: f64) -> String {
    if v.is_finite() {
        let s = format!("{v:.6}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        String::new()
    }
}

/// The table as CSV: a UTF-8 BOM, a header line, CRLF line ends, fields quoted when needed.
pub fn to_csv(t: &Table) -> Vec<u8> {
    let mut out = String::from("\u{feff}");
    for (i, h) in t.headers.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        csv_field(&mut out, &inert(h));
    }
    out.push_str("\r\n");
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            match c {
                Cell::Text(s) => csv_field(&mut out, &inert(s)),
                Cell::Int(v) => out.push_str(&v.to_string()),
                Cell::Num(v) => out.push_str(&num_text(*v)),
                Cell::Percent(v) if v.is_finite() => out.push_str(&format!("{:.2}%", v * 100.0)),
                Cell::Percent(_) => {}
            }
        }
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn xml_escape(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            // XML 1.0 cannot carry most control characters.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' && c != '\r' => {}
            c => o.push(c),
        }
    }
    o
}

fn column_name(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8_lossy(&s).into_owned()
}

/// A sheet name Excel accepts: at most 31 characters, none of `[]:*?/\`.
fn sheet_name(name: &str) -> String {
    let clean: String = name
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if clean.trim().is_empty() {
        "Sheet1".into()
    } else {
        clean
    }
}

fn text_cell(out: &mut String, r: &str, s: &str) {
    out.push_str(&format!(
        "<c r=\"{r}\" t=\"inlineStr\"><is><t xml:space=\"preserve\">{}</t></is></c>",
        xml_escape(&inert(s))
    ));
}

/// How wide a column's text is, in character widths: a CJK character counts two.
fn text_width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) < 0x2e80 { 1 } else { 2 })
        .sum()
}

/// Each column as wide as its widest cell (header included), between 6 and 60 characters.
fn cols_xml(t: &Table) -> String {
    let mut widths: Vec<usize> = t.headers.iter().map(|h| text_width(h)).collect();
    for row in &t.rows {
        for (i, c) in row.iter().enumerate() {
            let w = match c {
                Cell::Text(s) => text_width(s),
                Cell::Int(v) => v.to_string().len(),
                Cell::Num(v) => num_text(*v).len(),
                Cell::Percent(_) => 8,
            };
            if let Some(slot) = widths.get_mut(i) {
                *slot = (*slot).max(w);
            }
        }
    }
    let mut out = String::from("<cols>");
    for (i, w) in widths.iter().enumerate() {
        out.push_str(&format!(
            "<col min=\"{n}\" max=\"{n}\" width=\"{}\" customWidth=\"1\"/>",
            (w + 2).clamp(6, 60),
            n = i + 1
        ));
    }
    out.push_str("</cols>");
    out
}

fn sheet_xml(t: &Table) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<worksheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\">",
    );
    out.push_str(&cols_xml(t));
    out.push_str("<sheetData>");
    let mut row_xml =
        |n: usize, cells: &mut dyn Iterator<Item = (usize, Option<&Cell>, Option<&str>)>| {
            out.push_str(&format!("<row r=\"{n}\">"));
            for (i, c, h) in cells {
                let r = format!("{}{n}", column_name(i));
                match (c, h) {
                    (_, Some(h)) => text_cell(&mut out, &r, h),
                    (Some(Cell::Text(s)), _) => text_cell(&mut out, &r, s),
                    (Some(Cell::Int(v)), _) => {
                        out.push_str(&format!("<c r=\"{r}\"><v>{v}</v></c>"))
                    }
                    (Some(Cell::Num(v)), _) if v.is_finite() => {
                        out.push_str(&format!("<c r=\"{r}\"><v>{v}</v></c>"))
                    }
                    // Style 1 of styles.xml: the built-in 0.00% format.
                    (Some(Cell::Percent(v)), _) if v.is_finite() => {
                        out.push_str(&format!("<c r=\"{r}\" s=\"1\"><v>{v}</v></c>"))
                    }
                    _ => {}
                }
            }
            out.push_str("</row>");
        };
    row_xml(
        1,
        &mut t
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| (i, None, Some(h.as_str()))),
    );
    for (k, row) in t.rows.iter().enumerate() {
        row_xml(
            k + 2,
            &mut row.iter().enumerate().map(|(i, c)| (i, Some(c), None)),
        );
    }
    out.push_str("</sheetData></worksheet>");
    out
}

/// The table as an XLSX workbook with one sheet.
pub fn to_xlsx(t: &Table) -> Result<Vec<u8>, ExportError> {
    let err = |e: &dyn std::fmt::Display| ExportError(e.to_string());
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let parts: [(&str, String); 6] = [
        (
            "[Content_Types].xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Types xmlns=\"http://schemas.openxmlformats.org/package/2006/content-types\"><Default Extension=\"rels\" ContentType=\"application/vnd.openxmlformats-package.relationships+xml\"/><Default Extension=\"xml\" ContentType=\"application/xml\"/><Override PartName=\"/xl/workbook.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml\"/><Override PartName=\"/xl/worksheets/sheet1.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml\"/><Override PartName=\"/xl/styles.xml\" ContentType=\"application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml\"/></Types>".into(),
        ),
        (
            "_rels/.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument\" Target=\"xl/workbook.xml\"/></Relationships>".into(),
        ),
        (
            "xl/workbook.xml",
            format!(
                "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<workbook xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\" xmlns:r=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships\"><sheets><sheet name=\"{}\" sheetId=\"1\" r:id=\"rId1\"/></sheets></workbook>",
                xml_escape(&sheet_name(&t.name))
            ),
        ),
        (
            "xl/_rels/workbook.xml.rels",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<Relationships xmlns=\"http://schemas.openxmlformats.org/package/2006/relationships\"><Relationship Id=\"rId1\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet\" Target=\"worksheets/sheet1.xml\"/><Relationship Id=\"rId2\" Type=\"http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles\" Target=\"styles.xml\"/></Relationships>".into(),
        ),
        (
            "xl/styles.xml",
            "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<styleSheet xmlns=\"http://schemas.openxmlformats.org/spreadsheetml/2006/main\"><fonts count=\"1\"><font><sz val=\"11\"/><name val=\"Calibri\"/></font></fonts><fills count=\"2\"><fill><patternFill patternType=\"none\"/></fill><fill><patternFill patternType=\"gray125\"/></fill></fills><borders count=\"1\"><border><left/><right/><top/><bottom/><diagonal/></border></borders><cellStyleXfs count=\"1\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\"/></cellStyleXfs><cellXfs count=\"2\"><xf numFmtId=\"0\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\"/><xf numFmtId=\"10\" fontId=\"0\" fillId=\"0\" borderId=\"0\" xfId=\"0\" applyNumberFormat=\"1\"/></cellXfs></styleSheet>".into(),
        ),
        ("xl/worksheets/sheet1.xml", sheet_xml(t)),
    ];
    for (name, body) in parts {
        zip.start_file(name, opts).map_err(|e| err(&e))?;
        zip.write_all(body.as_bytes()).map_err(|e| err(&e))?;
    }
    Ok(zip.finish().map_err(|e| err(&e))?.into_inner())
}

#[cfg(test)]
mod tests {
    use calamine::{Data, Reader, Xlsx};

    use super::*;

    fn table() -> Table {
        Table {
            name: "社群/groups".into(),
            headers: vec!["名称".into(), "GMV".into(), "rate".into()],
            rows: vec![
                vec![
                    Cell::Text("宝妈群, \"A\"".into()),
                    Cell::Int(12_345),
                    Cell::Num(0.25),
                ],
                vec![
                    Cell::Text("=cmd()".into()),
                    Cell::Int(-1),
                    Cell::Num(1.0 / 3.0),
                ],
            ],
        }
    }

    #[test]
    fn csv_has_a_bom_quotes_and_inert_formulas() {
        let s = String::from_utf8(to_csv(&table())).unwrap_or_default();
        assert!(s.starts_with('\u{feff}'));
        assert!(s.contains("\"宝妈群, \"\"A\"\"\",12345,0.25\r\n"), "{s}");
        assert!(s.contains("'=cmd(),-1,0.333333\r\n"), "{s}");
    }

    #[test]
    fn xlsx_reads_back_with_the_same_cells() -> Result<(), Box<dyn std::error::Error>> {
        let bytes = to_xlsx(&table())?;
        let mut wb: Xlsx<_> = Xlsx::new(Cursor::new(bytes))?;
        let names = wb.sheet_names();
        assert_eq!(names, vec!["社群groups".to_string()]);
        let range = wb.worksheet_range(&names[0])?;
        let rows: Vec<Vec<Data>> = range.rows().map(|r| r.to_vec()).collect();
        assert_eq!(rows[0][0], Data::String("名称".into()));
        assert_eq!(rows[1][0], Data::String("宝妈群, \"A\"".into()));
        assert_eq!(rows[1][1], Data::Float(12_345.0));
        assert_eq!(rows[2][0], Data::String("'=cmd()".into()));
        assert_eq!(rows.len(), 3);
        Ok(())
    }

    #[test]
    fn column_names_go_past_z() {
        assert_eq!(column_name(0), "A");
        assert_eq!(column_name(25), "Z");
        assert_eq!(column_name(26), "AA");
        assert_eq!(column_name(701), "ZZ");
        assert_eq!(column_name(702), "AAA");
    }
}

#[cfg(test)]
mod format_tests {
    use super::*;

    #[test]
    fn percentages_are_percent_formatted_and_columns_sized_to_their_text() {
        let t = Table {
            name: "t".into(),
            headers: vec!["社群名称".into(), "rate".into()],
            rows: vec![vec![
                Cell::Text("南山店1群（宝妈）".into()),
                Cell::Percent(0.25),
            ]],
        };
        let xml = sheet_xml(&t);
        assert!(xml.contains("<c r=\"B2\" s=\"1\"><v>0.25</v></c>"), "{xml}");
        // 南山店1群（宝妈） is 8 CJK characters and one digit: 17 widths, plus 2.
        assert!(
            xml.contains("<col min=\"1\" max=\"1\" width=\"19\" customWidth=\"1\"/>"),
            "{xml}"
        );
        assert!(String::from_utf8_lossy(&to_csv(&t)).contains(",25.00%"));
        assert!(to_xlsx(&t).is_ok());
    }
}
